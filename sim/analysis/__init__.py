"""Analysis of saved or in-memory results: risk figures, payback, summaries."""

from sim.analysis.risk import payback_months, risk_table

__all__ = ["payback_months", "risk_table"]

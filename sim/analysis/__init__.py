"""Analysis of saved or in-memory results: risk figures, payback, summaries."""

from sim.analysis.risk import REGROWTH_THRESHOLD, nothing_saved, payback_months, regrowth_figure, risk_table

__all__ = ["REGROWTH_THRESHOLD", "nothing_saved", "payback_months", "regrowth_figure", "risk_table"]

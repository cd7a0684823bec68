"""A two-channel case whose cheapest policy is known by hand (see test_optimise.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from channel_helpers import NO_ATTRITION, QUIET, only

ROOT = Path(__file__).resolve().parents[1]
COST = {"resignation": 10_000.0, "enterprise": 30_000.0}  # yuan per person placed (fixed payment only)


def two_channel_set() -> dict[str, Any]:
    """Overrides of base.toml: 2 townships (66 surplus people), nobody leaves, two channels at fixed prices."""
    out: dict[str, Any] = {
        **QUIET,
        **NO_ATTRITION,
        **only("resignation", "enterprise"),
        "population.synthetic.townships": 2,
        "time.horizon_months": 14,
        "reform.month": 2,
        "reform.deadline_month": 12,
        "reform.clear_temporaries": False,
        "pool.unlimited": True,
        "diversion.patience_months": 1,
        "diversion.retry_months": 1,
    }
    for c, pay in COST.items():
        out.update(
            {
                f"channels.{c}.acceptance": 1.0,
                f"channels.{c}.exam_pass_rate": 1.0,
                f"channels.{c}.fixed_payment": pay,
                f"channels.{c}.severance_months_per_year": 0.0,
                f"channels.{c}.placement_subsidy": 0.0,
                f"channels.{c}.pension_buyin_rate": 0.0,
                f"channels.{c}.recurring_share": 0.0,
                f"channels.{c}.return_hazard": 0.0,
                f"channels.{c}.lead_time_months": 1,
                f"channels.{c}.release_month": 3,
                f"channels.{c}.age_max": 100.0,
                f"channels.{c}.sectors": ["admin", "institution"],
            }
        )
    return out


def two_channel_spec(name: str = "two-channels", evaluations: int = 40, **budget: Any) -> dict[str, Any]:
    """Minimise the pool's spending by the deadline subject to E[awaiting at the deadline] ≤ 6."""
    return {
        "name": name,
        "base": str(ROOT / "scenarios" / "base.toml"),
        "seed": 3,
        "set": two_channel_set(),
        "levers": {
            "channels.resignation.places_per_year": {"low": 0, "high": 40, "integer": True, "step": 5},
            "channels.enterprise.places_per_year": {"low": 0, "high": 60, "integer": True, "step": 5},
        },
        "objectives": {"cost": {"metric": "pool_paid_cumulative", "at": "deadline", "sense": "minimise"}},
        "constraints": {"awaiting": {"metric": "state_awaiting", "at": "deadline", "max": 6.5}},
        "budget": {
            "evaluations": evaluations,
            "replications": 2,
            "confirm": 3,
            "confirm_replications": 4,
            **budget,
        },
    }

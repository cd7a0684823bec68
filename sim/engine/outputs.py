"""What one replication returns: RunResult, the monthly columns in order, the counterfactual's savings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sim.engine import geography
from sim.engine.ledger import LEDGER_COLUMNS
from sim.engine.pool import TOP_UP
from sim.engine.rebound import REBOUND_COLUMNS
from sim.engine.states import SURPLUS_COLUMNS, columns_for
from sim.scenario.schema import Scenario

EVENT_COLUMNS = ("month", "person", "event", "from_state", "to_state", "detail", "queue", "channel", "amount", "reason")


@dataclass(frozen=True)
class RunResult:
    """The outputs of one replication."""

    replication: int
    columns: tuple[str, ...]
    monthly: np.ndarray  # (months + 1, len(columns)), float64
    events: list[tuple[Any, ...]] | None
    by_township: np.ndarray | None = None  # rows (township, month, *TOWNSHIP_OUTCOMES), sim.engine.by_township
    channel_one_time: np.ndarray | None = None  # (channels, 2): one-time yuan paid and people paid, by channel
    pool_unpaid: np.ndarray | None = None  # (months + 1,): yuan of pool requests not paid at month-end
    by_county: np.ndarray | None = None  # (months + 1, counties, COUNTY_OUTCOMES), sim.engine.by_county
    county_names: tuple[str, ...] = ()
    township_names: tuple[str, ...] = ()  # the townships of by_township's first column, in order


SECTOR_COLUMNS = (
    "mean_age_admin",
    "share_secondary_plus_admin",
    "mean_age_institution",
    "share_secondary_plus_institution",
)


def model_columns(contributors: list[str]) -> tuple[str, ...]:
    """The columns the model's monthly snapshot writes, for a pool with these contributors."""
    return (*columns_for(contributors), *LEDGER_COLUMNS, *REBOUND_COLUMNS, *SECTOR_COLUMNS, *SURPLUS_COLUMNS)


def monthly_columns(scenario: Scenario) -> tuple[str, ...]:
    """Every metric column that `simulate` writes for `scenario`, in order."""
    contributors = [*geography.contributor_names(scenario), TOP_UP]
    return (*model_columns(contributors), *COUNTERFACTUAL_COLUMNS)


def composition(n: int, birth_sum: int, secondary: int, now_abs: int) -> tuple[float, float]:
    """Mean age (years) and share with secondary education or above of `n` people in post."""
    if not n:
        return np.nan, np.nan
    return (n * now_abs - birth_sum) / 12.0 / n, secondary / n


COUNTERFACTUAL_COLUMNS = (
    "cost_township_counterfactual",
    "cost_government_counterfactual",
    "savings_cumulative_township",
    "savings_cumulative_government",
    "npv_savings_township",
    "npv_savings_government",
)


def no_reform(scenario: Scenario) -> Scenario:
    """The counterfactual of `scenario`: the same everything, but no reform."""
    return scenario.model_copy(update={"reform": scenario.reform.model_copy(update={"enabled": False})})


def with_counterfactual(scenario: Scenario, result: RunResult, twin: RunResult | None) -> RunResult:
    """Add the counterfactual's costs, cumulative savings and their present value."""
    cols = {c: k for k, c in enumerate(result.columns)}
    own = result.monthly
    if twin is None and scenario.reform.enabled:  # no twin was run: there are no savings to report
        nan = np.full((own.shape[0], len(COUNTERFACTUAL_COLUMNS)), np.nan)
        return replace(result, columns=(*result.columns, *COUNTERFACTUAL_COLUMNS), monthly=np.hstack([own, nan]))
    base = twin.monthly if twin is not None else own
    twin_cols = {c: k for k, c in enumerate(twin.columns)} if twin is not None else cols
    months = np.arange(own.shape[0])
    discount = (1.0 + scenario.money.discount_rate) ** (-months / 12.0)
    extra = []
    for view in ("township", "government"):
        cf = base[:, twin_cols[f"cost_{view}"]]
        extra.append(cf)
    for view, cf in zip(("township", "government"), extra[:2], strict=True):
        saving = cf - own[:, cols[f"cost_{view}"]]
        extra.append(np.cumsum(saving))
    for view, cf in zip(("township", "government"), extra[:2], strict=True):
        saving = cf - own[:, cols[f"cost_{view}"]]
        extra.append(np.cumsum(saving * discount))
    table = np.column_stack([own, *extra])
    return replace(result, columns=(*result.columns, *COUNTERFACTUAL_COLUMNS), monthly=table)

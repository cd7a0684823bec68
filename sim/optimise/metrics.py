"""Reading objectives and risk constraints from monthly tables, each with its Monte Carlo standard error.

One number per replication is read from a (months + 1, columns) table (`metric_values`); an
objective is the mean of those numbers, a probability constraint the share of replications
whose number crosses the threshold, an expectation constraint their mean. With several
sampled worlds the estimate is the average of the per-world estimates and its standard error
is stratified: SE = √(Σ_w SE_w²) / W.

A probability estimated as 0 or 1 from n replications would have a binomial SE of 0: the SE
reported (and used to decide when confirmation has enough replications) is that of the
adjusted proportion p̃ = (k + 1) / (n + 2), √(p̃(1 − p̃)/n), never zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.model import monthly_columns
from sim.errors import InputError
from sim.optimise.spec import ConstraintSpec, MetricSpec, OptimiseSpec
from sim.scenario.schema import Scenario


def month_of(at: int | str, scenario: Scenario) -> int:
    """The model month that `at` names for `scenario`."""
    if at == "deadline":
        return int(scenario.reform.deadline_month)
    if at == "reform":
        return int(scenario.reform.month)
    if at == "horizon":
        return int(scenario.time.horizon_months)
    return int(at)


def metric_values(
    tables: Sequence[np.ndarray], columns: Sequence[str], spec: MetricSpec, scenario: Scenario
) -> np.ndarray:
    """One value per replication: `spec` read from each (months + 1, columns) table."""
    index = [list(columns).index(c) for c in spec.columns]
    month = month_of(spec.at, scenario)
    out = np.empty(len(tables))
    for r, table in enumerate(tables):
        series = np.asarray(table)[: month + 1, index].sum(axis=1)
        if spec.reduce == "value":
            out[r] = series[month]
        elif spec.reduce == "sum":
            out[r] = np.nansum(series)
        elif spec.reduce == "discounted_sum":
            factor = (1.0 + scenario.money.discount_rate) ** (-np.arange(len(series)) / 12.0)
            out[r] = np.nansum(series * factor)
        elif spec.reduce == "max":
            out[r] = np.nanmax(series)
        else:
            out[r] = np.nanmin(series)
    return out


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate with its standard error over `n` replications."""

    value: float
    se: float
    n: int


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    n = len(values)
    mean = float(np.mean(values))
    return mean, float(np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else 0.0


def _prob_se(flags: np.ndarray) -> tuple[float, float]:
    n, k = len(flags), float(np.sum(flags))
    adjusted = (k + 1) / (n + 2)
    return k / n, math.sqrt(adjusted * (1 - adjusted) / n)


def estimate(worlds: Sequence[np.ndarray], constraint: ConstraintSpec | None = None) -> Estimate:
    """The mean (or, for a probability constraint, the crossing probability) over worlds, stratified SE."""
    parts = []
    for values in worlds:
        if constraint is not None and constraint.is_probability:
            flags = values > constraint.above if constraint.above is not None else values < constraint.below
            parts.append(_prob_se(flags.astype(float)))
        else:
            parts.append(_mean_se(values))
    w = len(parts)
    value = sum(p[0] for p in parts) / w
    se = math.sqrt(sum(p[1] ** 2 for p in parts)) / w
    return Estimate(value, se, sum(len(v) for v in worlds))


def violation(constraint: ConstraintSpec, value: float) -> float:
    """How far `value` breaks the constraint, in units of its scale (≤ 0: met).

    The scale is 1 for a probability and max(|bound|, 1) for an expectation, so that
    violations of different constraints can be added to rank the least-violating candidates.
    """
    if constraint.max is not None:
        gap = value - constraint.max
    else:
        gap = float(constraint.min) - value  # type: ignore[arg-type]
    scale = 1.0 if constraint.is_probability else max(abs(constraint.bound), 1.0)
    return gap / scale


def check_metrics(spec: OptimiseSpec, scenario: Scenario, source: str) -> None:
    """Every objective and constraint names known columns and a month within the horizon (InputError)."""
    known = set(monthly_columns(scenario))
    horizon = int(scenario.time.horizon_months)
    named: list[tuple[str, MetricSpec]] = [
        *((f"objectives.{k}", v) for k, v in spec.objectives.items()),
        *((f"constraints.{k}", v) for k, v in spec.constraints.items()),
    ]
    for key, metric in named:
        unknown = [c for c in metric.columns if c not in known]
        if unknown:
            raise InputError(
                f"key '{key}.metric': unknown monthly column {unknown[0]!r} (the columns are those of "
                f"monthly.parquet, e.g. state_awaiting, cost_government, pool_waiting)",
                source=source,
            )
        month = month_of(metric.at, scenario)
        if not 0 <= month <= horizon:
            raise InputError(f"key '{key}.at': month {month} lies outside the run (0 .. {horizon})", source=source)

"""Summaries and risk figures by county, read from a run's by_county table (no SimPy).

`county_risk` gives, per county: the surplus still awaiting (or rotating) at the county's
deadline and at the horizon, P(the county's pool runs dry by its deadline), the one-time cost
paid by the horizon, re-growth at the horizon, and P(over establishment at the horizon), each
with its Monte Carlo standard error. `county_summary` gives mean, SE and quantiles of every
county outcome at the summary months.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.analysis.risk import RISK_COLUMNS, _mean_row, _prob_row
from sim.errors import InputError
from sim.experiment.results import summarise

if TYPE_CHECKING:
    from sim.experiment.results import Results

COUNTY_RISK_COLUMNS = ("unit", *RISK_COLUMNS)
BY_LEVELS = ("county",)


def require_by(results: Results, by: str) -> None:
    """Refuse a level other than 'county', or results without counties, with a clear message."""
    if by not in BY_LEVELS:
        raise InputError(f"by: expected one of {list(BY_LEVELS)}, found {by!r}")
    if results.by_county is None:
        raise InputError(
            "by='county': these results have no counties (the scenario lists no [[counties]] and draws none "
            "with geography.counties)"
        )


def county_deadline(results: Results, name: str) -> int:
    """The deadline month of county `name` (its own, or the province's)."""
    for county in results.scenario.counties:
        if county.name == name and county.deadline_month is not None:
            return county.deadline_month
    return results.scenario.reform.deadline_month


def county_risk(results: Results) -> pd.DataFrame:
    """Risk figures per county (one row per county and figure), in the counties' order."""
    frame = results.by_county
    assert frame is not None
    horizon = int(frame["month"].max())
    rows = []
    for unit, sub in frame.groupby("unit", sort=False):

        def wide(metric: str, part: pd.DataFrame = sub) -> np.ndarray:
            return part.pivot(index="replication", columns="month", values=metric).to_numpy()

        deadline = min(county_deadline(results, str(unit)), horizon)
        awaiting, dry = wide("awaiting"), wide("pool_dry")
        staff = wide("staff")
        over = wide("over_establishment")
        figures = [
            _mean_row("awaiting_at_deadline", deadline, awaiting[:, deadline]),
            _mean_row("awaiting_at_horizon", horizon, awaiting[:, horizon]),
            _prob_row("p_pool_dry_by_deadline", deadline, (dry[:, : deadline + 1] > 0).any(axis=1)),
            _mean_row("one_time_cost", horizon, wide("one_time_cost")[:, horizon]),
            _mean_row("regrowth", horizon, wide("regrowth")[:, horizon]),
            _mean_row("diverted", horizon, wide("diverted")[:, horizon]),
            _mean_row("staff", horizon, staff[:, horizon]),
            _prob_row("p_over_establishment", horizon, over[:, horizon] > 0),
        ]
        rows += [{"unit": unit, **row} for row in figures]
    return pd.DataFrame(rows, columns=list(COUNTY_RISK_COLUMNS))


def county_summary(results: Results) -> pd.DataFrame:
    """Mean, SE, P5, P50, P95 of each county outcome at months 0, 12, 24, 60 and the horizon, per county."""
    frame = results.by_county
    assert frame is not None
    parts = []
    for unit, sub in frame.groupby("unit", sort=False):
        table = summarise(sub.drop(columns=["level", "unit"]))
        table.insert(0, "unit", unit)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)

"""Risk figures by county, read from a run's by_county table (sim.engine.by_county; no SimPy).

Per county: the surplus still awaiting (or rotating) at the county's deadline and at the
horizon, P(the county's pool runs dry by its deadline), the one-time cost paid by the horizon,
re-growth and people diverted by the horizon, staff at the horizon, and P(over establishment at
the horizon), each with its Monte Carlo standard error (as `sim.analysis.risk`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sim.analysis.risk import RISK_COLUMNS, _mean_row, _prob_row

COUNTY_RISK_COLUMNS = ("unit", *RISK_COLUMNS)


def county_deadlines(scenario: Mapping[str, Any]) -> tuple[dict[str, int], int]:
    """Each listed county's own deadline month, and the province's, from a scenario as a plain dict."""
    own = {
        str(c["name"]): int(c["deadline_month"])
        for c in scenario.get("counties") or ()
        if c.get("deadline_month") is not None
    }
    return own, int((scenario.get("reform") or {}).get("deadline_month", 0))


COUNTY_FIGURES = (
    "awaiting_at_deadline",
    "awaiting_at_horizon",
    "p_pool_dry_by_deadline",
    "one_time_cost",
    "regrowth",
    "diverted",
    "staff",
    "p_over_establishment",
)
"""The figures of each county, in order; those named p_… are probabilities (a 0 or 1 per replication)."""


def county_values(frame: pd.DataFrame, scenario: Mapping[str, Any]) -> pd.DataFrame:
    """Each county's figures replication by replication: unit, replication, month_deadline, month_horizon, then
    `COUNTY_FIGURES` (a probability's event as 1.0 or 0.0), in the counties' order.

    These are what `county_risk` summarises and what a comparison pairs, replication by replication.
    """
    own, province = county_deadlines(scenario)
    horizon = int(frame["month"].max())
    parts = []
    for unit, sub in frame.groupby("unit", sort=False):

        def wide(metric: str, part: pd.DataFrame = sub) -> pd.DataFrame:
            return part.pivot(index="replication", columns="month", values=metric)

        deadline = min(own.get(str(unit), province), horizon)
        awaiting, dry = wide("awaiting"), wide("pool_dry").to_numpy()
        values = {
            "awaiting_at_deadline": awaiting[deadline].to_numpy(),
            "awaiting_at_horizon": awaiting[horizon].to_numpy(),
            "p_pool_dry_by_deadline": (dry[:, : deadline + 1] > 0).any(axis=1).astype(float),
            "one_time_cost": wide("one_time_cost")[horizon].to_numpy(),
            "regrowth": wide("regrowth")[horizon].to_numpy(),
            "diverted": wide("diverted")[horizon].to_numpy(),
            "staff": wide("staff")[horizon].to_numpy(),
            "p_over_establishment": (wide("over_establishment")[horizon].to_numpy() > 0).astype(float),
        }
        part = pd.DataFrame({"unit": unit, "replication": awaiting.index.to_numpy(), **values})
        part.insert(2, "month_deadline", deadline)
        part.insert(3, "month_horizon", horizon)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def county_risk(frame: pd.DataFrame, scenario: Mapping[str, Any]) -> pd.DataFrame:
    """Risk figures per county (one row per county and figure), in the counties' order."""
    rows = []
    for unit, sub in county_values(frame, scenario).groupby("unit", sort=False):
        for figure in COUNTY_FIGURES:
            month = int(sub["month_deadline" if figure.endswith("_deadline") else "month_horizon"].iloc[0])
            values = sub[figure].to_numpy()
            row = _prob_row(figure, month, values > 0) if figure.startswith("p_") else _mean_row(figure, month, values)
            rows.append({"unit": unit, **row})
    return pd.DataFrame(rows, columns=list(COUNTY_RISK_COLUMNS))

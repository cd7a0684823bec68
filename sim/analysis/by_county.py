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
    `COUNTY_FIGURES` (a probability's event as 1.0 or 0.0), in the counties' order, replications ascending.

    These are what `county_risk` summarises and what a comparison pairs, replication by replication.
    """
    own, province = county_deadlines(scenario)
    horizon = int(frame["month"].max())
    units = list(dict.fromkeys(frame["unit"]))
    deadline = {unit: min(own.get(str(unit), province), horizon) for unit in units}
    keys = ["unit", "replication"]
    month_deadline = frame["unit"].map(deadline)
    at_horizon = frame[frame["month"] == horizon].set_index(keys)
    at_deadline = frame[frame["month"] == month_deadline].set_index(keys)
    dry = frame[frame["month"] <= month_deadline].groupby(keys)["pool_dry"].max() > 0
    index = pd.MultiIndex.from_product([units, sorted(frame["replication"].unique())], names=keys)
    index = index[index.isin(at_horizon.index)]  # a county, replication pair the table has
    values = pd.DataFrame(
        {
            "month_deadline": [deadline[unit] for unit in index.get_level_values("unit")],
            "month_horizon": horizon,
            "awaiting_at_deadline": at_deadline["awaiting"].reindex(index).to_numpy(),
            "awaiting_at_horizon": at_horizon["awaiting"].reindex(index).to_numpy(),
            "p_pool_dry_by_deadline": dry.reindex(index).to_numpy().astype(float),
            "one_time_cost": at_horizon["one_time_cost"].reindex(index).to_numpy(),
            "regrowth": at_horizon["regrowth"].reindex(index).to_numpy(),
            "diverted": at_horizon["diverted"].reindex(index).to_numpy(),
            "staff": at_horizon["staff"].reindex(index).to_numpy(),
            "p_over_establishment": (at_horizon["over_establishment"].reindex(index).to_numpy() > 0).astype(float),
        },
        index=index,
    )
    return values.reset_index()


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

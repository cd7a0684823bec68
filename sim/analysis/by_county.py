"""Risk figures by county, read from a run's by_county table (sim.engine.by_county; no SimPy).

Per county: the surplus still awaiting (or rotating) at the county's deadline and at the
horizon, P(the county's pool runs dry by its deadline), the one-time cost paid by the horizon,
re-growth and people diverted by the horizon, staff at the horizon, and P(over establishment at
the horizon), each with its Monte Carlo standard error (as `sim.analysis.risk`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
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


def county_risk(frame: pd.DataFrame, scenario: Mapping[str, Any]) -> pd.DataFrame:
    """Risk figures per county (one row per county and figure), in the counties' order."""
    own, province = county_deadlines(scenario)
    horizon = int(frame["month"].max())
    rows = []
    for unit, sub in frame.groupby("unit", sort=False):

        def wide(metric: str, part: pd.DataFrame = sub) -> np.ndarray:
            return part.pivot(index="replication", columns="month", values=metric).to_numpy()

        deadline = min(own.get(str(unit), province), horizon)
        awaiting, dry = wide("awaiting"), wide("pool_dry")
        figures = [
            _mean_row("awaiting_at_deadline", deadline, awaiting[:, deadline]),
            _mean_row("awaiting_at_horizon", horizon, awaiting[:, horizon]),
            _prob_row("p_pool_dry_by_deadline", deadline, np.asarray((dry[:, : deadline + 1] > 0).any(axis=1))),
            _mean_row("one_time_cost", horizon, wide("one_time_cost")[:, horizon]),
            _mean_row("regrowth", horizon, wide("regrowth")[:, horizon]),
            _mean_row("diverted", horizon, wide("diverted")[:, horizon]),
            _mean_row("staff", horizon, wide("staff")[:, horizon]),
            _prob_row("p_over_establishment", horizon, np.asarray(wide("over_establishment")[:, horizon] > 0)),
        ]
        rows += [{"unit": unit, **row} for row in figures]
    return pd.DataFrame(rows, columns=list(COUNTY_RISK_COLUMNS))

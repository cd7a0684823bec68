"""Results by county: each county's headline metrics per month, computed in the engine (no I/O).

One row per county and month with the outcomes below; the experiment layer stacks the
replications into `by_county.parquet` (replication, level = 'county', unit = the county's
name, month, outcomes), the shape of `by_township.parquet`. Counts and money add up over the
counties to the province's monthly columns (`staff` = headcount_total, `establishment` =
establishment_total, `awaiting` = unfinished, `regrowth`, `diverted` = the diverted_* columns
summed, the pool columns); `pool_dry` is each county's own (the province's is 1 when any is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population.table import ADMIN, INSTITUTION

if TYPE_CHECKING:
    from sim.engine.model import Model

COUNTY_OUTCOMES = (
    "staff",
    "establishment",
    "awaiting",
    "over_establishment",
    "regrowth",
    "diverted",
    "pool_contributed",
    "pool_paid",
    "pool_balance",
    "pool_waiting",
    "pool_dry",
    "one_time_cost",
)


class ByCounty:
    """A (months + 1, counties, outcomes) table filled by the model's monthly snapshot."""

    def __init__(self, model: Model) -> None:
        self.model = model
        counties = model.counties
        self.starts = np.array([c.first for c in counties], dtype=np.int64)
        self.table = np.zeros((model.horizon + 1, len(counties), len(COUNTY_OUTCOMES)))

    def capture(self, month: int) -> None:
        """Write every county's outcomes for `month`."""
        model = self.model
        people, div = model.people, model.diversion
        payroll = people.payroll_table().astype(float)
        est = model.establishment_by_township()
        over = np.maximum(payroll[:, ADMIN] + payroll[:, INSTITUTION] - est, 0.0)
        per_township = np.column_stack([payroll.sum(axis=1), est, np.asarray(people.surplus, dtype=float), over])
        sums = np.add.reduceat(per_township, self.starts, axis=0)
        pools = div.pools
        row = self.table[month]
        row[:, 0:4] = sums
        row[:, 4] = model.rebound.entrants_county
        row[:, 5] = div.diverted_county
        row[:, 6] = [p.contributed_total for p in pools]
        row[:, 7] = [p.paid for p in pools]
        row[:, 8] = [p.balance for p in pools]
        row[:, 9] = [p.waiting for p in pools]
        row[:, 10] = [float(p.dry) for p in pools]
        row[:, 11] = row[:, 7]

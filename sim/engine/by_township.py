"""Results by township at the deadline and the horizon, one-time cost by channel, unpaid requests (no I/O).

The same shape serves any level of geography: one row per (level, unit, month) with the
outcomes; the province work adds `county` rows beside the `township` rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.states import AWAITING, ROTATING
from sim.population.table import ADMIN, INSTITUTION

if TYPE_CHECKING:
    from sim.engine.model import Model

TOWNSHIP_OUTCOMES = ("staff", "establishment", "awaiting", "over_establishment", "one_time_cost")


class ByTownship:
    """Counts per township captured at chosen months, and one-time cost per township and channel."""

    def __init__(self, model: Model, months: tuple[int, ...], n_channels: int) -> None:
        self.model = model
        self.months = tuple(sorted(set(months)))
        n = len(model.townships)
        self.one_time = np.zeros(n)
        self.channel_cost = np.zeros(n_channels)
        self.channel_paid = np.zeros(n_channels, dtype=np.int64)
        self.rows: list[np.ndarray] = []
        self.unpaid = np.zeros(model.horizon + 1)  # yuan requested from the pool and not yet paid, month-end

    def paid(self, i: int, channel: int, amount: float) -> None:
        """Person i's one-time payment through `channel` was made."""
        self.one_time[self.model.people.township[i]] += amount
        self.channel_cost[channel] += amount
        self.channel_paid[channel] += 1

    def capture(self, month: int) -> None:
        """Note the month's unpaid requests; keep each township's outcomes when `month` is a chosen one."""
        self.unpaid[month] = self.model.diversion.pool.unpaid  # every county's
        if month not in self.months:
            return
        people, model = self.model.people, self.model
        n = len(model.townships)
        payroll = people.payroll_table().astype(float)  # (townships, sectors) on the payroll
        staff = payroll.sum(axis=1)
        est = model.establishment_by_township()
        state = np.array(people.state, dtype=np.int64)  # copies, never views (sim.engine.people)
        township = np.array(people.township, dtype=np.int64)
        surplus = (state == AWAITING) | (state == ROTATING)
        awaiting = np.bincount(township[surplus], minlength=n).astype(float)
        over = np.maximum(payroll[:, ADMIN] + payroll[:, INSTITUTION] - est, 0.0)
        table = np.column_stack([np.arange(n), np.full(n, month), staff, est, awaiting, over, self.one_time.copy()])
        self.rows.append(table)

    def table(self) -> np.ndarray:
        """Rows (township index, month, *TOWNSHIP_OUTCOMES) for every captured month."""
        if not self.rows:
            return np.zeros((0, 2 + len(TOWNSHIP_OUTCOMES)))
        return np.vstack(self.rows)

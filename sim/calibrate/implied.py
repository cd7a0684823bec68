"""What a parameter set implies in money, and whether that is plausible.

A fit can reach its targets with values no county would recognise (every surplus person taking
termination with a pension buy-in, say). Beside the residuals, a calibration therefore reports
the one-time cost the fitted scenario pays by the deadline, per person diverted (in months of
the mean salary) and against a year's payroll, checks them against the plausible ranges of the
targets file, and names every free parameter that ended at a bound of its evidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibrate.targets import Plausible
from sim.engine.states import CHANNEL_COLUMNS

ONE_TIME_COLUMNS = ("cost_severance", "cost_pension_buyin", "cost_placement_subsidy")
AT_BOUND = 0.01  # a value within 1% of the range from a bound counts as "at the bound"
MARGIN = 0.02  # the penalty starts this far inside a range, so that rounding the fitted values keeps them inside
PENALTY = 1000.0  # loss per unit of relative distance outside a plausible range: outside it, a fit never pays


@dataclass(frozen=True)
class Implied:
    """One-time cost by the deadline and what it means per person and against the payroll."""

    one_time_cost: float  # yuan paid by the deadline (severance, pension buy-in, placement subsidy)
    pension_buyin: float  # yuan of it that are pension buy-ins
    diverted: float  # people diverted through the channels by the deadline
    mean_salary: float  # yuan a month per person in post before the reform
    yearly_payroll: float  # salary of the staff in post before the reform, twelve months
    cost_per_diverted_months: float  # one-time cost ÷ diverted ÷ mean salary
    one_time_vs_payroll: float  # one-time cost ÷ yearly payroll

    def problems(self, plausible: Plausible) -> list[str]:
        """The implied figures outside their plausible ranges, in words."""
        out = []
        for name, words in (
            ("cost_per_diverted_months", "one-time cost per diverted person (months of salary)"),
            ("one_time_vs_payroll", "one-time cost ÷ a year's payroll"),
        ):
            value, (low, high) = getattr(self, name), getattr(plausible, name)
            if not math.isfinite(value):
                continue
            if not low <= value <= high:
                out.append(f"{words} is {value:.3g}, outside the plausible range [{low:g}, {high:g}]")
        return out

    def penalty(self, plausible: Plausible) -> float:
        """A loss term that grows with the relative distance outside the plausible ranges (0 inside).

        The ranges are narrowed by MARGIN for the penalty: a search pressed against a bound ends a little
        inside it, and the values written (four significant digits) do not carry it across.
        """
        total = 0.0
        for name in ("cost_per_diverted_months", "one_time_vs_payroll"):
            value, (low, high) = getattr(self, name), getattr(plausible, name)
            low, high = low + MARGIN * (high - low), high - MARGIN * (high - low)
            if math.isfinite(value) and value > high:
                total += PENALTY * (value - high) / high
            elif math.isfinite(value) and value < low:
                total += PENALTY * (low - value) / max(high - low, 1e-12)
        return total

    def as_dict(self) -> dict[str, float]:
        """The figures by name."""
        return {k: float(getattr(self, k)) for k in self.__dataclass_fields__}


def implied_costs(monthly: pd.DataFrame, reform_month: int, deadline_month: int) -> Implied:
    """The mean over replications of the one-time cost paid up to `deadline_month` and its ratios."""
    upto = monthly[monthly["month"] <= deadline_month]
    by_rep = upto.groupby("replication")
    one_time = sum(by_rep[c].sum() for c in ONE_TIME_COLUMNS if c in upto)
    buyin = by_rep["cost_pension_buyin"].sum() if "cost_pension_buyin" in upto else 0.0
    at_deadline = monthly[monthly["month"] == deadline_month].set_index("replication")
    diverted = at_deadline[[f"diverted_{c}" for c in CHANNEL_COLUMNS]].sum(axis=1)
    before = monthly[monthly["month"] == max(reform_month - 1, 0)].set_index("replication")
    payroll_month = before["cost_salary_in_post"]
    staff = before["headcount_total"]
    mean_salary = float((payroll_month / staff.where(staff > 0)).mean())
    one_time_mean = float(np.mean(one_time)) if not isinstance(one_time, float) else one_time
    diverted_mean = float(diverted.mean())
    yearly = float(payroll_month.mean()) * 12.0
    per_person = one_time_mean / diverted_mean / mean_salary if diverted_mean > 0 and mean_salary > 0 else math.nan
    return Implied(
        one_time_cost=one_time_mean,
        pension_buyin=float(np.mean(buyin)),
        diverted=diverted_mean,
        mean_salary=mean_salary,
        yearly_payroll=yearly,
        cost_per_diverted_months=per_person,
        one_time_vs_payroll=one_time_mean / yearly if yearly > 0 else math.nan,
    )


def at_bounds(values: Mapping[str, float | int], bounds: Sequence[tuple[str, float, float]]) -> list[str]:
    """The keys whose value lies within AT_BOUND of the range from its low or high bound."""
    out = []
    for key, low, high in bounds:
        span = high - low
        v = float(values[key])
        if v - low <= AT_BOUND * span:
            out.append(f"{key} = {v:g} is at its lower bound {low:g}")
        elif high - v <= AT_BOUND * span:
            out.append(f"{key} = {v:g} is at its upper bound {high:g}")
    return out

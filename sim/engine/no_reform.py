"""The no-reform counterfactual's costs, integrated without the event calendar.

Without the reform a replication is attrition and replacement only: each leaver earns
`hiring.pre_reform_replacement` hire credit `refill_lag_months` later, and nothing else moves
money. This loop applies the engine's own rules (`sim.engine.attrition.first_exits`, the
`Recruits` of `sim.engine.recruits`, the ledger's slots and `month_cost`) to the same people and
draws, in the calendar's order — each month its exits in order, then the hire credit ripening,
in the order it was earned — so its two cost columns equal a full `Model` run of `no_reform`,
bit for bit (`tests/test_no_reform.py`), at a fraction of the time.
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine.attrition import exit_months, first_exits
from sim.engine.funds import retirement_payer, wage_index
from sim.engine.ledger import (
    COMPONENTS,
    PAYERS,
    RETIREMENT_PAY,
    SALARY_HIRES,
    SALARY_IN_POST,
    P,
    month_cost,
    opening_rate,
    public_costs,
)
from sim.engine.outputs import RunResult
from sim.engine.recruits import Recruits
from sim.engine.rng import stream
from sim.population.table import SECTORS, Population
from sim.scenario.schema import Scenario

COLUMNS = ("cost_township", "cost_government")


class _Staff:
    """Everyone of the no-reform world, growing with each month's hires: what the loop reads of a person."""

    def __init__(self, township: np.ndarray, sector: np.ndarray, salary: np.ndarray, cause: np.ndarray) -> None:
        self.n = len(sector)
        self.township, self.sector, self.salary = township.astype(np.int64), sector.astype(np.int64), salary
        self.component = np.full(self.n, SALARY_IN_POST)
        self.cause = cause.astype(np.int64)

    def add(self, township: list[int], sector: np.ndarray, salary: np.ndarray, cause: np.ndarray) -> int:
        """Append hires (in post, paid as hires); returns the index of the first."""
        first, self.n = self.n, self.n + len(sector)
        if self.n > len(self.sector):  # room for at least as many again: appends stay O(1) each, amortised
            size = max(self.n, 2 * len(self.sector))
            for name in ("township", "sector", "salary", "component", "cause"):
                old = getattr(self, name)
                new = np.empty(size, dtype=old.dtype)
                new[:first] = old[:first]
                setattr(self, name, new)
        self.township[first : self.n] = township
        self.sector[first : self.n] = sector
        self.salary[first : self.n] = salary
        self.component[first : self.n] = SALARY_HIRES
        self.cause[first : self.n] = cause
        return first


def _book(
    rate: list[list[float]], component: np.ndarray | int, payer: np.ndarray, amount: np.ndarray, add: bool
) -> None:
    """Add (or take away) each amount to (from) `rate[component][payer]`, one by one in order.

    `accumulate` runs left to right, one element at a time, so each running total equals the one a loop
    over the people would reach, to the bit (a sum in another order could differ in the last bit).
    """
    if not len(amount):
        return
    key = component * len(PAYERS) + payer
    for k in np.unique(key).tolist():
        c, p = divmod(k, len(PAYERS))
        mine = amount[key == k]
        run = np.empty(len(mine) + 1)
        run[0], run[1:] = rate[c][p], mine
        rate[c][p] = float((np.add if add else np.subtract).accumulate(run)[-1])


def no_reform_costs(scenario: Scenario, population: Population, seed: int, replication: int) -> RunResult:
    """The monthly `COLUMNS` of `scenario` with no reform (its `reform` section ignored), for one replication.

    The same inputs as `simulate` give the same numbers as its costs-only `Model` of `no_reform(scenario)`.
    A month's exits and hires are booked at once (`_book`), each rate in the order the engine books it.
    """
    money, hiring, att = scenario.money, scenario.hiring, scenario.attrition
    start_abs, horizon = scenario.time.start_abs, scenario.time.horizon_months
    sector_payer = np.array(
        [P[money.payer_admin_salary], P[money.payer_institution_salary], P[money.payer_temporary_pay]]
    )
    owed = [retirement_payer(scenario, s, None) for s in range(len(SECTORS))]
    pension_payer = np.array([-1 if name is None else P[name] for name in owed])  # -1: nobody owes it
    pension_share = money.retirement_pay_share

    # everyone present: in post, with the slot the ledger opens for them
    sector = population.sector.astype(np.int64)
    rate = [[0.0] * len(PAYERS) for _ in COMPONENTS]
    rate[SALARY_IN_POST] = opening_rate(sector_payer[sector], population.salary.astype(float))
    one_time = [[0.0] * len(PAYERS) for _ in COMPONENTS]

    draws = stream(seed, replication, "attrition").exponential(size=(len(population), 2))
    _, cause, after = first_exits(att, start_abs, population.birth, population.female, population.worker, draws)
    staff = _Staff(population.township, sector, population.salary.astype(np.float64), cause)
    exits: dict[int, list[np.ndarray]] = {month: [group] for month, group in exit_months(after, horizon)}

    recruits = Recruits(scenario, population, seed, replication)
    hire_salary = np.array(recruits.salary)
    ratio, lag, age_mean = hiring.pre_reform_replacement, hiring.refill_lag_months, hiring.hire_age_mean
    credit = [[0.0] * len(SECTORS) for _ in range(len(population.townships))]
    checks: dict[int, tuple[list[int], list[int]]] = {}  # month → hire credit ripening (township, sector), in order
    table = np.zeros((horizon + 1, len(COLUMNS)))
    for month in range(horizon + 1):
        bucket = exits.pop(month, None)
        if bucket:  # the month's exits, in order: off the payroll, onto retirement pay if owed
            leaving = bucket[0] if len(bucket) == 1 else np.concatenate(bucket)
            s, salary = staff.sector[leaving], staff.salary[leaving]
            _book(rate, staff.component[leaving], sector_payer[s], salary, add=False)
            pensioned = (staff.cause[leaving] == 0) & (pension_payer[s] >= 0)
            _book(rate, RETIREMENT_PAY, pension_payer[s][pensioned], salary[pensioned] * pension_share, add=True)
            if ratio > 0 and month + lag <= horizon:
                checks[month + lag] = (staff.township[leaving].tolist(), s.tolist())
        ripe = checks.pop(month, None)
        if ripe is not None:  # hire credit ripening, in the order earned
            hired_tw: list[int] = []
            hired_sector: list[int] = []
            for tw, s_ in zip(*ripe, strict=True):
                credit[tw][s_] += ratio
                n = max(math.floor(credit[tw][s_] + 1e-9), 0)
                if n:
                    hired_tw += [tw] * n
                    hired_sector += [s_] * n
                credit[tw][s_] -= n
            if hired_sector:
                s = np.array(hired_sector, dtype=np.int64)
                new_cause, new_after = recruits.first_exits(s, start_abs + month, age_mean)
                first = staff.add(hired_tw, s, hire_salary[s], new_cause)
                _book(rate, SALARY_HIRES, sector_payer[s], hire_salary[s], add=True)
                for when, group in exit_months(month + new_after, horizon):
                    exits.setdefault(when, []).append(group + first)
        cost = month_cost(rate, one_time, wage_index(start_abs, month, money.wage_growth))
        table[month] = public_costs(cost.sum(axis=0))
    return RunResult(replication, COLUMNS, table, None)

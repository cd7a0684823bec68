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
from array import array

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


def no_reform_costs(scenario: Scenario, population: Population, seed: int, replication: int) -> RunResult:
    """The monthly `COLUMNS` of `scenario` with no reform (its `reform` section ignored), for one replication.

    The same inputs as `simulate` give the same numbers as its costs-only `Model` of `no_reform(scenario)`.
    """
    money, hiring, att = scenario.money, scenario.hiring, scenario.attrition
    start_abs, horizon = scenario.time.start_abs, scenario.time.horizon_months
    sector_payer = [P[money.payer_admin_salary], P[money.payer_institution_salary], P[money.payer_temporary_pay]]
    owed = [retirement_payer(scenario, s, None) for s in range(len(SECTORS))]
    pension_payer = [None if name is None else P[name] for name in owed]
    pension_share = money.retirement_pay_share

    # everyone present: in post, with the slot the ledger opens for them
    township = array("q", population.township.astype(np.int64).tobytes())  # compact, as `People`'s
    sector = population.sector.astype(int).tolist()
    salary = array("d", population.salary.astype(np.float64).tobytes())
    component = [SALARY_IN_POST] * len(sector)
    rate = [[0.0] * len(PAYERS) for _ in COMPONENTS]
    payers = np.asarray(sector_payer, dtype=np.int64)[population.sector.astype(np.int64)]
    rate[SALARY_IN_POST] = opening_rate(payers, population.salary.astype(float))
    one_time = [[0.0] * len(PAYERS) for _ in COMPONENTS]

    draws = stream(seed, replication, "attrition").exponential(size=(len(population), 2))
    _, cause_of, after = first_exits(att, start_abs, population.birth, population.female, population.worker, draws)
    cause = cause_of.tolist()
    exits: dict[int, list[int]] = {month: group.tolist() for month, group in exit_months(after, horizon)}

    recruits = Recruits(scenario, population, seed, replication)
    ratio, lag, age_mean = hiring.pre_reform_replacement, hiring.refill_lag_months, hiring.hire_age_mean
    credit = [[0.0] * len(SECTORS) for _ in range(len(population.townships))]
    checks: dict[int, list[tuple[int, int]]] = {}  # month → hire credit ripening, in order earned
    table = np.zeros((horizon + 1, len(COLUMNS)))
    for month in range(horizon + 1):
        ripening = checks.setdefault(month + lag, []) if ratio > 0 and month + lag <= horizon else None
        for i in exits.pop(month, ()):
            s = sector[i]
            rate[component[i]][sector_payer[s]] -= salary[i]
            if cause[i] == 0 and pension_payer[s] is not None:
                rate[RETIREMENT_PAY][pension_payer[s]] += salary[i] * pension_share
            if ripening is not None:
                ripening.append((township[i], s))
        now_abs = start_abs + month
        for tw, s in checks.pop(month, ()):
            credit[tw][s] += ratio
            n = max(math.floor(credit[tw][s] + 1e-9), 0)
            hire_salary, payer = recruits.salary[s], sector_payer[s]
            for _ in range(n):
                new_cause, new_after = recruits.first_exit(s, now_abs, age_mean)
                i = len(sector)
                township.append(tw)
                sector.append(s)
                salary.append(hire_salary)
                component.append(SALARY_HIRES)
                cause.append(new_cause)
                rate[SALARY_HIRES][payer] += hire_salary
                if month + new_after <= horizon:
                    exits.setdefault(int(month + new_after), []).append(i)
            credit[tw][s] -= n
        cost = month_cost(rate, one_time, wage_index(start_abs, month, money.wage_growth))
        table[month] = public_costs(cost.sum(axis=0))
    return RunResult(replication, COLUMNS, table, None)

"""Constant and piecewise-constant exit hazards against their closed-form survival.

Calendar convention (sim/engine/calendar.py): an exit at continuous time T (years) happens in
month ceil(12 T), and the row for month m is taken after the events of month m, so a person
is still counted at month m with probability S(m / 12) = exp(-H(m / 12)), H the cumulative
hazard. With no hiring the headcount at month m is Binomial(N0, S), and its mean over R
independent replications has standard error sqrt(N0 S (1 - S) / R).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.population.table import ADMIN, Population, Townships
from sim.scenario import with_overrides
from sim.scenario.schema import Scenario

REPLICATIONS = 20
MONTHS = (1, 12, 36, 60, 120)

ONLY_HAZARDS = {
    "reform.enabled": False,
    "attrition.retirement": False,
    "hiring.pre_reform_replacement": 0.0,
    "time.horizon_months": 120,
}


def assert_within_3se(results: sim.Results, n0: int, survival: dict[int, float]) -> None:
    """Mean headcount over replications within 3 binomial standard errors of N0 * S(m)."""
    headcount = results.metric("headcount_total")
    assert headcount.shape[1] == REPLICATIONS
    assert (headcount.loc[0] == n0).all()
    for month, p in survival.items():
        mean = float(headcount.loc[month].mean())
        se = math.sqrt(n0 * p * (1 - p) / REPLICATIONS)
        assert abs(mean - n0 * p) < 3 * se, (
            f"month {month}: mean headcount {mean:.2f}, expected N0·S = {n0 * p:.2f} ± 3·{se:.2f}"
        )


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_constant_hazard_matches_exponential_survival(rate: float) -> None:
    scenario = with_overrides(
        Scenario(),
        {
            **ONLY_HAZARDS,
            "population.synthetic.townships": 10,
            "attrition.quit_rate": rate,
            "attrition.death_rate": 0.0,
        },
    )
    population = sim.build_population(scenario, seed=11)
    n0 = len(population)
    assert n0 > 1000
    results = sim.run(scenario, replications=REPLICATIONS, seed=11, population=population)
    assert_within_3se(results, n0, {m: math.exp(-rate * m / 12) for m in MONTHS})
    # nobody is hired and nobody retires: every leaver is in state 'left'
    last = results.monthly[results.monthly["month"] == 120]
    assert (last["hires_cumulative"] == 0).all()
    assert (last["state_retired"] == 0).all()
    assert (last["state_left"] + last["headcount_total"] == n0).all()


def test_death_and_quit_hazards_add_up() -> None:
    """Two competing constant hazards: the first exit has the summed rate."""
    scenario = with_overrides(
        Scenario(),
        {
            **ONLY_HAZARDS,
            "population.synthetic.townships": 10,
            "attrition.quit_rate": 0.15,
            "attrition.death_rate": 0.05,
        },
    )
    population = sim.build_population(scenario, seed=5)
    results = sim.run(scenario, replications=REPLICATIONS, seed=5, population=population)
    assert_within_3se(results, len(population), {m: math.exp(-0.2 * m / 12) for m in MONTHS})


def single_age_population(n: int, birth: int) -> Population:
    """N people of one township, all born in the absolute month `birth`, all administrative staff."""
    townships = Townships(("T1",), np.zeros(1, dtype=np.int64), np.array([n]), np.array([0]))
    return Population(
        ids=np.array([f"A{i:05d}" for i in range(n)], dtype=object),
        township=np.zeros(n, dtype=np.int64),
        sector=np.full(n, ADMIN, dtype=np.int64),
        female=np.zeros(n, dtype=bool),
        worker=np.zeros(n, dtype=bool),
        leader=np.zeros(n, dtype=bool),
        protected=np.zeros(n, dtype=bool),
        birth=np.full(n, birth, dtype=np.int64),
        entry=np.full(n, birth + 22 * 12, dtype=np.int64),
        education=np.full(n, 2, dtype=np.int64),
        salary=np.full(n, 1500.0),
        appraisal=np.full(n, 75.0),
        townships=townships,
    )


def test_age_bands_give_piecewise_exponential_survival() -> None:
    """Everyone is exactly 30 at month 0; bands cover [0, 32) and [35, 120), flat rates fill [32, 35).

    Total hazard (death + quit), per year:  ages 30-32: 0 + 0.05 = 0.05 (band 1)
                                            ages 32-35: 0.02 + 0.10 = 0.12 (flat rates)
                                            ages 35+:   0.01 + 0.30 = 0.31 (band 2)
    H(t) = 0.05 t for t <= 2; 0.10 + 0.12 (t - 2) for 2 < t <= 5; 0.46 + 0.31 (t - 5) after.
    """
    scenario = with_overrides(
        Scenario(),
        {
            **ONLY_HAZARDS,
            "attrition.death_rate": 0.02,
            "attrition.quit_rate": 0.10,
            "attrition.age_bands": [
                {"age_min": 0, "age_max": 32, "death_rate": 0.0, "quit_rate": 0.05},
                {"age_min": 35, "age_max": 120, "death_rate": 0.01, "quit_rate": 0.30},
            ],
        },
    )

    def cumulative_hazard(t: float) -> float:
        if t <= 2:
            return 0.05 * t
        if t <= 5:
            return 0.10 + 0.12 * (t - 2)
        return 0.46 + 0.31 * (t - 5)

    n0 = 2000
    population = single_age_population(n0, birth=scenario.time.start_abs - 30 * 12)
    results = sim.run(scenario, replications=REPLICATIONS, seed=3, population=population)
    months = (6, 12, 24, 30, 36, 60, 72, 120)
    assert_within_3se(results, n0, {m: math.exp(-cumulative_hazard(m / 12)) for m in months})


def test_sex_specific_bands_give_each_sex_its_own_survival() -> None:
    """Half men, half women, all 30 at month 0. Bands for one sex only (`sex`), the flat rate elsewhere:

    men:   ages 30-40 quit 0.30 (band for men), after 40 the flat 0.05
    women: ages  0-120 quit 0.02 and death 0.01 (band for women), death 0.02 for men (flat)
    S_men(t) = exp(-(0.30 + 0.02) t) for t <= 10; S_women(t) = exp(-0.03 t). The engine's mean headcount
    of each sex and the twin's (exact) match the closed form.
    """
    scenario = with_overrides(
        Scenario(),
        {
            **ONLY_HAZARDS,
            "attrition.death_rate": 0.02,
            "attrition.quit_rate": 0.05,
            "attrition.age_bands": [
                {"age_min": 30, "age_max": 40, "quit_rate": 0.30, "death_rate": 0.02, "sex": "male"},
                {"age_min": 0, "age_max": 120, "quit_rate": 0.02, "death_rate": 0.01, "sex": "female"},
            ],
        },
    )
    n0 = 2000
    base = single_age_population(n0, birth=scenario.time.start_abs - 30 * 12)
    female = np.arange(n0) % 2 == 1
    population = Population(**{**base.__dict__, "female": female})

    def survival(t: float) -> float:
        return 0.5 * math.exp(-0.32 * t) + 0.5 * math.exp(-0.03 * t)

    months = (6, 12, 36, 60, 120)
    results = sim.run(scenario, replications=REPLICATIONS, seed=4, population=population)
    assert_within_3se(results, n0, {m: survival(m / 12) for m in months})
    twin = sim.expected(scenario, population).metric("headcount_total")[0]
    for m in months:
        assert twin.loc[m] == pytest.approx(n0 * survival(m / 12), rel=1e-9)
    # the same rates for both sexes (sex "any") give the old single curve: the default rule is unchanged
    both = with_overrides(scenario, {"attrition.age_bands.0.sex": "any", "attrition.age_bands.1.sex": "any"})
    twin_any = sim.expected(both, population).metric("headcount_total")[0]
    assert twin_any.loc[60] == pytest.approx(n0 * math.exp(-0.32 * 5), rel=1e-9)

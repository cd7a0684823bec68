"""A run is a pure function of (scenario, seed); common random numbers across scenarios."""

from __future__ import annotations

import pandas as pd
from scenario_helpers import BASE

import sim

SMALL = {"population.synthetic.townships": 3, "time.horizon_months": 48}


def test_same_seed_gives_identical_monthly_frames() -> None:
    scenario = sim.load_scenario(BASE, SMALL)
    a = sim.run(scenario, replications=3, seed=42, events=True)
    b = sim.run(scenario, replications=3, seed=42, events=True)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)


def test_reloading_the_scenario_gives_the_same_numbers() -> None:
    a = sim.run(sim.load_scenario(BASE, SMALL), replications=2, seed=5)
    b = sim.run(sim.load_scenario(BASE, SMALL), replications=2, seed=5)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)


def test_replications_differ_and_seeds_differ() -> None:
    scenario = sim.load_scenario(BASE, SMALL)
    a = sim.run(scenario, replications=2, seed=1).monthly
    b = sim.run(scenario, replications=2, seed=2).monthly
    rep0, rep1 = (a[a["replication"] == r].reset_index(drop=True) for r in (0, 1))
    assert not rep0["headcount_total"].equals(rep1["headcount_total"])
    assert not a["headcount_total"].equals(b["headcount_total"])


def test_a_replication_does_not_depend_on_how_many_run() -> None:
    scenario = sim.load_scenario(BASE, SMALL)
    few = sim.run(scenario, replications=2, seed=9).monthly
    many = sim.run(scenario, replications=4, seed=9).monthly
    pd.testing.assert_frame_equal(few, many[many["replication"] < 2].reset_index(drop=True), check_exact=True)


def test_common_random_numbers_before_the_reform() -> None:
    """Two scenarios that differ only in the cut share every row before the reform month."""
    reform = 24
    common = {**SMALL, "reform.month": reform, "reform.deadline_month": 40}
    low = sim.load_scenario(BASE, {**common, "reform.cut_admin": 0.1})
    high = sim.load_scenario(BASE, {**common, "reform.cut_admin": 0.2})
    population = sim.build_population(low, 3)
    a = sim.run(low, replications=3, seed=3, population=population).monthly
    b = sim.run(high, replications=3, seed=3, population=population).monthly
    before_a = a[a["month"] < reform].reset_index(drop=True)
    before_b = b[b["month"] < reform].reset_index(drop=True)
    assert len(before_a) == 3 * reform
    # the money columns may hold the no-reform counterfactual; the people columns must match exactly
    people = [
        c for c in a.columns if c.startswith(("headcount_", "state_", "establishment_", "hires_", "mean_age", "share_"))
    ]
    pd.testing.assert_frame_equal(before_a[people], before_b[people], check_exact=True)
    pd.testing.assert_frame_equal(before_a, before_b, check_exact=True)
    # and the cut shows from the reform month on
    at = a[a["month"] == reform]["establishment_admin"].to_numpy()
    at_high = b[b["month"] == reform]["establishment_admin"].to_numpy()
    assert (at_high < at).all()


def test_common_random_numbers_without_a_shared_population_object() -> None:
    """The synthetic population is drawn from the seed alone: building it twice gives the same people."""
    reform = 12
    low = sim.load_scenario(BASE, {**SMALL, "reform.cut_institution": 0.2})
    high = sim.load_scenario(BASE, {**SMALL, "reform.cut_institution": 0.4})
    a = sim.run(low, replications=2, seed=4).monthly
    b = sim.run(high, replications=2, seed=4).monthly
    pd.testing.assert_frame_equal(
        a[a["month"] < reform].reset_index(drop=True), b[b["month"] < reform].reset_index(drop=True), check_exact=True
    )

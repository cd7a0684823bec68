"""Common random numbers: two scenarios that differ in one lever see the same draws, so their
paired difference is far tighter than either run (DESIGN.md, Outputs).

The main check follows the issue: 50 replications (each its own seed sequence) of a 10-township
city, run twice on the same people and seeds, the second with 10% more teacher places. The
population is held fixed, so the variance of either scenario is the model's own Monte Carlo
variance (a stricter test than letting the population vary with the seed too). The places are
scaled to the city (the base's 150 a year are for 110 townships, and 150 vs 165 would not bind
in 10 townships: the paired difference would be 0, which proves nothing); 10 vs 11 a year bind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from money_helpers import BASE

import sim
from sim.population.table import Population
from sim.scenario.schema import Scenario

CITY = {"population.synthetic.townships": 10, "money.counterfactual": False}
PLACES = (10, 11)
REPLICATIONS = 50
SEED = 5


def cumulative_cost(monthly: pd.DataFrame) -> pd.Series:
    """Per replication: the government's personnel cost summed over all months."""
    return monthly.groupby("replication")["cost_government"].sum().sort_index()


@pytest.fixture(scope="module")
def pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    population = None
    out = []
    for places in PLACES:
        scenario = sim.load_scenario(BASE, overrides={**CITY, "channels.teacher.places_per_year": places})
        population = population or sim.build_population(scenario, SEED)
        out.append(sim.run(scenario, replications=REPLICATIONS, seed=SEED, population=population).monthly)
    return out[0], out[1]


def test_paired_difference_is_far_tighter_than_either_run(pair: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    a, b = (cumulative_cost(m) for m in pair)
    var_a, var_b = a.var(ddof=1), b.var(ddof=1)
    var_diff = (b - a).var(ddof=1)
    assert var_diff < 0.1 * var_a, f"var of paired difference {var_diff:.3g} vs var of 10 places {var_a:.3g}"
    assert var_diff < 0.1 * var_b, f"var of paired difference {var_diff:.3g} vs var of 11 places {var_b:.3g}"
    # power: the same runs paired with the wrong partner (independent draws) are not tighter
    unpaired = (b.to_numpy() - np.roll(a.to_numpy(), 1)).var(ddof=1)
    assert unpaired > 0.5 * (var_a + var_b)


def test_the_extra_places_are_used(pair: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Non-vacuous: the eleventh place a year diverts more people into teaching."""
    a, b = (m[m["month"] == m["month"].max()].set_index("replication")["diverted_teacher"] for m in pair)
    assert (b >= a).mean() > 0.8 and b.sum() > a.sum()
    assert not np.allclose(cumulative_cost(pair[0]), cumulative_cost(pair[1]))


# ----- the same person draws the same numbers in both scenarios ---------------------------------------


def events(scenario: Scenario, population: Population) -> pd.DataFrame:
    return sim.run(scenario, replications=3, seed=SEED, events=True, population=population).events


def test_same_person_same_draws_across_scenarios() -> None:
    """Exits (drawn per person at month 0) and channel decisions (drawn per person at the reform)
    are identical in two scenarios that differ only in teacher places.
    """
    small = {"population.synthetic.townships": 3, "money.counterfactual": False, "time.horizon_months": 72}
    scenarios = [sim.load_scenario(BASE, overrides={**small, "channels.teacher.places_per_year": p}) for p in (2, 40)]
    population = sim.build_population(scenarios[0], SEED)
    ev = [events(s, population) for s in scenarios]
    initial = set(population.ids.tolist())
    keys = ["replication", "month", "person", "event", "detail"]
    for kind in (("retirement", "death", "quit"), ("tried", "declined", "failed_exam", "surplus")):
        picked = [e[e["event"].isin(kind) & e["person"].isin(initial)][keys].sort_values(keys) for e in ev]
        assert len(picked[0]) > 0
        pd.testing.assert_frame_equal(picked[0].reset_index(drop=True), picked[1].reset_index(drop=True))
    # and the difference shows: the scenarios did diverge
    assert ((ev[0]["event"] == "diverted") & (ev[0]["detail"] == "teacher")).sum() < (
        (ev[1]["event"] == "diverted") & (ev[1]["detail"] == "teacher")
    ).sum()


def test_counterfactual_twin_shares_every_draw_until_the_reform() -> None:
    """Before the reform the twin is the same run: cost, counterfactual cost and savings agree exactly."""
    scenario = sim.load_scenario(BASE, overrides={"population.synthetic.townships": 3, "time.horizon_months": 36})
    m = sim.run(scenario, replications=3, seed=SEED).monthly
    before = m[m["month"] < scenario.reform.month]
    for view in ("township", "government"):
        np.testing.assert_array_equal(before[f"cost_{view}"], before[f"cost_{view}_counterfactual"])
        assert (before[f"savings_cumulative_{view}"] == 0).all()
    after = m[m["month"] >= scenario.reform.month]
    assert (after["cost_government"] != after["cost_government_counterfactual"]).any()

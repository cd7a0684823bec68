"""The no-reform counterfactual's lean loop equals a full engine run of the no-reform world, bit for bit.

`sim.engine.no_reform` integrates attrition and replacement without the event calendar; the savings
columns of every run rest on it. Each case runs the full `Model` of `no_reform(scenario)` (costs
only, as `simulate` used to) and the lean loop on the same people and seed, and requires the same
two cost columns exactly, month by month — then checks that the case exercised what it names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine.model import Model, no_reform, simulate
from sim.engine.no_reform import COLUMNS, no_reform_costs
from sim.engine.recruits import Recruits
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"population.synthetic.townships": 6, "time.horizon_months": 96}

CASES = {
    "base": {},
    "half replacement, no lag": {"hiring.pre_reform_replacement": 0.5, "hiring.refill_lag_months": 0},
    "no replacement": {"hiring.pre_reform_replacement": 0.0},
    "over-replacement, long lag": {"hiring.pre_reform_replacement": 1.5, "hiring.refill_lag_months": 7},
    "no retirement, wage growth": {"attrition.retirement": False, "money.wage_growth": 0.08},
    "phased raise, sex bands, quits": {
        "attrition.phased_raise": True,
        "time.start": "2024-05",
        "attrition.quit_rate": 0.06,
        "attrition.age_bands": [{"age_min": 20, "age_max": 40, "quit_rate": 0.2, "sex": "female"}],
    },
    "payers moved": {
        "money.payer_admin_salary": "county",
        "money.payer_retirement_pay": "higher_level",
        "money.retirement_pay_share": 0.6,
    },
}


def full_engine(scenario: Scenario, population: sim.Population, seed: int, rep: int) -> np.ndarray:
    model = Model(no_reform(scenario), population, seed, rep, False, costs_only=True)
    result = model.run()
    model.close()
    cols = [result.columns.index(c) for c in COLUMNS]
    return result.monthly[:, cols]


@pytest.mark.parametrize("case", list(CASES))
def test_lean_counterfactual_equals_the_engine(case: str) -> None:
    scenario = sim.load_scenario(ROOT / "scenarios" / "base.toml", overrides={**SMALL, **CASES[case]})
    population = sim.build_population(scenario, 3)
    for rep in (0, 1):
        lean = no_reform_costs(scenario, population, 11, rep).monthly
        assert np.array_equal(lean, full_engine(scenario, population, 11, rep)), (case, rep)
    # the case did what it says: costs move after month 0, and replacement changes them
    assert lean[-1, 1] != lean[0, 1]


def test_fewer_replacements_make_the_counterfactual_cheaper() -> None:
    """Fewer replacements leave fewer people paid: the no-reform cost falls with the replacement ratio."""

    def government_cost(ratio: float) -> float:
        scenario = sim.load_scenario(
            ROOT / "scenarios" / "base.toml", overrides={**SMALL, "hiring.pre_reform_replacement": ratio}
        )
        return float(no_reform_costs(scenario, sim.build_population(scenario, 3), 11, 0).monthly[:, 1].sum())

    assert government_cost(0.0) < government_cost(0.5) < government_cost(1.0)


def test_a_province_with_counties_matches_too() -> None:
    small = {"population.synthetic.townships": 40, "geography.counties": 4}
    scenario = sim.load_scenario(ROOT / "scenarios" / "henan_province.toml", overrides=small)
    population = sim.build_population(scenario, 5)
    lean = no_reform_costs(scenario, population, 5, 0).monthly
    assert np.array_equal(lean, full_engine(scenario, population, 5, 0))


def test_simulate_uses_it_for_the_savings() -> None:
    """The savings columns of a run are the counterfactual's costs less the reform's."""
    scenario = sim.load_scenario(ROOT / "scenarios" / "base.toml", overrides=SMALL)
    population = sim.build_population(scenario, 3)
    result = simulate(scenario, population, 11, 0)
    cols = {c: k for k, c in enumerate(result.columns)}
    lean = no_reform_costs(scenario, population, 11, 0).monthly
    assert np.array_equal(result.monthly[:, cols["cost_government_counterfactual"]], lean[:, 1])
    saving = lean[:, 1] - result.monthly[:, cols["cost_government"]]
    assert np.array_equal(result.monthly[:, cols["savings_cumulative_government"]], np.cumsum(saving))


@pytest.mark.parametrize("retirement", [True, False])
def test_a_batch_of_recruits_exits_as_each_full_draw_gives(retirement: bool) -> None:
    """`first_exits` (the counterfactual's, a month's hires at once) and `draw` (hiring's, one at a time) read
    the same rows and agree on each exit: batches of 1 to 700 recruits cross blocks of draws mid-batch, mix
    sectors and switch mean age between batches; with the phased raise, retirement months move too."""
    overrides = {
        "population.synthetic.townships": 2,
        "attrition.retirement": retirement,
        "attrition.phased_raise": True,
    }
    scn = sim.load_scenario(ROOT / "scenarios" / "base.toml", overrides=overrides)
    population = sim.build_population(scn, 3)
    full, lean = Recruits(scn, population, 3, 0), Recruits(scn, population, 3, 0)
    rng = np.random.default_rng(1)
    causes: set[int] = set()
    for batch in range(30):
        sectors = rng.integers(0, 3, size=int(rng.integers(1, 700)))
        now_abs, age_mean = 24_000 + 3 * batch, (25.0, 45.0)[batch % 3 == 0]
        cause, after = lean.first_exits(sectors, now_abs, age_mean)
        for k, sector in enumerate(sectors.tolist()):
            new = full.draw(sector, now_abs, age_mean, 0.5, 0.2)
            assert (int(cause[k]), float(after[k])) == (new.cause, new.after), (batch, k)
            causes.add(new.cause)
    assert causes == ({0, 1, 2} if retirement else {1, 2})  # each cause occurs, so each branch is compared

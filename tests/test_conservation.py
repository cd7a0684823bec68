"""People are neither created nor lost: the monthly counts add up in every month of every run.

For hypothesis-generated scenarios (cuts, freeze, lag, replacement, rates, posting rules,
temporaries, reform month, small townships):
  sum of state_* = initial staff + hires_cumulative
  headcount_total = state_in_post + state_awaiting + state_rotating   (the payroll states)
  headcount_total = headcount_admin + headcount_institution + headcount_temporary
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.engine.states import STATE_NAMES
from sim.scenario import with_overrides
from sim.scenario.schema import Scenario

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
STATE_COLUMNS = [f"state_{name}" for name in STATE_NAMES]
SHARES = st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.5, 1.0])


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    horizon = draw(st.integers(24, 60))
    reform_month = draw(st.integers(0, 18))
    deadline = draw(st.integers(reform_month, horizon))
    staff_admin = draw(st.integers(0, 12))
    staff_institution = draw(st.integers(0, 14))
    klass: dict[str, Any] = {
        "name": "all",
        "staff_admin": staff_admin,
        "staff_institution": staff_institution,
        "staff_temporary": draw(st.integers(0, 4)),
    }
    if draw(st.booleans()):  # old establishment below the staff employed (over-staffed townships)
        klass["establishment_admin"] = draw(st.integers(0, staff_admin))
        klass["establishment_institution"] = draw(st.integers(0, staff_institution))
    if draw(st.booleans()):  # absolute new establishment instead of a cut
        klass["new_establishment_admin"] = draw(st.integers(0, 12))
    return {
        "time.horizon_months": horizon,
        "population.synthetic.townships": draw(st.integers(1, 3)),
        "township_classes": [klass],
        "attrition.retirement": draw(st.booleans()),
        "attrition.phased_raise": draw(st.booleans()),
        "attrition.quit_rate": draw(st.sampled_from([0.0, 0.02, 0.1, 0.4])),
        "attrition.death_rate": draw(st.sampled_from([0.0, 0.003, 0.05])),
        "reform.enabled": draw(st.booleans()),
        "reform.month": reform_month,
        "reform.deadline_month": deadline,
        "reform.cut_admin": draw(SHARES),
        "reform.cut_institution": draw(SHARES),
        "reform.clear_temporaries": draw(st.booleans()),
        "reform.selection_rule": draw(st.sampled_from(["merit", "seniority", "random"])),
        "reform.joint_posting": draw(st.booleans()),
        "reform.leaders_kept": draw(st.booleans()),
        "hiring.freeze_months": draw(st.sampled_from([0, 1, 6, 24])),
        "hiring.refill_lag_months": draw(st.integers(0, 6)),
        "hiring.replacement_ratio": draw(st.sampled_from([0.0, 0.2, 0.5, 1.0, 1.5])),
        "hiring.pre_reform_replacement": draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
    }


def check_conservation(monthly, n0: int) -> None:
    states = monthly[STATE_COLUMNS].to_numpy()
    assert (states >= 0).all(), "a state count went negative"
    np.testing.assert_array_equal(states.sum(axis=1), n0 + monthly["hires_cumulative"].to_numpy())
    payroll = monthly[["state_in_post", "state_awaiting", "state_rotating"]].sum(axis=1)
    np.testing.assert_array_equal(monthly["headcount_total"].to_numpy(), payroll.to_numpy())
    sectors = monthly[["headcount_admin", "headcount_institution", "headcount_temporary"]].sum(axis=1)
    np.testing.assert_array_equal(monthly["headcount_total"].to_numpy(), sectors.to_numpy())
    hires = monthly.groupby("replication")["hires_cumulative"].diff().dropna()
    assert (hires >= 0).all(), "hires_cumulative decreased"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_people_are_conserved_every_month(overrides: dict[str, Any], seed: int) -> None:
    scenario = with_overrides(Scenario(), overrides)
    population = sim.build_population(scenario, seed)
    results = sim.run(scenario, replications=2, seed=seed, population=population)
    monthly = results.monthly
    assert len(monthly) == 2 * (scenario.time.horizon_months + 1)
    check_conservation(monthly, len(population))


def test_conservation_in_the_base_scenario_with_a_long_horizon() -> None:
    scenario = sim.load_scenario(BASE, {"population.synthetic.townships": 3, "reform.joint_posting": True})
    population = sim.build_population(scenario, 1)
    results = sim.run(scenario, replications=2, seed=1, population=population)
    check_conservation(results.monthly, len(population))

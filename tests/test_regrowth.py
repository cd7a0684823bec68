"""Re-growth (反弹) measured as re-growth, apart from the unfinished drive.

- a hand-built case where one over-establishment hire is approved every month gives
  regrowth = months since the reform, and its share of the cut and the five-year rule by hand;
- an unfinished drive with no hire gives regrowth 0, unfinished > 0, and is over establishment
  only through the unfinished drive;
- the library's enforcement scenarios on paired seeds: lax_enforcement > base > strict_enforcement
  on re-growth, and lax_enforcement's clearly above zero;
- the after-freeze multiplier: no effect without a fixed freeze (identical runs), more
  over-establishment hires after a freeze with it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from money_helpers import DIVERTED, REFORM, deterministic, replication, two_people

import sim
from sim.analysis import regrowth_figure

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EVERY_MONTH = {  # λ = 100 a year (the bound on yearly rates): a request falls in each month but with probability e^-8.3
    "rebound.request_rate": 100.0,
    "rebound.workload_elasticity": 0.0,  # the same rate however many have been hired
    "rebound.enforcement": 0.0,
    "rebound.inspection_interval_months": 0,
    "time.horizon_months": 84,
}


def test_one_over_establishment_hire_a_month_gives_the_known_regrowth() -> None:
    """A keeps the one post, B is surplus until DIVERTED; from REFORM + 1 a request comes in almost every month
    (at 100 a year a month goes without one with probability e^-8.3) and every sector is at or over its
    establishment, so each is approved and none is undone: regrowth(m) = the hires over establishment up to m,
    one a month, m − REFORM less the months the log shows without a request.
    """
    results = sim.run(deterministic(**EVERY_MONTH), replications=1, seed=3, events=True, population=two_people())
    m = replication(results.monthly)
    months = np.arange(85)
    hired = results.events[(results.events["event"] == "hired") & (results.events["detail"] == "over establishment")]
    per_month = np.bincount(hired["month"].to_numpy(dtype=int), minlength=85)
    assert per_month.max() == 1 and per_month[: REFORM + 1].sum() == 0  # one a month at most, none before
    skipped = int((per_month[REFORM + 1 :] == 0).sum())
    assert skipped <= 2  # e^-8.3 a month over 72 months: about 0.02 expected
    expected = np.cumsum(per_month)
    assert expected[-1] == 84 - REFORM - skipped
    np.testing.assert_array_equal(m["regrowth"].to_numpy(), expected)
    np.testing.assert_array_equal(m["overquota_hires_cumulative"].to_numpy(), expected)
    # B awaits in months REFORM … DIVERTED − 1: that is the unfinished drive
    np.testing.assert_array_equal(m["unfinished"].to_numpy(), ((months >= REFORM) & (months < DIVERTED)).astype(float))
    # the cut achieved is B (2 before the reform, 1 left once re-growth is set aside); the share is regrowth / 1
    assert (m.loc[DIVERTED:, "cut_achieved"] == 1).all()
    np.testing.assert_array_equal(m.loc[DIVERTED:, "regrowth_share"], expected[DIVERTED:])
    five = int(expected[REFORM + 60])
    assert math.isnan(m["regrowth_share"].loc[REFORM + 1])  # re-growth before anything was cut
    risk = results.risk().set_index(["figure", "month"])
    assert risk.loc[("expected_regrowth", 60), "estimate"] == expected[60]
    assert risk.loc[(regrowth_figure(), 60), "estimate"] == 1.0
    assert risk.loc[("p_over_establishment_regrowth", 60), "estimate"] == 1.0
    assert risk.loc[("p_over_establishment_unfinished", 60), "estimate"] == 0.0
    # 范文6's five-year rule: 60 hires over establishment within five years of the reform, so it did not hold
    assert risk.loc[("p_five_year_rule_held", REFORM + 60), "estimate"] == 0.0
    assert risk.loc[("expected_five_year_increase", REFORM + 60), "estimate"] == five


def test_an_unfinished_drive_without_hires_is_not_regrowth() -> None:
    """No place ever opens for B: the drive stays unfinished, nobody is hired, nothing re-grows."""
    scenario = deterministic(**{"channels.resignation.places_per_year": 0, "time.horizon_months": 84})
    results = sim.run(scenario, replications=1, seed=3, population=two_people())
    m = replication(results.monthly)
    assert (m["regrowth"] == 0).all() and (m["regrowth_share"] == 0).all()
    assert (m.loc[REFORM:, "unfinished"] == 1).all()
    assert (m["headcount_total"].loc[REFORM:] > m["establishment_total"].loc[REFORM:]).all()
    risk = results.risk().set_index(["figure", "month"])
    assert risk.loc[("p_over_establishment", 60), "estimate"] == 1.0
    assert risk.loc[("p_over_establishment_unfinished", 60), "estimate"] == 1.0
    assert risk.loc[("p_over_establishment_regrowth", 60), "estimate"] == 0.0
    assert risk.loc[("expected_regrowth", 84), "estimate"] == 0.0
    assert risk.loc[(regrowth_figure(), 84), "estimate"] == 0.0
    assert risk.loc[("p_five_year_rule_held", REFORM + 60), "estimate"] == 1.0


# ----- the library's enforcement scenarios on paired seeds ---------------------------------------------

SMALL = {"population.synthetic.townships": 12, "time.horizon_months": 84, "money.counterfactual": False}
LIBRARY_REPLICATIONS = 8


@pytest.fixture(scope="module")
def library() -> dict[str, np.ndarray]:
    """Re-growth at months 60 and 84 (replications × 2) per scenario, on one population and the same seeds."""
    population = None
    out = {}
    for name in ("lax_enforcement", "base", "strict_enforcement"):
        scenario = sim.load_scenario(SCENARIOS / f"{name}.toml", overrides=SMALL)
        population = population or sim.build_population(scenario, 4)
        m = sim.run(scenario, replications=LIBRARY_REPLICATIONS, seed=4, population=population).monthly
        out[name] = (
            m[m["month"].isin([60, 84])].pivot(index="replication", columns="month", values="regrowth").to_numpy()
        )
    return out


def _paired_gap(more: np.ndarray, less: np.ndarray) -> tuple[float, float]:
    d = more - less
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d)))


def test_regrowth_orders_lax_above_base_above_strict(library: dict[str, np.ndarray]) -> None:
    for more, less in (("lax_enforcement", "base"), ("base", "strict_enforcement")):
        for col, month in enumerate((60, 84)):
            gap, se = _paired_gap(library[more][:, col], library[less][:, col])
            assert gap > 3 * se and gap > 0, f"month {month}: {more} − {less} = {gap:.2f} ± {se:.2f}"


def test_regrowth_is_clearly_above_zero_under_lax_enforcement(library: dict[str, np.ndarray]) -> None:
    lax = library["lax_enforcement"][:, 0]
    assert lax.mean() - 3 * lax.std(ddof=1) / math.sqrt(len(lax)) > 20  # 12 townships: tens of people by month 60


# ----- the after-freeze multiplier ----------------------------------------------------------------------

FREEZE_CITY: dict[str, Any] = {
    "population.synthetic.townships": 4,
    "time.horizon_months": 72,
    "money.counterfactual": False,
    "rebound.request_rate": 4.0,
    "rebound.enforcement": 0.2,
}


def _overquota(freeze: int, multiplier: float) -> np.ndarray:
    extra = {"hiring.freeze_months": freeze, "rebound.after_freeze_multiplier": multiplier}
    scenario = sim.load_scenario(SCENARIOS / "base.toml", overrides={**FREEZE_CITY, **extra})
    m = sim.run(scenario, replications=6, seed=9, population=sim.build_population(scenario, 9)).monthly
    return m[m["month"] == 72].sort_values("replication")["overquota_hires_cumulative"].to_numpy()


def test_without_a_freeze_the_after_freeze_multiplier_has_no_effect() -> None:
    """docs/model.md §7.10: the multiplier applies only once a fixed freeze has ended."""
    np.testing.assert_array_equal(_overquota(0, 1.0), _overquota(0, 4.0))


def test_after_a_freeze_the_multiplier_raises_over_establishment_hires() -> None:
    gap, se = _paired_gap(_overquota(12, 4.0), _overquota(12, 1.0))
    assert gap > 3 * se and gap > 0, f"{gap:.1f} ± {se:.1f}"


# ----- 范文6's five-year rule in the soft landing ---------------------------------------------------------


def _soft_landing(**extra: Any) -> sim.Results:
    overrides = {"population.synthetic.townships": 10, "time.horizon_months": 84, "money.counterfactual": False}
    scenario = sim.load_scenario(SCENARIOS / "soft_landing.toml", overrides={**overrides, **extra})
    return sim.run(scenario, replications=6, seed=6, population=sim.build_population(scenario, 6))


def test_soft_landing_reports_whether_its_five_year_rule_held() -> None:
    """ "此次后5年内……只能减少,不能增加": held in a replication when nobody was hired over establishment and
    nobody came back within five years of the reform (month 12 → 72); refills below the target are allowed.
    """
    end = 12 + 60
    for extra, expected_held in (
        ({}, None),
        ({"rebound.enforcement": 1.0}, 1.0),  # nothing approved, no petition succeeds
        ({"rebound.enforcement": 0.0, "rebound.request_rate": 24.0, "rebound.anti_rebound_months": 0}, 0.0),
    ):
        results = _soft_landing(**extra)
        m = results.monthly
        entries = (m["overquota_hires_cumulative"] + m["returned_cumulative"]).to_numpy().reshape(6, -1)
        increase = entries[:, end] - entries[:, 12]
        risk = results.risk().set_index(["figure", "month"])
        held = risk.loc[("p_five_year_rule_held", end), "estimate"]
        assert held == (increase == 0).mean()
        assert risk.loc[("expected_five_year_increase", end), "estimate"] == pytest.approx(increase.mean())
        if expected_held is not None:
            assert held == expected_held, extra
    summary = results.summary()
    assert ((summary["metric"] == "p_five_year_rule_held") & (summary["month"] == end)).sum() == 1

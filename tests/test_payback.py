"""Savings, payback and the risk figures.

The two-person case of money_helpers, computed by hand: the counterfactual keeps A and B on
full salary, SA + SB a month. The reform pays A's salary and B's allowance a·SB in months
REFORM … DIVERTED − 1, then in month DIVERTED A's salary and B's severance k·SB·years once,
then A's salary only. So the government saves (1 − a)·SB a month while B waits, SB − severance
in month DIVERTED and SB a month after; the township saves the same except the severance,
which the county's top-ups pay. The payback month is the first month from which cumulative
savings never go negative again.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from money_helpers import (
    ALLOWANCE,
    DIVERTED,
    HORIZON,
    REFORM,
    SALARY_A,
    SALARY_B,
    SERVICE_YEARS_B,
    WAIT,
    deterministic,
    replication,
    two_people,
)

import sim
from sim.analysis.risk import RISK_COLUMNS, payback_months

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"


def hand_savings(k: float) -> tuple[np.ndarray, np.ndarray]:
    """Monthly government and township savings of the two-person case with severance k months/year."""
    severance = k * SALARY_B * SERVICE_YEARS_B
    government = np.zeros(HORIZON + 1)
    government[REFORM:DIVERTED] = (1 - ALLOWANCE) * SALARY_B
    government[DIVERTED:] = SALARY_B
    township = government.copy()
    government[DIVERTED] -= severance
    return government, township


def hand_payback(k: float) -> float:
    """First month from which the government's cumulative savings stay ≥ 0 (NaN if not by the horizon)."""
    severance = k * SALARY_B * SERVICE_YEARS_B
    at_diversion = WAIT * (1 - ALLOWANCE) * SALARY_B + SALARY_B - severance
    if at_diversion >= 0:
        return float(REFORM)
    month = DIVERTED + math.ceil(-at_diversion / SALARY_B)
    return float(month) if month <= HORIZON else math.nan


@pytest.mark.parametrize("k", [0.0, 0.5, 1.0, 2.0, 3.0])
def test_two_person_savings_and_payback_by_hand(k: float) -> None:
    results = sim.run(deterministic(severance_months_per_year=k), replications=2, seed=3, population=two_people())
    m = replication(results.monthly)
    government, township = hand_savings(k)
    np.testing.assert_allclose(m["cost_government_counterfactual"], SALARY_A + SALARY_B)
    np.testing.assert_allclose(m["cost_government"], SALARY_A + SALARY_B - government)
    np.testing.assert_allclose(m["cost_township"], SALARY_A + SALARY_B - township)
    np.testing.assert_allclose(m["savings_cumulative_government"], np.cumsum(government), atol=1e-6)
    np.testing.assert_allclose(m["savings_cumulative_township"], np.cumsum(township), atol=1e-6)
    # discount 0: present values are the plain sums
    np.testing.assert_allclose(m["npv_savings_government"], m["savings_cumulative_government"], atol=1e-6)

    risk = results.risk().set_index("figure")
    expected = hand_payback(k)
    assert expected == payback_months(np.cumsum(government)[None, :], REFORM)[0] or math.isnan(expected)
    if math.isnan(expected):  # k = 3: 90 000 yuan take 58 months of SB to recover, beyond the horizon
        assert math.isnan(risk.loc["payback_month_government", "estimate"])
        assert risk.loc["p_payback_government", "estimate"] == 0.0
    else:
        assert risk.loc["payback_month_government", "estimate"] == expected
        assert risk.loc["p_payback_government", "estimate"] == 1.0
    # the township never pays anything extra: it saves from the reform month on
    assert risk.loc["payback_month_township", "estimate"] == REFORM
    assert risk.loc["p_payback_township", "estimate"] == 1.0


def test_two_person_payback_with_k_one_is_month_33() -> None:
    """The numbers spelt out: 3 × 600 saved while B waits, +1 500 − 30 000 in month 15: −26 700;
    +1 500 a month: −1 200 at month 32, +300 at month 33.
    """
    assert hand_payback(1.0) == 33
    m = replication(sim.run(deterministic(), replications=1, seed=1, population=two_people()).monthly)
    assert m["savings_cumulative_government"].loc[DIVERTED] == pytest.approx(-26_700.0)
    assert m["savings_cumulative_government"].loc[32] == pytest.approx(-1_200.0)
    assert m["savings_cumulative_government"].loc[33] == pytest.approx(300.0)


def test_present_value_of_savings_by_hand() -> None:
    r = 0.05
    results = sim.run(deterministic(**{"money.discount_rate": r}), replications=1, seed=1, population=two_people())
    m = replication(results.monthly)
    government, township = hand_savings(1.0)
    factor = (1 + r) ** (-np.arange(HORIZON + 1) / 12)
    np.testing.assert_allclose(m["npv_savings_government"], np.cumsum(government * factor), atol=1e-6)
    np.testing.assert_allclose(m["npv_savings_township"], np.cumsum(township * factor), atol=1e-6)
    np.testing.assert_allclose(m["savings_cumulative_government"], np.cumsum(government), atol=1e-6)


# ----- payback_months on hand-made arrays --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reform", "expected"),
    [
        ([0, 0, -5, -3, -1, 2, 4], 1, 5.0),  # negative then positive: the month after the last negative
        ([0, -1, -2, -3, -4, -5, -6], 1, math.nan),  # never pays back
        ([0, 1, -2, 3, -1, 5, 6], 1, 5.0),  # dips again: the month after the *last* negative
        ([0, 1, 2, 3], 1, 1.0),  # never negative: pays back at the reform
        ([0, 0, 0, 0], 2, 2.0),
        ([-1, 0, 0, 0], 2, 2.0),  # a negative before the reform month: not before the reform
        ([0, -1, -1, 0], 1, 3.0),  # back to exactly zero counts as paid back
        ([0, 5, 5, -1], 1, math.nan),  # negative at the horizon: not paid back
        ([0, -1, -1, -1e-9], 1, 3.0),  # float dust below zero is zero
    ],
)
def test_payback_months_on_hand_made_paths(path: list[float], reform: int, expected: float) -> None:
    got = payback_months(np.array([path], dtype=float), reform)
    assert got.shape == (1,)
    if math.isnan(expected):
        assert math.isnan(got[0])
    else:
        assert got[0] == expected


def test_payback_months_is_per_replication() -> None:
    paths = np.array([[0, -1, 1, 1], [0, -1, -1, -1], [0, 1, 1, 1]], dtype=float)
    got = payback_months(paths, 1)
    assert got[0] == 2 and math.isnan(got[1]) and got[2] == 1


# ----- risk figures --------------------------------------------------------------------------------

RISKY = {
    "population.synthetic.townships": 3,
    "time.horizon_months": 84,
    "pool.unlimited": True,
    "channels.resignation.acceptance": 1.0,
    "channels.resignation.return_hazard": 0.02,
    "rebound.return_success": 0.5,
    "rebound.request_rate": 1.0,
    "rebound.enforcement": 0.6,
}


@pytest.fixture(scope="module")
def risky() -> sim.Results:
    scenario = sim.load_scenario(BASE, overrides=RISKY)
    return sim.run(scenario, replications=24, seed=17)


def test_risk_returns_every_figure_with_a_monte_carlo_se(risky: sim.Results) -> None:
    risk = risky.risk()
    assert isinstance(risk, pd.DataFrame)
    assert list(risk.columns) == list(RISK_COLUMNS)
    figures = set(zip(risk["figure"], risk["month"], strict=True))
    for month in (60, 84):
        for name in (
            "p_over_establishment",
            "p_over_establishment_unfinished",
            "p_over_establishment_regrowth",
            "expected_over_establishment",
            "expected_regrowth",
            "expected_regrowth_share",
            "p_regrowth_share_over_5pct",
        ):
            assert (name, month) in figures, name
    for name in (
        "p_five_year_rule_held",
        "p_pool_dry_by_deadline",
        "payback_month_township",
        "payback_month_government",
    ):
        assert name in set(risk["figure"])
    assert (risk["replications"] == 24).all()
    assert risk["se"].notna().all() and (risk["se"] >= 0).all()


def test_probability_se_is_binomial(risky: sim.Results) -> None:
    m = risky.monthly
    risk = risky.risk().set_index(["figure", "month"])
    interior = 0
    for month in (60, 84):
        row = m[m["month"] == month]
        over = (row["headcount_total"] > row["establishment_total"]).to_numpy()
        p = over.mean()
        assert risk.loc[("p_over_establishment", month), "estimate"] == pytest.approx(p)
        assert risk.loc[("p_over_establishment", month), "se"] == pytest.approx(math.sqrt(p * (1 - p) / len(over)))
        excess = np.maximum(row["headcount_total"] - row["establishment_total"], 0).to_numpy()
        assert risk.loc[("expected_over_establishment", month), "estimate"] == pytest.approx(excess.mean())
        assert risk.loc[("expected_over_establishment", month), "se"] == pytest.approx(
            excess.std(ddof=1) / math.sqrt(len(excess))
        )
        interior += 0 < p < 1
    assert interior, "no interior probability: the SE check would be trivial"


def test_summary_csv_of_fenliu_run_has_the_risk_rows(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [f"{k}={v}".replace("True", "true") for k, v in RISKY.items()]
    command = [sys.executable, "-m", "sim", "run", str(BASE), "-n", "4", "--seed", "5", "--out", str(out)]
    for a in args:
        command += ["--set", a]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(out / "summary.csv")
    scenario = sim.load_scenario(BASE, overrides=RISKY)
    risk = sim.run(scenario, replications=4, seed=5).risk()
    for r in risk.itertuples():
        rows = summary[(summary["metric"] == r.figure) & (summary["month"] == r.month)]
        assert len(rows) == 1, f"summary.csv lacks {r.figure} at month {r.month}"
        got = rows.iloc[0]
        for ours, theirs in ((r.estimate, got["mean"]), (r.se, got["se"])):  # the CSV keeps 6 digits
            assert (math.isnan(ours) and math.isnan(theirs)) or ours == pytest.approx(theirs, rel=1e-5, abs=1e-12)


def test_without_the_counterfactual_no_payback_is_claimed() -> None:
    """money.counterfactual = false runs no twin, so there are no savings to pay anything back.

    The savings columns must not read 0 (which makes every run 'pay back' at the reform month
    with probability 1); they should be NaN (or absent), and risk() should report no payback.
    """
    scenario = sim.load_scenario(
        BASE, overrides={"population.synthetic.townships": 2, "money.counterfactual": False, "time.horizon_months": 48}
    )
    results = sim.run(scenario, replications=3, seed=2)
    for view in ("township", "government"):
        column = f"savings_cumulative_{view}"
        if column in results.monthly.columns:
            assert results.monthly[column].isna().all(), (
                f"{column} reads {results.monthly[column].iloc[-1]} without a twin"
            )
    risk = results.risk()
    claimed = risk[risk["figure"].str.contains("payback")]
    assert claimed["estimate"].isna().all(), claimed.to_string()

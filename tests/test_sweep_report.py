"""Sweep reports that answer the planner's question: any month, Sobol at that month, robustness, PRIM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.discovery import prim_box
from sim.analysis.robustness import goal_of, policy_summary, regret_table
from sim.cli.main import main
from sim.experiment.sensitivity import sensitivity
from sim.report.load import load_sweep
from sim.report.robustness import robustness
from sim.report.sweep_data import summary_months, sweep_choice
from sim.report.sweep_figures import sobol_bars, sweep_scatter

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
FAST = {"population.synthetic.townships": 3, "time.horizon_months": 48}


def run_sweep(out: Path, **spec: object) -> sim.SweepResults:
    data: dict = {"name": out.name, "base": str(BASE), "seed": 3, "replications": 2, "set": dict(FAST), **spec}
    return sim.sweep(data, out=out, executor="inprocess", progress=False, report=False)


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sobol") / "cuts"
    run_sweep(
        out,
        summary_months=[12, 48],  # the deadline (29) is not listed: the sweep adds it
        design={"kind": "sobol", "points": 4},
        parameters={"reform.cut_admin": {"low": 0.0, "high": 0.3}, "attrition.quit_rate": {"low": 0.005, "high": 0.03}},
    )
    return out


def test_the_deadline_is_summarised_without_being_listed(sobol_sweep: Path) -> None:
    sw = load_sweep(sobol_sweep)
    assert 29 in summary_months(sw, "state_awaiting")
    assert 24 not in summary_months(sw, "state_awaiting")
    # with no choice given, the report shows who still waits at the deadline
    assert sweep_choice(sw) == ("state_awaiting", 29)


@pytest.mark.parametrize("month", [29, 24])
def test_report_at_the_deadline_and_at_month_24_with_sobol_at_that_month(
    sobol_sweep: Path, month: int, tmp_path: Path
) -> None:
    if month == 24:  # not stored by the sweep: the report command adds it
        assert sobol_bars(load_sweep(sobol_sweep), "en", "state_awaiting", 24) is None
        assert main(["report", str(sobol_sweep), "--month", "24", "--out", str(tmp_path / "r.html")]) == 0
    sw = load_sweep(sobol_sweep)
    fig = sobol_bars(sw, "en", "state_awaiting", month)
    assert f"month {month}" in fig.layout.title.text
    # the bars are the indices of that month, not of the horizon's table
    expected = sensitivity(sobol_sweep, "state_awaiting", month=month, method="sobol", resamples=20)
    np.testing.assert_allclose(fig.data[0].y, expected["S1"].to_numpy())
    horizon = sensitivity(sobol_sweep, "state_awaiting", month=48, method="sobol", resamples=20)
    assert not np.allclose(fig.data[0].y, horizon["S1"].to_numpy())
    scatter = sweep_scatter(sw, "en", "state_awaiting", month)
    assert f"month {month}" in scatter.layout.title.text
    # the scatter's points are the means over replications at that month, read from the point files
    values = sim.open_sweep(sobol_sweep).values("state_awaiting", month).groupby("point")["value"].mean()
    np.testing.assert_allclose(np.sort(scatter.data[0].y), np.sort(values.to_numpy()))


def test_cli_reports_a_month_outside_the_summary(sobol_sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "m24.html"
    assert main(["report", str(sobol_sweep), "--month", "24", "--lang", "zh", "--out", str(out)]) == 0
    html = out.read_text("utf-8")
    assert "第24月" in html and 'id="sel-metric"' in html and 'id="sel-month"' in html
    assert main(["report", str(sobol_sweep), "--month", "49", "--out", str(out)]) == 2  # beyond the horizon


def test_months_are_labelled_with_their_calendar_date(sobol_sweep: Path, tmp_path: Path) -> None:
    """base.toml starts in 2005-01: model month 29 is June 2007, month 24 January 2007 (counted by hand)."""
    sw = load_sweep(sobol_sweep)
    assert sw.start == "2005-01"
    assert "in 2007-06 (month 29)" in sweep_scatter(sw, "en", "state_awaiting", 29).layout.title.text
    assert "2007-01 (month 24)" in sweep_scatter(sw, "en", "state_awaiting", 24).layout.title.text
    out = tmp_path / "r.html"
    assert main(["report", str(sobol_sweep), "--out", str(out)]) == 0
    html = out.read_text("utf-8")
    # the month selector shows the date and keeps the model month as its value; months 12 and 48 too
    assert '<option value="29" selected>2007-06 (month 29)</option>' in html
    assert '<option value="12">2006-01 (month 12)</option>' in html
    assert '<option value="48">2009-01 (month 48)</option>' in html
    assert "at month" not in html
    assert main(["report", str(sobol_sweep), "--lang", "zh", "--out", str(out)]) == 0
    assert '<option value="29" selected>2007-06(第29月)</option>' in out.read_text("utf-8")
    # without a calendar (a sweep built from bare tables) the model month alone
    bare = type(sw)(sw.design, sw.summary)
    assert bare.start is None and "in month 29 " in sweep_scatter(bare, "en", "state_awaiting", 29).layout.title.text


@pytest.fixture(scope="module")
def lever_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("levers") / "enforce"
    run_sweep(
        out,
        design={"kind": "lhs", "points": 6},
        parameters={"rebound.request_rate": {"low": 0.3, "high": 1.0}},
        levers={"rebound.enforcement": {"values": [0.0, 1.0]}},
    )
    return out


def test_full_enforcement_is_the_robust_policy_against_hires_over_establishment(lever_sweep: Path) -> None:
    sw = load_sweep(lever_sweep)
    rb = robustness(sw, "overquota_hires_cumulative", 48)
    assert rb is not None and rb.goal == "min"
    best = int(rb.summary["policy"].iloc[0])
    assert rb.labels[best] == "enforcement=1"
    # regret is zero for the best policy of each world and never negative
    per_world = rb.table.groupby("world")["regret"].min()
    assert (per_world == 0).all() and (rb.table["regret"] >= 0).all()
    assert rb.summary["max_regret"].iloc[0] <= rb.summary["max_regret"].iloc[1]


def test_regret_and_ranking_by_hand() -> None:
    points = pd.DataFrame(
        {"policy": [0, 0, 0, 1, 1, 1], "world": [0, 1, 2, 0, 1, 2], "mean": [10.0, 20.0, 30.0, 12.0, 15.0, 31.0]}
    )
    table = regret_table(points, "min")
    assert table["regret"].tolist() == [0.0, 5.0, 0.0, 2.0, 0.0, 1.0]
    summary = policy_summary(table, "min")
    assert summary["policy"].tolist() == [1, 0]  # worst regret 2 beats worst regret 5
    assert summary.loc[summary["policy"] == 0, "best_in"].item() == 2
    assert goal_of("savings_cumulative_government") == "max" and goal_of("state_awaiting") == "min"
    for more in ("state_diverted", "diverted_teacher", "cut_achieved", "share_secondary_plus_admin"):
        assert goal_of(more) == "max", more  # the reform wants more of these
    for less in ("pool_waiting", "regrowth", "overquota_hires_cumulative", "headcount_total", "cost_total"):
        assert goal_of(less) == "min", less


def test_prim_finds_a_known_box_with_its_coverage_and_density() -> None:
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"a": rng.random(400), "b": rng.random(400), "c": rng.random(400)})
    failed = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    box = prim_box(x, failed)
    assert set(box.limits) == {"a", "b"}  # c does not matter
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.05) and box.limits["b"][1] == pytest.approx(0.3, abs=0.1)
    inside = np.ones(len(x), dtype=bool)
    for key, (lo, hi) in box.limits.items():
        inside &= (x[key] >= lo).to_numpy() & (x[key] <= hi).to_numpy()
    assert box.coverage == pytest.approx((failed & inside).sum() / failed.sum())
    assert box.density == pytest.approx((failed & inside).sum() / inside.sum())
    assert box.density >= 0.8 and box.coverage >= 0.8
    assert box.dense


def test_a_box_below_the_density_asked_for_is_not_called_dense() -> None:
    """Failures at random, a quarter of the cases: no peeling step can reach 80%, so the box is the densest
    step, and its note (`prim_star_densest`) must not claim the 80%."""
    rng = np.random.default_rng(5)
    x = pd.DataFrame({"a": rng.random(200), "b": rng.random(200)})
    failed = rng.random(200) < 0.25
    box = prim_box(x, failed)
    assert box.density < 0.8 and not box.dense


def test_policy_labels_tell_apart_levers_of_the_same_name() -> None:
    from sim.report.robustness import short_names

    names = short_names(["pool.contributors.0.amount", "pool.contributors.1.amount", "hiring.freeze_months"])
    assert names == {
        "pool.contributors.0.amount": "contributors.0.amount",
        "pool.contributors.1.amount": "contributors.1.amount",
        "hiring.freeze_months": "freeze_months",
    }
    two = short_names(["channels.teacher.places_per_year", "channels.police.places_per_year"])
    assert len(set(two.values())) == 2

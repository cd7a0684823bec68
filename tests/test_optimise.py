"""Policy search (issue 17): a known optimum, confirmation, exports that `fenliu run` reproduces,
resuming a killed search, infeasible problems and bad specs."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from optimise_helpers import ROOT, two_channel_spec

import sim
from sim.cli.main import main
from sim.optimise import optimise
from sim.optimise.metrics import estimate, metric_values
from sim.optimise.spec import ConstraintSpec, MetricSpec
from sim.scenario import Scenario
from sim.scenario.render import toml_literal

A, B = "channels.resignation.places_per_year", "channels.enterprise.places_per_year"


def spec_toml(spec: dict, path: Path) -> Path:
    """Write a spec dict as TOML (tables of tables by quoted dotted keys)."""
    lines = [f"{k} = {toml_literal(v)}" for k, v in spec.items() if not isinstance(v, dict)]
    for table in ("set", "levers", "objectives", "constraints", "budget"):
        if table not in spec:
            continue
        if table in ("set", "budget"):
            lines += ["", f"[{table}]", *(f'"{k}" = {toml_literal(v)}' for k, v in spec[table].items())]
            continue
        for key, body in spec[table].items():
            lines += ["", f'[{table}."{key}"]', *(f"{a} = {toml_literal(b)}" for a, b in body.items())]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory):
    """The two-channel search, run once for several tests."""
    out = tmp_path_factory.mktemp("opt") / "two"
    spec = two_channel_spec(evaluations=60)
    spec["set"] = {**spec["set"], A: 0, B: 0}  # the start: no places at all
    return optimise(spec, out=out, executor="inprocess")


def test_finds_the_known_optimum(known) -> None:
    """Cheapest policy of a two-channel case, derived by hand.

    Two townships give N = 66 surplus people (nobody retires, dies or quits; every one accepts
    any channel; no exam). Channel A (resignation) pays 10,000 yuan per person and its places
    can be set from 0 to 40; channel B (enterprise) pays 30,000 and 0 to 60 (steps of 5). The
    places are released once before the deadline and people try A first. Placed by the
    deadline: a + b (while a + b ≤ N); awaiting: N − a − b; pool spending by the deadline:
    10,000·a + 30,000·b. Constraint E[awaiting] ≤ 6.5 ⇔ a + b ≥ 60 (whole people, steps of 5).
    Cost 10,000·a + 30,000·(60 − a) = 1,800,000 − 20,000·a falls in a, so a = 40 (its upper
    bound) and b = 20: cost 1,000,000 yuan, 6 awaiting. Tolerance: the chosen point must be
    that vertex (no other point on the step-5 grid costs less than 1,050,000 while feasible).
    """
    assert known.status == "feasible"
    chosen = known.chosen
    assert chosen is not None
    assert (chosen[A], chosen[B]) == (40, 20)
    assert chosen["cost"] == pytest.approx(1_000_000, rel=0.02)
    assert chosen["awaiting"] <= 6.5 and chosen["feasible"]
    # confirmed on the engine with enough replications for the stated error, start included
    assert (known.pareto["replications"] >= 4).all()
    assert known.pareto["awaiting_within_error"].all()
    start = known.start
    assert start["cost"] == 0 and start["awaiting"] == pytest.approx(66, abs=1)
    assert not start["feasible"]
    assert (known.plan.out / "pareto.csv").is_file() and (known.plan.out / "trials.parquet").is_file()
    html = (known.plan.out / "report.html").read_text("utf-8")
    assert "Pareto front" in html and "Chosen point against the starting scenario" in html
    zh = sim.report(known.plan.out, known.plan.out / "report-zh.html", lang="zh").read_text("utf-8")
    assert "帕累托前沿" in zh and "选定方案与起始情景对比" in zh


def test_a_start_no_candidate_beats_is_chosen(tmp_path: Path) -> None:
    """The start at the known optimum (40 and 20 places: cost 1,000,000, 6 awaiting) and a budget of four
    evaluations: no candidate can cost less while feasible, so the start is on the front and chosen, and nothing
    it dominates is marked as on the front."""
    spec = two_channel_spec(evaluations=4)
    spec["set"] = {**spec["set"], A: 40, B: 20}
    result = optimise(spec, out=tmp_path / "kept", executor="inprocess")
    table = result.pareto
    start = table[table["point"] == -1].iloc[0]
    assert start["feasible"] and start["cost"] == pytest.approx(1_000_000, rel=0.02)
    assert result.status == "feasible" and int(result.chosen["point"]) == -1
    assert start["pareto"] and start["chosen"] and table["chosen"].sum() == 1
    feasible = table[table["feasible"]]
    assert (feasible["cost"] >= start["cost"]).all()  # the choice is the cheapest feasible row, start included
    dominated = table[(table["cost"] > start["cost"]) & (table["awaiting"] >= start["awaiting"])]
    assert not dominated["pareto"].any()
    html = (tmp_path / "kept" / "report.html").read_text("utf-8")
    assert "the chosen point is the start (point −1)" in html


def test_a_constraint_whose_error_missed_its_target_is_marked(known, tmp_path: Path) -> None:
    """A confirmed estimate whose SE stayed above its target is uncertain: the points table marks it."""
    import shutil

    from sim.report.optimise_report import optimise_report

    folder = tmp_path / "copy"
    shutil.copytree(known.plan.out, folder)
    table = pd.read_parquet(folder / "pareto.parquet")
    html = optimise_report(folder, tmp_path / "before.html").read_text("utf-8")
    assert table["awaiting_within_error"].all() and " *</td>" not in html
    table.loc[table["chosen"], "awaiting_within_error"] = False
    table.to_parquet(folder / "pareto.parquet", index=False)
    html = optimise_report(folder, tmp_path / "after.html").read_text("utf-8")
    assert html.count(" *</td>") == 1 and "whether the point meets that constraint is uncertain" in html


def test_report_of_a_search_folder_gives_no_warning_about_an_older_fenliu(known, tmp_path: Path, capsys) -> None:
    """A search folder keeps its live study for --resume, so its manifest has no file hashes: that is not age."""
    assert main(["report", str(known.plan.out), "--out", str(tmp_path / "r.html")]) == 0
    said = capsys.readouterr()
    assert "older fenliu" not in said.err and (tmp_path / "r.html").is_file()


def test_export_is_reproduced_by_fenliu_run(known, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Point 0 written as a scenario; `fenliu run` of it gives the confirmed objective and constraint exactly."""
    spec_file = spec_toml({**two_channel_spec(evaluations=60), "name": "two"}, tmp_path / "two.toml")
    target = tmp_path / "p0.toml"
    assert main(["optimise", str(spec_file), "--out", str(known.plan.out), "--export", "0", "--to", str(target)]) == 2
    assert "different spec" in capsys.readouterr().err  # the folder holds the search of another spec
    known.export(0, target)
    assert main(["run", str(target), "--out", str(tmp_path / "run"), "--no-report"]) == 0
    monthly = pd.read_parquet(tmp_path / "run" / "monthly.parquet")
    at = monthly[monthly["month"] == 12]
    row = known.pareto[known.pareto["point"] == 0].iloc[0]
    assert len(at) == row["replications"]
    assert at["pool_paid_cumulative"].mean() == pytest.approx(row["cost"], rel=1e-12)
    assert at["state_awaiting"].mean() == pytest.approx(row["awaiting"], rel=1e-12)


def test_infeasible_problem_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At most 10 + 10 places for 66 people cannot leave ≤ 6.5 awaiting: exit 1, least-violating first."""
    spec = two_channel_spec("infeasible", evaluations=6, confirm=2)
    spec["levers"] = {A: {"low": 0, "high": 10, "integer": True}, B: {"low": 0, "high": 10, "integer": True}}
    path = spec_toml(spec, tmp_path / "infeasible.toml")
    code = main(["optimise", str(path), "--out", str(tmp_path / "out"), "--executor", "inprocess", "-q", "--no-report"])
    assert code == 1
    said = capsys.readouterr().err
    assert "no candidate meets every constraint" in said
    table = pd.read_csv(tmp_path / "out" / "pareto.csv")
    cand = table[table["point"] >= 0]
    assert not cand["feasible"].any()
    start = table[table["point"] == -1].iloc[0]  # base.toml's places, outside the ranges: enough for everyone
    assert start["feasible"] and start["chosen"] and "the starting scenario does meet them (point -1)" in said
    assert cand["violation"].is_monotonic_increasing  # least-violating first
    assert (cand["awaiting"] >= 66 - 20 - 1).all()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: s["levers"].update({"channels.enterprise.no_such_key": {"low": 0, "high": 1}}),
            "levers.channels.enterprise.no_such_key",
        ),
        (lambda s: s["levers"].update({B: {"low": 5, "high": 1}}), "empty range"),
        (
            lambda s: s["constraints"]["awaiting"].update({"metric": "regrowth_share_typo"}),
            "constraints.awaiting.metric",
        ),
        (lambda s: s["budget"].update({"evaluations": 2, "confirm": 3}), "impossible budget"),
        (lambda s: s["budget"].update({"confirm_replications": 1}), "budget"),
        (lambda s: s["objectives"]["cost"].update({"at": 999}), "objectives.cost.at"),
    ],
)
def test_bad_specs_exit_2_naming_the_key(change, expected: str, tmp_path: Path, capsys) -> None:
    spec = two_channel_spec("bad")
    change(spec)
    path = spec_toml(spec, tmp_path / "bad.toml")
    assert main(["optimise", str(path), "--out", str(tmp_path / "out"), "--executor", "inprocess"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing written


def test_killed_search_resumes(tmp_path: Path) -> None:
    """Kill the CLI mid-search; --resume keeps the finished candidates and completes the budget."""
    spec = two_channel_spec("resume", evaluations=14, confirm=2, batch=1)
    path = spec_toml(spec, tmp_path / "resume.toml")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "optimise", str(path), "--out", str(out), "--executor", "inprocess", "-q"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = out / "study.sqlite3"

    def complete() -> list[int]:
        if not db.is_file():
            return []
        try:
            with sqlite3.connect(db, timeout=30) as conn:
                return [r[0] for r in conn.execute("SELECT number FROM trials WHERE state = 'COMPLETE'")]
        except sqlite3.OperationalError:  # tables not created yet
            return []

    deadline = time.monotonic() + 120
    while len(complete()) < 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = set(complete())
    assert 4 <= len(before) < 14, "the search should have been killed midway"
    assert not (out / "pareto.parquet").exists()
    resumed = subprocess.run([*cmd, "--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    after = set(complete())
    assert before <= after and len(after) == 14  # nothing lost, nothing run twice, budget met
    assert (out / "pareto.parquet").is_file()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--resume" in again.stderr  # a finished folder is not overwritten


def test_metric_reading_and_standard_errors() -> None:
    """Value, sum, discounted sum at a named month; probability with the adjusted SE; stratified worlds."""
    scenario = Scenario()
    months = scenario.time.horizon_months + 1
    columns = ("state_awaiting", "overquota_hires_cumulative")
    tables = [np.column_stack([np.full(months, float(r)), np.arange(months, dtype=float)]) for r in range(4)]
    deadline = scenario.reform.deadline_month
    value = metric_values(tables, columns, MetricSpec(metric="state_awaiting", at="deadline"), scenario)
    assert list(value) == [0, 1, 2, 3]
    total = metric_values(tables, columns, MetricSpec(metric=columns, at=12, reduce="sum"), scenario)
    assert total[1] == pytest.approx(13 * 1 + sum(range(13)))
    disc = metric_values(tables, columns, MetricSpec(metric="state_awaiting", at=24, reduce="discounted_sum"), scenario)
    rate = scenario.money.discount_rate
    assert disc[2] == pytest.approx(sum(2 * (1 + rate) ** (-m / 12) for m in range(25)))
    grown = metric_values(tables, columns, MetricSpec(metric="overquota_hires_cumulative", at="deadline"), scenario)
    assert (grown == deadline).all()
    risk = ConstraintSpec(metric="state_awaiting", at="deadline", above=1.5, max=0.1)
    e = estimate([value], risk)
    assert e.value == 0.5 and e.se == pytest.approx(math.sqrt(0.5 * 0.5 / 4))
    never = estimate([np.zeros(4)], risk)
    assert never.value == 0 and never.se == pytest.approx(math.sqrt((1 / 6) * (5 / 6) / 4))  # not zero
    two = estimate([np.array([0.0, 2.0]), np.array([10.0, 14.0])])
    assert two.value == pytest.approx(6.5) and two.se == pytest.approx(math.sqrt(1.0**2 + 2.0**2) / 2)

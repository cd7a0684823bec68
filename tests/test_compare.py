"""Paired comparison on common random numbers: exact zeros, tighter intervals, executors, the CLI."""

from __future__ import annotations

import faulthandler
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"
FAST = {"population.synthetic.townships": 5, "time.horizon_months": 36}


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(300, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def pair() -> sim.Comparison:
    base = sim.load_scenario(BASE, FAST)
    deeper = sim.with_overrides(base, {"name": "deeper", "reform.cut_admin": 0.25})
    return sim.compare([base, deeper], replications=8, seed=3, executor="inprocess")


def test_identical_scenarios_differ_by_exactly_zero():
    base = sim.load_scenario(BASE, FAST)
    twin = sim.with_overrides(base, {"name": "twin"})
    result = sim.compare([base, twin], replications=4, seed=9, executor="inprocess")
    diffs = result.differences()
    assert result.names == ["base", "twin"]
    assert (diffs["mean"].fillna(0) == 0).all() and (diffs["sd"].fillna(0) == 0).all()
    assert set(diffs["month"]) == set(range(37))


def test_paired_differences_are_tight_and_consistent(pair):
    diffs = pair.differences()
    head = diffs[diffs["metric"] == "headcount_total"].set_index("month")
    assert head.loc[0, "mean"] == 0 and head.loc[0, "ci_halfwidth"] == 0  # same people before the reform
    after = head.loc[24]
    assert after["mean"] < 0  # a deeper cut leaves fewer on the payroll
    assert after["ci_low"] <= after["mean"] <= after["ci_high"]
    assert after["ci_halfwidth"] < after["ci_halfwidth_unpaired"]  # what common random numbers buy
    # the paired mean difference is the difference of the means
    bands = pair.bands([24]).set_index(["scenario", "metric"])
    gap = bands.loc[("deeper", "headcount_total"), "mean"] - bands.loc[("base", "headcount_total"), "mean"]
    assert after["mean"] == pytest.approx(gap)
    # and the interval is the Student-t one over the replications
    a = pair.runs[0].monthly.query("month == 24")["headcount_total"].to_numpy()
    b = pair.runs[1].monthly.query("month == 24")["headcount_total"].to_numpy()
    d = b - a
    from scipy import stats

    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert after["ci_halfwidth"] == pytest.approx(half)


def test_bands_match_each_scenario_run_alone(pair):
    alone = sim.run(pair.scenarios[1], replications=8, seed=3)
    pd.testing.assert_frame_equal(pair.runs[1].monthly, alone.monthly, check_exact=True)
    bands = pair.bands([12, 24]).query("scenario == 'deeper'").drop(columns="scenario").reset_index(drop=True)
    summary = alone.monthly[alone.monthly["month"].isin([12, 24])]
    assert bands.query("metric == 'headcount_total' and month == 24")["mean"].item() == pytest.approx(
        summary.query("month == 24")["headcount_total"].mean()
    )


def test_local_pool_gives_the_same_numbers(pair):
    pooled = sim.compare(pair.scenarios, replications=8, seed=3, executor="local", workers=2)
    for a, b in zip(pair.runs, pooled.runs, strict=True):
        pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)


def test_save_writes_a_folder_reports_can_read(pair, tmp_path):
    folder = pair.save(tmp_path / "cmp")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["kind"] == "compare" and manifest["runs"] == ["00-base", "01-deeper"]
    assert manifest["seed"] == 3 and manifest["replications"] == 8
    for run in manifest["runs"]:
        assert (folder / run / "monthly.parquet").is_file() and (folder / run / "manifest.json").is_file()
    diffs = pd.read_parquet(folder / "differences.parquet")
    assert {"scenario", "reference", "metric", "month", "mean", "ci_low", "ci_high"} <= set(diffs.columns)


def test_cli_compare(tmp_path, capsys):
    variant = tmp_path / "freeze.toml"
    variant.write_text(f'extends = "{BASE.as_posix()}"\nname = "freeze"\n[hiring]\nfreeze_months = 24\n', "utf-8")
    out = tmp_path / "out"
    argv = ["compare", str(BASE), str(variant), "-n", "3", "--seed", "2", "--executor", "inprocess", "--out", str(out)]
    argv += [f"--set={k}={v}" for k, v in FAST.items()]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "paired differences against 'base'" in text and "freeze − base" in text
    assert (out / "differences.parquet").is_file() and (out / "01-freeze" / "monthly.parquet").is_file()
    assert (out / "report.html").is_file()


def test_cli_compare_bad_input(tmp_path, capsys):
    assert main(["compare", str(BASE), "--out", str(tmp_path / "a")]) == 2
    assert "at least two" in capsys.readouterr().err
    assert main(["compare", str(BASE), str(tmp_path / "missing.toml"), "--out", str(tmp_path / "b")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["compare", str(BASE), str(BASE), "-n", "0", "--out", str(tmp_path / "c")]) == 2
    assert "--replications" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())

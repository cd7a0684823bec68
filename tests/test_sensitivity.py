"""Sensitivity: Sobol indices against closed forms, and on the model a dead parameter and a driver."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

import sim
from sim.errors import InputError
from sim.experiment.sensitivity import morris_effects, rank_importance, sobol_indices

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"
FAST = {"population.synthetic.townships": 5, "time.horizon_months": 30}
PROBLEM = {"num_vars": 2, "names": ["x1", "x2"], "bounds": [[0.0, 1.0]] * 2}
WORLDS = np.array([-1.5, -0.5, 0.5, 1.5])  # replication r adds sigma * WORLDS[r]


def test_sobol_closed_form_with_noise_as_an_input():
    # y = 3 x1 + 0 x2 + sigma z_r: S1 = ST = Var(3 x1) / V for x1, 0 for x2, Var(sigma z) / V for the replication
    x = sobol_sample.sample(PROBLEM, 512, calc_second_order=False, seed=1)
    sigma = 0.5
    y = 3 * x[:, [0]] + sigma * WORLDS[None, :]
    v = 9 / 12 + sigma**2 * WORLDS.var()
    table = sobol_indices(y, ["x1", "x2"], resamples=200).set_index("parameter")
    assert table.loc["x1", "S1"] == pytest.approx(0.75 / v, abs=0.03)
    assert table.loc["x1", "ST"] == pytest.approx(0.75 / v, abs=0.03)
    assert table.loc["x2", "S1"] == 0 and table.loc["x2", "ST"] == 0
    assert table.loc["replication", "ST"] == pytest.approx(sigma**2 * WORLDS.var() / v, abs=0.03)
    assert table.loc["x1", "rank"] == 1 and table.loc["x2", "rank"] == 3
    assert (table["S1_conf"] >= 0).all()
    # interaction: y = x1 * x2 has S1 = 3/7 each and ST = 4/7 each
    y = (x[:, 0] * x[:, 1])[:, None] + np.zeros((1, 2))
    table = sobol_indices(y, ["x1", "x2"], resamples=50).set_index("parameter")
    for p in ("x1", "x2"):
        assert table.loc[p, "S1"] == pytest.approx(3 / 7, abs=0.05)
        assert table.loc[p, "ST"] == pytest.approx(4 / 7, abs=0.05)


def test_morris_closed_form():
    x = morris_sample.sample(PROBLEM, 20, num_levels=4, seed=2)
    y = 3 * x[:, [0]] + 0.5 * WORLDS[None, :]
    table = morris_effects(x, y, ["x1", "x2"], levels=4, resamples=50).set_index("parameter")
    assert table.loc["x1", "mu"] == pytest.approx(3) and table.loc["x1", "mu_star"] == pytest.approx(3)
    assert table.loc["x2", "mu_star"] == 0
    assert table.loc["replication", "mu_star"] > 0 and table.loc["replication", "mu"] == pytest.approx(0)


def test_rank_importance_closed_form():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.random(200), "b": rng.random(200)})
    y = (np.exp(4 * x["a"].to_numpy()))[:, None] + rng.normal(0, 0.01, (200, 3))
    table = rank_importance(x, y, resamples=50).set_index("parameter")
    assert table.loc["a", "rho"] > 0.99 and table.loc["a", "rank"] == 1
    assert table.loc["b", "importance"] < 0.05
    assert table.loc["replication", "importance"] < 0.01
    assert table.loc["a", "conf_low"] <= table.loc["a", "importance"] <= table.loc["a", "conf_high"]


def _spec(kind: str, points: int) -> dict:
    return {
        "name": f"sens-{kind}",
        "base": str(BASE),
        "seed": 4,
        "replications": 2,
        "set": dict(FAST),
        "design": {"kind": kind, "points": points},
        "parameters": {
            "reform.cut_admin": {"low": 0.0, "high": 0.4},  # drives the headcount after the reform
            "attrition.raise_male_months": {"low": 0, "high": 60, "integer": True},  # phased_raise is off: no effect
        },
    }


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory) -> sim.SweepResults:
    out = tmp_path_factory.mktemp("sobol") / "sweep"
    return sim.sweep(_spec("sobol", 16), out=out, executor="inprocess", progress=False, report=False)


def test_model_sobol_dead_parameter_near_zero_and_driver_first(sobol_sweep):
    table = sim.sensitivity(sobol_sweep, "headcount_total", month=24).set_index("parameter")
    assert table.attrs["method"] == "sobol"
    assert list(table.index) == ["reform.cut_admin", "attrition.raise_male_months", "replication"]
    assert abs(table.loc["attrition.raise_male_months", "ST"]) < 0.02
    assert table.loc["reform.cut_admin", "rank"] == 1 and table.loc["reform.cut_admin", "ST"] > 0.5
    assert 0 <= table.loc["replication", "ST"] < 0.5  # noise is an input, measured rather than averaged away
    # the sweep wrote its Sobol table for reports
    saved = pd.read_parquet(sobol_sweep.folder / "sobol.parquet")
    assert {"metric", "month", "parameter", "S1", "S1_conf", "ST", "ST_conf"} <= set(saved.columns)


def test_model_rank_importance_on_any_design(sobol_sweep):
    table = sim.sensitivity(sobol_sweep, "headcount_total", month=24, method="rank").set_index("parameter")
    assert table.loc["reform.cut_admin", "rank"] == 1 and table.loc["reform.cut_admin", "importance"] > 0.8


def test_an_outcome_that_never_varies_has_nothing_to_attribute(sobol_sweep, tmp_path):
    """Staff at month 0, before the reform, are the same at every point and replication: no input explains
    anything, so no index and no rank (zeros would rank every input first), and the report says why."""
    values = sobol_sweep.at_month(["headcount_total"], 0)["headcount_total"]
    assert values.nunique() == 1  # the case exists
    for method in ("sobol", "rank"):
        table = sim.sensitivity(sobol_sweep, "headcount_total", month=0, method=method)
        assert table.attrs.get("constant") and table["rank"].isna().all(), method
        numbers = table.drop(columns=["metric", "month", "parameter", "rank"]).select_dtypes("number")
        assert numbers.isna().all().all(), method
    from sim.cli.main import main

    args = ["report", str(sobol_sweep.folder), "--metric", "headcount_total", "--month", "0"]
    assert main([*args, "--out", str(tmp_path / "r.html")]) == 0  # adds month 0 to the sweep's Sobol table
    html = (tmp_path / "r.html").read_text("utf-8")
    assert "there is no variance to share among the inputs" in html


def test_model_morris(tmp_path):
    sweep = sim.sweep(_spec("morris", 6), out=tmp_path / "m", executor="inprocess", progress=False, report=False)
    table = sim.sensitivity(sweep, "headcount_total", month=24).set_index("parameter")
    assert table.attrs["method"] == "morris"
    assert table.loc["attrition.raise_male_months", "mu_star"] == 0
    assert table.loc["reform.cut_admin", "rank"] == 1 and table.loc["reform.cut_admin", "mu"] < 0


def test_sensitivity_bad_input(sobol_sweep):
    with pytest.raises(InputError, match="not a column"):
        sim.sensitivity(sobol_sweep, "no_such_metric", 24)
    with pytest.raises(InputError, match="needs a morris design"):
        sim.sensitivity(sobol_sweep, "headcount_total", 24, method="morris")
    with pytest.raises(InputError, match="outside the sweep's months"):
        sim.sensitivity(sobol_sweep, "headcount_total", 999)

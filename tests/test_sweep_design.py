"""Sweep specs and designs: validation messages, design sizes and structure, bad input from the CLI."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from sim.cli.main import main
from sim.errors import InputError
from sim.experiment.design import build_design
from sim.experiment.spec import load_spec
from sim.experiment.sweep import plan_sweep

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
SWEEPS = Path(__file__).resolve().parents[1] / "scenarios" / "sweeps"


def spec(**changes: object) -> dict:
    data: dict = {
        "name": "t",
        "base": str(BASE),
        "seed": 5,
        "replications": 2,
        "design": {"kind": "lhs", "points": 6},
        "parameters": {
            "reform.cut_admin": {"low": 0.05, "high": 0.3},
            "attrition.quit_rate": {"low": 0.0, "high": 0.02},
        },
        "levers": {"hiring.freeze_months": {"values": [0, 24, 60]}},
    }
    data.update(changes)
    return data


def test_lhs_crosses_levers_with_worlds_deterministically():
    d1 = build_design(load_spec(spec())[0], seed=5)
    d2 = build_design(load_spec(spec())[0], seed=5)
    assert (d1.n_policies, d1.n_worlds, d1.n_points) == (3, 6, 18)
    assert d1.table().equals(d2.table())
    table = d1.table()
    assert table["point"].tolist() == list(range(18))
    assert (table["policy"] * 6 + table["world"] == table["point"]).all()
    # every policy sees the same worlds
    for policy in range(3):
        rows = table[table["policy"] == policy]
        assert rows["reform.cut_admin"].tolist() == table[table["policy"] == 0]["reform.cut_admin"].tolist()
        assert set(rows["hiring.freeze_months"]) == {[0, 24, 60][policy]}
    cut = table["reform.cut_admin"]
    assert cut.between(0.05, 0.3).all()
    # Latin hypercube: one point in each sixth of the range
    assert sorted(np.floor((cut[:6] - 0.05) / 0.25 * 6).astype(int)) == list(range(6))
    assert not build_design(load_spec(spec())[0], seed=6).table().equals(table)


def test_grid_is_every_combination_of_values_and_levels():
    s = spec(
        design={"kind": "grid", "levels": 3},
        parameters={"reform.cut_admin": {"low": 0.1, "high": 0.3}, "hiring.refill_lag_months": {"values": [1, 6]}},
        levers={},
    )
    d = build_design(load_spec(s)[0], seed=1)
    assert d.n_points == 6
    combos = {(w["reform.cut_admin"], w["hiring.refill_lag_months"]) for w in d.worlds}
    assert combos == {(c, lag) for c in (0.1, 0.2, 0.30000000000000004) for lag in (1, 6)} or len(combos) == 6
    assert {w["hiring.refill_lag_months"] for w in d.worlds} == {1, 6}


def test_sobol_design_is_saltelli_blocks():
    s = spec(design={"kind": "sobol", "points": 8}, levers={})
    d = build_design(load_spec(s)[0], seed=1)
    assert d.n_points == 8 * (2 + 2)
    u = d.unit.reshape(8, 4, 2)
    a, ab1, ab2, b = u[:, 0], u[:, 1], u[:, 2], u[:, 3]
    assert np.array_equal(ab1[:, 0], b[:, 0]) and np.array_equal(ab1[:, 1], a[:, 1])
    assert np.array_equal(ab2[:, 1], b[:, 1]) and np.array_equal(ab2[:, 0], a[:, 0])


def test_morris_trajectories_move_one_factor_per_step():
    s = spec(design={"kind": "morris", "points": 5, "levels": 4}, levers={})
    d = build_design(load_spec(s)[0], seed=1)
    assert d.n_points == 5 * 3
    steps = np.diff(d.unit.reshape(5, 3, 2), axis=1)
    assert ((np.abs(steps) > 1e-12).sum(axis=2) == 1).all()


def test_distributions_integers_and_values():
    s = spec(
        parameters={
            "hiring.freeze_months": {"low": 0, "high": 60, "integer": True},
            "attrition.quit_rate": {"low": 0.001, "high": 0.1, "distribution": "loguniform"},
            "reform.cut_institution": {"low": 0.1, "high": 0.5, "distribution": "normal", "mean": 0.3, "sd": 0.05},
            "reform.cut_admin": {"low": 0.0, "high": 0.3, "distribution": "triangular", "mode": 0.1},
            "reform.selection_rule": {"values": ["merit", "seniority", "random"]},
        },
        levers={},
        design={"kind": "lhs", "points": 60},
    )
    d = build_design(load_spec(s)[0], seed=2).table()
    assert d["hiring.freeze_months"].map(type).eq(int).all() and d["hiring.freeze_months"].between(0, 60).all()
    assert d["attrition.quit_rate"].between(0.001, 0.1).all()
    assert np.median(np.log10(d["attrition.quit_rate"])) == pytest.approx(-2, abs=0.3)
    assert d["reform.cut_institution"].between(0.1, 0.5).all() and abs(d["reform.cut_institution"].mean() - 0.3) < 0.02
    assert set(d["reform.selection_rule"]) == {"merit", "seniority", "random"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"parameters": {"reform.cut_admin": {"low": 0.3, "high": 0.1}}}, "low (0.3) is above high (0.1)"),
        ({"design": {"kind": "sobol", "points": 10}}, "power of two (e.g. 8 or 16)"),
        ({"design": {"kind": "grid", "points": 10}}, "a grid has one point per combination"),
        ({"replicatons": 3}, "'replicatons': unknown key"),
        ({"parameters": {"reform.cut_admin": {"low": 0.1}}}, "both 'low' and 'high'"),
        ({"parameters": {}, "levers": {}}, "nothing to vary"),
        ({"design": {"kind": "lhs"}}, "design.points is required"),
    ],
)
def test_spec_errors_name_the_key(changes, expected):
    with pytest.raises(InputError) as err:
        load_spec(spec(**changes))
    assert expected in str(err.value)


def test_unknown_dotted_key_and_out_of_range_values_are_caught_before_running(tmp_path):
    with pytest.raises(InputError, match=r"reform\.cut_admn.*unknown key"):
        plan_sweep(spec(parameters={"reform.cut_admn": {"low": 0.1, "high": 0.2}}), out=tmp_path / "x")
    with pytest.raises(InputError, match=r"reform\.cut_admin"):
        plan_sweep(spec(parameters={"reform.cut_admin": {"low": 0.5, "high": 1.5}}), out=tmp_path / "x")
    with pytest.raises(InputError, match=r"hiring\.freeze_month"):
        plan_sweep(spec(levers={"hiring.freeze_month": {"values": [0, 1]}}), out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_library_sweeps_are_valid(tmp_path):
    for path in sorted(SWEEPS.glob("*.toml")):
        plan = plan_sweep(path, out=tmp_path / path.stem)
        assert plan.n_jobs > 0
    assert not any(tmp_path.iterdir())


def _write_spec(path: Path, body: str) -> Path:
    path.write_text(f'base = "{BASE.as_posix()}"\nseed = 1\nreplications = 1\n' + body, "utf-8")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BAD_SPECS = {
    "unknown_key": '[design]\nkind = "lhs"\npoints = 2\n[parameters."reform.cutadmin"]\nlow = 0.1\nhigh = 0.2\n',
    "low_above_high": '[design]\nkind = "lhs"\npoints = 2\n[parameters."reform.cut_admin"]\nlow = 0.3\nhigh = 0.1\n',
    "sobol_size": '[design]\nkind = "sobol"\npoints = 12\n[parameters."reform.cut_admin"]\nlow = 0.1\nhigh = 0.2\n',
}


@pytest.mark.parametrize("case", [*BAD_SPECS, "scheduler"])
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, case):
    good = '[design]\nkind = "lhs"\npoints = 2\n[parameters."reform.cut_admin"]\nlow = 0.1\nhigh = 0.2\n'
    spec_file = _write_spec(tmp_path / "s.toml", BAD_SPECS.get(case, good))
    out = tmp_path / "out"
    argv = ["sweep", str(spec_file), "--out", str(out), "--executor", "inprocess", "-q"]
    if case == "scheduler":
        argv += ["--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{_free_port()}", "--connect-timeout", "2"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    expected = {
        "unknown_key": "reform.cutadmin",
        "low_above_high": "low (0.3) is above high (0.1)",
        "sobol_size": "power of two",
        "scheduler": "cannot reach the Dask scheduler",
    }[case]
    assert expected in err and "Traceback" not in err
    assert not out.exists()


def test_cli_missing_spec_and_force_without_resume(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.toml")]) == 2
    assert "sweep spec not found" in capsys.readouterr().err
    spec_file = _write_spec(tmp_path / "s.toml", '[levers."hiring.freeze_months"]\nvalues = [0]\n')
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "notes.txt").write_text("mine", "utf-8")
    assert main(["sweep", str(spec_file), "--out", str(tmp_path / "o")]) == 2
    assert "fenliu did not write" in capsys.readouterr().err
    assert (tmp_path / "o" / "notes.txt").read_text("utf-8") == "mine"

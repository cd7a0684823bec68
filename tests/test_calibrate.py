"""`sim.calibrate` and `fenliu calibrate`: target grammar, loss, search, writer and bad input."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.calibrate import load_targets, parse_targets
from sim.calibrate.fit import fitting_scenario, loss_of, target_figures
from sim.cli.main import main
from sim.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"
TINY = {
    "population.synthetic.townships": 3,
    "time.horizon_months": 30,
    "money.counterfactual": False,
    "pool.unlimited": True,
}


def tiny_scenario(tmp_path: Path, extra: str = "") -> Path:
    """A three-township scenario extending base.toml (fast: a few hundredths of a second per run)."""
    path = tmp_path / "tiny.toml"
    path.write_text(
        f'extends = "{BASE.as_posix()}"\nname = "tiny"\ndescription = "three townships"\n'
        "[population.synthetic]\ntownships = 3\n[time]\nhorizon_months = 30\n"
        "[pool]\nunlimited = true\n[money]\ncounterfactual = false\n" + extra,
        "utf-8",
    )
    return path


def write_targets(tmp_path: Path, body: str, name: str = "targets.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, "utf-8")
    return path


TARGETS = """
seed = 3
replications = 2
budget = 6
design_points = 3
[targets.left]
metric = ["diverted_resignation", "diverted_termination"]
month = 29
value = 40
tolerance = 5
[targets.admin_change]
metric = "headcount_admin"
month = 29
relative_to_month = 11
value = -0.12
tolerance = 0.03
weight = 0.5
[free."channels.resignation.acceptance"]
low = 0.0
high = 1.0
"""


# ----- grammar and figures ------------------------------------------------------------------
def test_target_figures_sum_relative_change_mean_and_se() -> None:
    monthly = pd.DataFrame(
        {
            "replication": [0, 0, 1, 1],
            "month": [1, 2, 1, 2],
            "a": [10.0, 8.0, 10.0, 6.0],
            "b": [10.0, 12.0, 10.0, 10.0],
        }
    )
    spec = parse_targets(
        {
            "targets": {
                "sum": {"metric": ["a", "b"], "month": 2, "value": 20, "tolerance": 2},
                "rel": {"metric": "a", "month": 2, "relative_to_month": 1, "value": -0.2, "tolerance": 0.1},
            }
        }
    )
    fig = target_figures(monthly, spec.targets).set_index("target")
    assert fig.loc["sum", "simulated"] == pytest.approx(18.0)  # (20 + 16) / 2
    assert fig.loc["sum", "se"] == pytest.approx(2.0)  # sd 2.83 / sqrt 2
    assert fig.loc["rel", "simulated"] == pytest.approx(-0.3)  # mean of -0.2 and -0.4
    assert fig.loc["rel", "scaled"] == pytest.approx(-1.0)
    assert not fig.loc["rel", "within"] or math.isclose(abs(fig.loc["rel", "residual"]), 0.1)
    assert loss_of(fig.reset_index()) == pytest.approx(1.0 + 1.0)


def test_loss_is_weighted_and_a_missing_figure_fails() -> None:
    fig = pd.DataFrame({"weight": [2.0, 1.0], "scaled": [1.5, -1.0]})
    assert loss_of(fig) == pytest.approx(2 * 2.25 + 1)
    assert loss_of(pd.DataFrame({"weight": [1.0], "scaled": [np.nan]})) > 1e9


def test_library_targets_files_parse_and_name_real_columns() -> None:
    for name, scenario in (("suzhou", "suzhou_seven_channels"), ("hengyang", "hengyang_township_classes")):
        spec = load_targets(ROOT / "scenarios" / "targets" / f"{name}.toml")
        scn = sim.load_scenario(ROOT / "scenarios" / f"{scenario}.toml")
        from sim.calibrate.targets import check_targets

        check_targets(spec, scn)
        assert spec.free


def test_fitting_speed_ups_do_not_change_the_targeted_months(tmp_path: Path) -> None:
    """The fitting runs cut the horizon at the last month needed and drop the counterfactual twin."""
    scn = sim.load_scenario(BASE, {"population.synthetic.townships": 3})
    spec = parse_targets({"targets": {"a": {"metric": "state_awaiting", "month": 30, "value": 0, "tolerance": 1}}})
    fast = fitting_scenario(scn, spec)
    assert fast.time.horizon_months == 30 and not fast.money.counterfactual
    full = sim.run(scn, replications=2, seed=5).monthly
    cut = sim.run(fast, replications=2, seed=5).monthly
    cols = [c for c in cut.columns if c in full.columns and not c.startswith(("savings", "npv", "cost_township_c"))]
    cols = [c for c in cols if not c.endswith("_counterfactual")]
    pd.testing.assert_frame_equal(full[full["month"] <= 30][cols].reset_index(drop=True), cut[cols])


# ----- the search ---------------------------------------------------------------------------
def test_calibrate_recovers_a_known_acceptance(tmp_path: Path) -> None:
    """Targets made by the model at acceptance 0.6 are fitted back from a start at 0.1."""
    path = tiny_scenario(tmp_path, "[channels.resignation]\nacceptance = 0.1\n")
    truth = sim.run(sim.load_scenario(path, {"channels.resignation.acceptance": 0.6}), replications=2, seed=11).monthly
    value = truth[truth["month"] == 29]["diverted_resignation"].mean()
    spec = {
        "seed": 11,
        "replications": 2,
        "budget": 14,
        "design_points": 4,
        "targets": {"res": {"metric": "diverted_resignation", "month": 29, "value": value, "tolerance": 1.0}},
        "free": {"channels.resignation.acceptance": {"low": 0.0, "high": 1.0}},
    }
    cal = sim.calibrate(path, spec)
    assert cal.start_loss > 10 * max(cal.loss, 0.1)
    assert cal.residuals.loc[0, "within"]
    assert cal.values["channels.resignation.acceptance"] == pytest.approx(0.6, abs=0.12)
    assert cal.evaluations <= 14
    assert list(cal.history.columns[:3]) == ["evaluation", "phase", "channels.resignation.acceptance"]


def test_written_file_extends_the_original_and_reproduces_the_fit(tmp_path: Path) -> None:
    path = tiny_scenario(tmp_path)
    targets = write_targets(tmp_path, TARGETS)
    cal = sim.calibrate(path, targets, overrides=["reform.cut_institution=0.4"])
    out = cal.write(tmp_path / "out" / "tiny_calibrated.toml")
    text = out.read_text("utf-8")
    data = tomllib.loads(text)
    assert data["extends"] == "../tiny.toml"
    assert data["name"] == "tiny_calibrated"
    assert "fitted by `fenliu calibrate` on" in text and "loss" in text and "residuals" in text
    assert "set on the command line" in text  # the --set override is kept
    fitted = sim.load_scenario(out)
    assert fitted.reform.cut_institution == 0.4
    assert fitted.channels.resignation.acceptance == cal.values["channels.resignation.acceptance"]
    rerun = target_figures(sim.run(fitted, replications=2, seed=3).monthly, load_targets(targets).targets)
    assert rerun["simulated"].tolist() == pytest.approx(cal.residuals["simulated"].tolist())


def test_a_key_inside_a_list_is_written_with_its_whole_list(tmp_path: Path) -> None:
    path = tiny_scenario(tmp_path)
    spec = {
        "replications": 1,
        "budget": 3,
        "design_points": 1,
        "targets": {"n": {"metric": "headcount_total", "month": 0, "value": 500, "tolerance": 50}},
        "free": {"township_classes.0.staff_admin": {"low": 40, "high": 120}},
    }
    cal = sim.calibrate(path, spec)
    assert isinstance(cal.values["township_classes.0.staff_admin"], int)
    out = cal.write(tmp_path / "c.toml")
    assert "[[township_classes]]" in out.read_text("utf-8")
    loaded = sim.load_scenario(out)
    assert loaded.township_classes[0].staff_admin == cal.values["township_classes.0.staff_admin"]
    assert loaded.township_classes[0].staff_institution == 85  # the rest of the list is kept


# ----- the command line ---------------------------------------------------------------------
def test_cli_calibrate_tiny(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tiny_scenario(tmp_path)
    targets = write_targets(tmp_path, TARGETS)
    out = tmp_path / "fit.toml"
    history = tmp_path / "history.csv"
    code = main(
        [
            "calibrate",
            str(path),
            "--targets",
            str(targets),
            "--free",
            "channels.resignation.acceptance",
            "channels.termination.acceptance=0,1",
            "--budget",
            "4",
            "--out",
            str(out),
            "--history",
            str(history),
            "--quiet",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "fitted values:" in printed and "residuals" in printed and "channels.termination.acceptance" in printed
    assert out.exists() and 1 <= len(pd.read_csv(history)) <= 4
    scn = sim.load_scenario(out)
    assert 0.0 <= scn.channels.termination.acceptance <= 1.0


def test_cli_default_out_is_beside_the_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tiny_scenario(tmp_path)
    targets = write_targets(tmp_path, TARGETS)
    assert main(["calibrate", str(path), "--targets", str(targets), "--budget", "1", "-q"]) == 0
    assert (tmp_path / "tiny_calibrated.toml").exists()


BAD_TARGETS = {
    "unknown metric": (
        TARGETS.replace('metric = "headcount_admin"', 'metric = "headcount_admn"'),
        [],
        "metric 'headcount_admn' is not a monthly column",
    ),
    "month beyond the horizon": (TARGETS.replace("month = 29\nvalue = 40", "month = 99\nvalue = 40"), [], "beyond"),
    "unknown key in the targets file": (TARGETS + "\nbudgte = 3\n", [], "unknown key"),
    "tolerance not positive": (TARGETS.replace("tolerance = 5", "tolerance = 0"), [], "tolerance"),
    "bounds exclude the start": (
        TARGETS.replace("low = 0.0\nhigh = 1.0", "low = 0.5\nhigh = 1.0"),
        [],
        "exclude the scenario's value 0.15",
    ),
    "low above high": (TARGETS.replace("low = 0.0\nhigh = 1.0", "low = 1.0\nhigh = 0.0"), [], "must be below"),
    "bound outside the key's range": (
        TARGETS.replace("low = 0.0\nhigh = 1.0", "low = 0.0\nhigh = 1.5"),
        [],
        "not a valid value",
    ),
    "free key that is text": (TARGETS, ["--free", "reform.selection_rule=0,1"], "is not a number in the scenario"),
    "free key that is unset": (
        TARGETS,
        ["--free", "channels.resignation.places_per_year=0,100"],
        "unset in the scenario",
    ),
    "free key that does not exist": (
        TARGETS,
        ["--free", "channels.resignation.acceptence=0,1"],
        "did you mean 'channels.resignation.acceptance'",
    ),
    "free key without bounds": (TARGETS, ["--free", "reform.merit.youth"], "has no bounds"),
    "bad --free syntax": (TARGETS, ["--free", "reform.merit.youth=1"], "KEY=LOW,HIGH"),
    "budget below one": (TARGETS, ["--budget", "0"], "--budget"),
    "missing targets file": (None, [], "targets file not found"),
}


@pytest.mark.parametrize("case", list(BAD_TARGETS))
def test_cli_bad_input_exits_2_with_a_clear_message(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body, extra, expected = BAD_TARGETS[case]
    path = tiny_scenario(tmp_path)
    targets = tmp_path / "missing.toml" if body is None else write_targets(tmp_path, body)
    out = tmp_path / "never.toml"
    code = main(["calibrate", str(path), "--targets", str(targets), "--out", str(out), "-q", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err, err
    assert err.startswith("fenliu: error:")
    assert not out.exists()


def test_api_bad_input_raises_input_error(tmp_path: Path) -> None:
    path = tiny_scenario(tmp_path)
    with pytest.raises(InputError, match="not a key of the scenario"):
        sim.calibrate(path, write_targets(tmp_path, TARGETS), {"reform.nothing": (0, 1)})


def test_metric_columns_are_the_columns_a_run_writes(tmp_path: Path) -> None:
    from sim.calibrate import metric_columns

    for overrides in ({}, {"money.counterfactual": True}):
        scn = sim.load_scenario(tiny_scenario(tmp_path), {"time.horizon_months": 30, **overrides})
        written = [c for c in sim.run(scn, replications=1, seed=1).monthly.columns if c not in ("replication", "month")]
        assert set(written) <= set(metric_columns(scn))
        if overrides:
            assert set(written) == set(metric_columns(scn))


def test_a_combination_a_rule_refuses_is_an_infeasible_point_not_an_error(tmp_path: Path) -> None:
    """Each bound is valid alone, but college share above secondary share is refused: such points lose."""
    path = tiny_scenario(tmp_path)
    spec = {
        "replications": 1,
        "budget": 20,
        "design_points": 16,
        "targets": {"n": {"metric": "hires_cumulative", "month": 29, "value": 100, "tolerance": 10}},
        "free": {
            "hiring.hire_share_college_plus": {"low": 0.0, "high": 0.9},
            "hiring.hire_share_secondary_plus": {"low": 0.5, "high": 1.0},
        },
    }
    cal = sim.calibrate(path, spec)
    assert (cal.history["loss"] >= 1e12).any()
    assert cal.loss < 1e12
    assert cal.values["hiring.hire_share_college_plus"] <= cal.values["hiring.hire_share_secondary_plus"]

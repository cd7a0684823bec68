"""Issue 16, one test per reproduction: results never half-written, inputs never silently wrong."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sim.cli.main import main
from sim.folders import OutputFolder, verify
from sim.population import write_roster
from sim.population.synthetic import synthetic_population
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"
SMALL = ["--set", "population.synthetic.townships=2", "--set", "time.horizon_months=36"]


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def one_error(err: str) -> None:
    assert err.count("fenliu: error:") == 1 and "Traceback" not in err, err


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a command simulates: outputs must be checked before."""

    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError("simulated before checking the output location")

    monkeypatch.setattr("sim.cli.run_cmd.run", refuse)
    monkeypatch.setattr("sim.cli.compare_cmd.compare", refuse)
    monkeypatch.setattr("sim.cli.scenario_cmd.build_population", refuse)


# ----- 1. a re-run never leaves a folder that mixes two runs ----------------------------------------------------
def test_rerun_replaces_the_whole_folder_and_report_refuses_mixed_files(tmp_path, capsys):
    out = tmp_path / "X"
    code, err = run_cli(capsys, "run", BASE, *SMALL, "-n", "2", "--seed", "1", "--events", "--no-report", "--out", out)
    assert code == 0, err
    old_events = (out / "events.parquet").read_bytes()
    code, err = run_cli(capsys, "run", BASE, *SMALL, "-n", "3", "--seed", "2", "--no-report", "--out", out)
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert (manifest["seed"], manifest["replications"]) == (2, 3)
    assert not (out / "events.parquet").exists()  # the old run's event log went with the old run
    assert pd.read_parquet(out / "monthly.parquet")["replication"].nunique() == 3
    files = {"monthly.parquet", "summary.csv", "risk.csv", "by_township.parquet", "by_channel.parquet"}
    assert set(manifest["files"]) == files and verify(out)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries, no lock left
    # a file from another run beside the manifest, or an edited file: report refuses
    (out / "events.parquet").write_bytes(old_events)
    code, err = run_cli(capsys, "report", out)
    assert code == 2 and "events.parquet is not in the manifest" in err and str(out) in err
    one_error(err)
    (out / "events.parquet").unlink()
    (out / ".report.html.tmp-999999999").write_text("half a report", "utf-8")  # a killed `fenliu report`
    (out / "summary.csv").write_text("metric,month,mean\nheadcount_total,0,1\n", "utf-8")
    code, err = run_cli(capsys, "report", out)
    assert code == 2 and "summary.csv differs" in err
    assert not (out / ".report.html.tmp-999999999").exists()  # cleaned up (its process is gone)
    assert not (out / "report.html").exists()


def test_second_run_into_a_locked_folder_is_refused_and_stale_temporaries_go(tmp_path, capsys):
    out = tmp_path / "X"
    (tmp_path / ".X.tmp-4242").mkdir()  # what a killed run leaves
    (tmp_path / ".X.tmp-4242" / "monthly.parquet").write_bytes(b"half")
    with OutputFolder(out):  # another fenliu command is writing X
        code, err = run_cli(capsys, "run", BASE, *SMALL, "-n", "1", "--no-report", "--out", out)
        assert code == 2 and "another fenliu command is writing this folder" in err and str(out) in err
        one_error(err)
    assert not (tmp_path / ".X.tmp-4242").exists()  # the first command cleaned up what the killed run left
    code, err = run_cli(capsys, "run", BASE, *SMALL, "-n", "1", "--no-report", "--out", out)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X"]


def test_a_folder_fenliu_did_not_write_is_replaced_only_with_force(tmp_path, capsys, no_simulation):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.html").write_text("<p>my own report</p>", "utf-8")
    code, err = run_cli(capsys, "run", BASE, *SMALL, "--out", out)
    assert code == 2 and "fenliu did not write" in err and "--force" in err
    one_error(err)
    assert (out / "report.html").read_text("utf-8") == "<p>my own report</p>"


def test_force_replaces_a_foreign_folder(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", "utf-8")
    code, err = run_cli(capsys, "run", BASE, *SMALL, "-n", "1", "--no-report", "--force", "--out", out)
    assert code == 0, err
    assert not (out / "notes.txt").exists() and verify(out)


# ----- 2. non-finite and implausible values --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("population.synthetic.salary_admin=inf", "expected a finite number"),
        ("population.synthetic.appraisal_mean=nan", "expected a finite number"),
        ("population.synthetic.age_sd=inf", "expected a finite number"),
        ("attrition.quit_rate=inf", "expected a finite number"),
        ("fiscal.initial_debt=-inf", "expected a finite number"),
        ("population.synthetic.salary_admin=1e12", "yuan/month"),
        ("population.synthetic.age_sd=300", "120 years"),
        ("time.horizon_months=1000000000000", "1200 months"),
        ("reform.cut_admin=1.5", "less than or equal to 1"),
    ],
)
def test_non_finite_and_out_of_domain_values_are_refused(override, expected, capsys):
    code, err = run_cli(capsys, "validate", BASE, "--set", override)
    assert code == 2 and expected in err and repr(override.partition("=")[0]) in err, err
    one_error(err)


def test_every_float_of_the_schema_refuses_infinity():
    """Generic: any float key, present or added later, refuses inf (the check lives in the Section base)."""
    data = Scenario().model_dump(mode="json")
    checked = 0
    for section, values in data.items():
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if isinstance(value, float):
                with pytest.raises(Exception, match="finite"):
                    Scenario.model_validate({**data, section: {**values, key: float("inf")}})
                checked += 1
    assert checked > 20


def test_a_roster_person_aged_200_is_refused(tmp_path, capsys):
    scenario = Scenario(population={"synthetic": {"townships": 2}})
    population = synthetic_population(scenario, 1)
    birth = population.birth.copy()
    birth[3] = scenario.time.start_abs - 200 * 12
    entry = population.entry.copy()
    entry[3] = birth[3] + 20 * 12
    roster = tmp_path / "roster.csv"
    write_roster(dataclasses.replace(population, birth=birth, entry=entry), roster)
    file = tmp_path / "s.toml"
    file.write_text(f'extends = "{BASE}"\n[population]\nsource = "roster"\nroster = "roster.csv"\n', "utf-8")
    code, err = run_cli(capsys, "validate", file)
    assert code == 2 and "roster.csv" in err and "birth_date" in err and repr(population.ids[3]) in err, err
    assert "200 years" in err
    one_error(err)


# ----- 3. names are names -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["/some/abs/path", "../../x", "a/b", "..", ".hidden"])
def test_a_name_that_is_a_path_is_refused(name, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = run_cli(capsys, "run", BASE, *SMALL, "--set", f"name={json.dumps(name)}")
    assert code == 2 and "key 'name'" in err and "--out" in err, err
    one_error(err)
    spec = tmp_path / "s.toml"
    spec.write_text(f'name = {json.dumps(name)}\nbase = "{BASE}"\n[levers."hiring.freeze_months"]\nvalues = [0]\n')
    code, err = run_cli(capsys, "sweep", spec)
    assert code == 2 and "name" in err, err
    assert list(tmp_path.iterdir()) == [spec]  # nothing written anywhere


# ----- 4. every failure exits 2 with one message, outputs checked before simulating ----------------------------
@pytest.mark.parametrize("command", ["run", "compare", "roster"])
def test_invalid_out_is_refused_before_simulating(command, tmp_path, capsys, no_simulation):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder", "utf-8")
    bad = blocker / "sub" / ("x.csv" if command == "roster" else "out")
    args = {"run": ["run", BASE], "compare": ["compare", BASE, BASE], "roster": ["roster", BASE]}[command]
    code, err = run_cli(capsys, *args, *SMALL, "--out", bad)
    assert code == 2 and str(blocker) in err, err
    one_error(err)


def test_sweep_and_report_outputs_are_checked(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", "utf-8")
    spec = tmp_path / "s.toml"
    spec.write_text(f'name = "s"\nbase = "{BASE}"\n[levers."hiring.freeze_months"]\nvalues = [0]\n', "utf-8")
    code, err = run_cli(capsys, "sweep", spec, "--executor", "inprocess", "--out", blocker / "sub")
    assert code == 2 and str(blocker) in err, err
    one_error(err)
    code, err = run_cli(capsys, "sweep", spec, "--executor", "inprocess", "--out", blocker)
    assert code == 2 and "not a folder" in err
    run = tmp_path / "run"
    assert run_cli(capsys, "run", BASE, *SMALL, "-n", "1", "--no-report", "--out", run)[0] == 0
    code, err = run_cli(capsys, "report", run, "--out", tmp_path)  # a folder, not a file
    assert code == 2 and "is a folder; expected a file name" in err
    code, err = run_cli(capsys, "report", run, "--out", blocker / "r.html")
    assert code == 2 and str(blocker) in err
    one_error(err)


@pytest.mark.parametrize("case", ["gbk", "binary", "folder", "extends folder"])
def test_unreadable_scenario_files_exit_2(case, tmp_path, capsys):
    file = tmp_path / "s.toml"
    if case == "gbk":
        file.write_bytes('name = "乡镇"\n'.encode("gbk"))
    elif case == "binary":
        file.write_bytes(bytes(range(256)))
    elif case == "folder":
        file.mkdir()
    else:
        (tmp_path / "sub").mkdir()
        file.write_text('extends = "sub"\n', "utf-8")
    code, err = run_cli(capsys, "validate", file)
    assert code == 2, err
    one_error(err)
    expected = {"gbk": "not UTF-8", "binary": "not UTF-8", "folder": "found a folder", "extends folder": "folder"}
    assert expected[case] in err and "s.toml" in err or "sub" in err


def test_a_roster_with_id_and_ID_columns_exits_2(tmp_path, capsys):
    roster = tmp_path / "r.csv"
    population = synthetic_population(Scenario(population={"synthetic": {"townships": 2}}), 1)
    write_roster(population, roster)
    frame = pd.read_csv(roster, dtype=str)
    frame.insert(1, "ID", frame["id"])
    frame.to_csv(roster, index=False)
    file = tmp_path / "s.toml"
    file.write_text(f'extends = "{BASE}"\n[population]\nsource = "roster"\nroster = "r.csv"\n', "utf-8")
    code, err = run_cli(capsys, "validate", file)
    assert code == 2 and "'id'" in err and "r.csv" in err, err
    one_error(err)


# ----- 5. spreadsheet formula injection ----------------------------------------------------------------------------
def test_roster_exports_write_formulas_as_text(tmp_path):
    population = synthetic_population(Scenario(population={"synthetic": {"townships": 2}}), 1)
    ids = population.ids.astype(object).copy()
    attacks = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    ids[: len(attacks)] = attacks
    hostile = dataclasses.replace(population, ids=ids)
    write_roster(hostile, tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(newline="", encoding="utf-8") as fh:
        written = [row[0] for row in csv.reader(fh)][1:]
    assert written[:5] == ["'" + a for a in attacks[:5]]
    assert b"'\rx" in (tmp_path / "r.csv").read_bytes()
    write_roster(hostile, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    cells = [sheet.cell(row=k + 2, column=1) for k in range(len(attacks))]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    assert [c.value for c in cells[:5]] == ["'" + a for a in attacks[:5]]
    assert cells[5].value.startswith("'")  # (XML turns the carriage return into a line feed)
    salary = [sheet.cell(row=k + 2, column=10).value for k in range(3)]
    assert all(isinstance(v, float) for v in salary)  # numbers stay numbers


# ----- 7. messages that do not depend on the hash seed, strict types ---------------------------------------------
def test_cross_key_blame_is_the_same_whatever_the_hash_seed(tmp_path):
    (tmp_path / "a.toml").write_text(
        f'extends = "{BASE}"\n[reform]\nmonth = 12\ndeadline_month = 20\ncut_admin = 0.1\nprotection_months = 3\n'
        "cut_institution = 0.2\nrecruit_age_mean = 24.0\n",
        "utf-8",
    )
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n[reform]\nmonth = 25\n', "utf-8")
    errors = set()
    for seed in ("0", "3"):  # before the fix, seed 3 blamed a.toml and seed 0 b.toml
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "sim", "validate", str(tmp_path / "b.toml")],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        errors.add(done.stderr)
    assert len(errors) == 1
    assert "b.toml" in errors.pop()  # the later layer, which set the month that breaks the rule


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("time.horizon_months=true", "expected an integer"),
        ("reform.enabled='yes'", "expected true or false"),
        ("reform.enabled='off'", "expected true or false"),
        ("reform.enabled=1", "expected true or false"),
        ("reform.cut_admin='0.2'", "expected a number"),
        ("run.replications=2.5", "integer"),
    ],
)
def test_strict_types(override, expected, capsys):
    code, err = run_cli(capsys, "validate", BASE, "--set", override)
    assert code == 2 and expected in err, err
    one_error(err)


def test_true_and_numbers_keep_working():
    s = load_scenario(BASE, ["reform.enabled=false", "reform.cut_admin=1", "time.horizon_months=60.0"])
    assert s.reform.enabled is False and s.reform.cut_admin == 1.0 and s.time.horizon_months == 60


def test_unknown_free_key_is_reported_as_unknown(tmp_path, capsys):
    targets = ROOT / "scenarios" / "targets" / "suzhou.toml"
    code, err = run_cli(capsys, "calibrate", BASE, "--targets", targets, "--free", "reform.cut_adminn")
    assert code == 2 and "is not a key of the scenario" in err and "did you mean 'reform.cut_admin'" in err, err
    assert "has no bounds" not in err


def test_population_ids_are_strings():
    """Guard for the export test above: the roster writer receives text ids."""
    population = synthetic_population(Scenario(population={"synthetic": {"townships": 1}}), 1)
    assert isinstance(population.ids[0], str | np.str_)


def test_a_comparison_and_its_run_folders_are_sealed(tmp_path, capsys):
    out = tmp_path / "cmp"
    code, err = run_cli(
        capsys, "compare", BASE, BASE, *SMALL, "-n", "2", "--executor", "inprocess", "--no-report", "--out", out
    )
    assert code == 0, err
    assert verify(out) and all(verify(sub) for sub in out.iterdir() if sub.is_dir())
    assert {"00-base/monthly.parquet", "01-base-2/manifest.json", "bands.parquet"} <= set(
        json.loads((out / "manifest.json").read_text("utf-8"))["files"]
    )


# ----- a replication count has an upper bound (issue 16's gap) ---------------------------------------------------
TARGETS = ROOT / "scenarios" / "targets" / "hengyang.toml"


@pytest.mark.parametrize(
    ("args", "flag", "least"),
    [
        (["run", BASE, "-n", "100000"], "--replications", 1),
        (["run", BASE, "-n", "0"], "--replications", 1),
        (["compare", BASE, BASE, "--replications", "10001"], "--replications", 1),
        (["calibrate", BASE, "--targets", TARGETS, "-n", "100000"], "--replications", 1),
        (["validate-model", "-n", "100000"], "--replications", 2),
        (["run", BASE, "--set", "run.replications=100000"], "'run.replications'", 1),
    ],
)
def test_a_replication_count_beyond_the_bound_is_refused(
    args, flag, least, tmp_path, capsys, monkeypatch, no_simulation
):
    import sim

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sim, "calibrate", lambda *a, **k: pytest.fail("calibrated past the check"))
    code, err = run_cli(capsys, *args)
    assert code == 2 and flag in err and str(least) in err and ("10,000" in err or "10000" in err), err
    one_error(err)
    assert list(tmp_path.iterdir()) == []  # nothing written, no results/ folder


@pytest.mark.parametrize("key", ["replications = 100000", "[budget]\nconfirm_replications = 100000"])
def test_a_spec_with_too_many_replications_is_refused(key, tmp_path, capsys):
    spec = tmp_path / "s.toml"
    if "budget" in key:
        command = "optimise"
        spec.write_text(
            f'name = "s"\nbase = "{BASE}"\nobjective = "cost_one_time_total"\n'
            f'[levers."hiring.freeze_months"]\nlow = 0\nhigh = 12\n{key}\n',
            "utf-8",
        )
    else:
        command = "sweep"
        spec.write_text(f'name = "s"\nbase = "{BASE}"\n{key}\n[levers."hiring.freeze_months"]\nvalues = [0]\n', "utf-8")
    code, err = run_cli(capsys, command, spec, "--executor", "inprocess", "--out", tmp_path / "out")
    assert code == 2 and "replications" in err and "10000" in err, err
    one_error(err)
    assert list(tmp_path.iterdir()) == [spec]

"""Bad input: exit code 2, one clear message (file, key or row, expected, found), no traceback,
and nothing written to the output folder.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from scenario_helpers import BASE

from sim.cli import main
from sim.scenario.schema import Scenario

ROSTER_HEADER = "id,township,sector,sex,birth_date,entry_date,education,status,leader,salary,appraisal"
GOOD_ROW = "P1,Fengqiao,admin,M,1962-05,1983-09,college,cadre,1,1850,82.5"


@dataclass
class Case:
    """A bad input: files to write, the command-line arguments, and what the message must name."""

    files: dict[str, str]
    args: list[str]
    expect: list[str] = field(default_factory=list)  # substrings; "{dir}" is the case folder
    command: str = "run"


def toml(body: str) -> str:
    return f'extends = "{BASE.as_posix()}"\n{body}\n'


def roster_case(rows: list[str], expect: list[str], header: str = ROSTER_HEADER) -> Case:
    return Case(
        files={
            "scenario.toml": 'name = "r"\n[population]\nsource = "roster"\nroster = "roster.csv"\n',
            "roster.csv": "\n".join([header, *rows]) + "\n",
        },
        args=["scenario.toml"],
        expect=["{dir}/roster.csv", *expect],
    )


CASES: dict[str, Case] = {
    "unknown top-level key": Case(
        {"scenario.toml": toml('colour = "red"')}, ["scenario.toml"], ["{dir}/scenario.toml", "'colour'", "unknown key"]
    ),
    "unknown nested key": Case(
        {"scenario.toml": toml("[reform]\ncutt_admin = 0.2")},
        ["scenario.toml"],
        ["{dir}/scenario.toml", "'reform.cutt_admin'", "unknown key", "did you mean 'cut_admin'"],
    ),
    "wrong type": Case(
        {"scenario.toml": toml('[reform]\nmonth = "soon"')},
        ["scenario.toml"],
        ["{dir}/scenario.toml", "'reform.month'", "integer", "found 'soon'"],
    ),
    "probability above 1": Case(
        {"scenario.toml": toml("[reform]\ncut_admin = 1.5")},
        ["scenario.toml"],
        ["{dir}/scenario.toml", "'reform.cut_admin'", "less than or equal to 1", "found 1.5"],
    ),
    "negative money via --set": Case(
        {"scenario.toml": toml("")},
        ["scenario.toml", "--set", "population.synthetic.salary_admin=-5"],
        ["--set", "'population.synthetic.salary_admin'", "greater than or equal to 0", "found -5"],
    ),
    "negative count in a list via --set": Case(
        {"scenario.toml": toml("")},
        ["scenario.toml", "--set", "township_classes.0.staff_admin=-1"],
        ["--set", "'township_classes.0.staff_admin'", "greater than or equal to 0", "found -1"],
    ),
    "negative count in a file's list": Case(
        {"scenario.toml": toml('[[township_classes]]\nname = "all"\nstaff_institution = -3')},
        ["scenario.toml"],
        ["{dir}/scenario.toml", "'township_classes.0.staff_institution'", "found -3"],
    ),
    "extends cycle": Case(
        {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'},
        ["a.toml"],
        ["cycle", "{dir}/a.toml", "{dir}/b.toml"],
    ),
    "missing extends file": Case(
        {"scenario.toml": 'extends = "nothere.toml"\n'},
        ["scenario.toml"],
        ["{dir}/scenario.toml", "'extends'", "nothere.toml", "not found"],
    ),
    "missing scenario file": Case({}, ["absent.toml"], ["absent.toml", "not found"]),
    "malformed TOML": Case(
        {"scenario.toml": 'name = "x\n[reform]\n'}, ["scenario.toml"], ["{dir}/scenario.toml", "TOML", "line 1"]
    ),
    "--set without =": Case(
        {"scenario.toml": toml("")},
        ["scenario.toml", "--set", "reform.cut_admin0.2"],
        ["'reform.cut_admin0.2'", "KEY=VALUE"],
    ),
    "--set unknown key": Case(
        {"scenario.toml": toml("")},
        ["scenario.toml", "--set", "reform.cutt_admin=0.2"],
        ["--set", "'reform.cutt_admin'", "unknown key"],
    ),
    "--set wrong type": Case(
        {"scenario.toml": toml("")},
        ["scenario.toml", "--set", "reform.month=soon"],
        ["--set", "'reform.month'", "found 'soon'"],
    ),
    "--set index out of range": Case(
        {"scenario.toml": toml("")},
        ["scenario.toml", "--set", "township_classes.3.staff_admin=10"],
        ["--set", "township_classes.3.staff_admin", "'3'"],
    ),
    "--set into a value": Case(
        {"scenario.toml": toml("")},
        ["scenario.toml", "--set", "reform.cut_admin.share=0.1"],
        ["--set", "'reform.cut_admin'", "not a table"],
    ),
    "replications below 1": Case({"scenario.toml": toml("")}, ["scenario.toml", "-n", "0"], ["--replications", "0"]),
    "negative seed": Case({"scenario.toml": toml("")}, ["scenario.toml", "--seed", "-1"], ["--seed", "-1"]),
    "roster missing columns": roster_case(
        ["P1,Fengqiao,admin,M"], ["birth_date", "entry_date", "required column"], header="id,township,sector,sex"
    ),
    "roster unparseable date": roster_case(
        [GOOD_ROW, "P2,Fengqiao,admin,F,1970-13,1990-09,college,cadre,0,1500,70"],
        ["row 3", "birth_date", "YYYY-MM", "'1970-13'"],
    ),
    "roster born after entry": roster_case(
        [GOOD_ROW, "P2,Fengqiao,admin,F,1991-03,1990-09,college,cadre,0,1500,70"],
        ["row 3", "birth_date", "1991-03", "1990-09"],
    ),
    "roster entry in the future": roster_case(
        [GOOD_ROW, "P2,Fengqiao,admin,F,1970-03,2007-09,college,cadre,0,1500,70"],
        ["row 3", "entry_date", "2007-09", "2005-01"],
    ),
    "roster duplicate ids": roster_case(
        [GOOD_ROW, GOOD_ROW.replace("1962-05", "1963-01")], ["row 3", "id", "duplicate id 'P1'", "row 2"]
    ),
    "roster file missing": Case(
        {"scenario.toml": '[population]\nsource = "roster"\nroster = "gone.csv"\n'},
        ["scenario.toml"],
        ["{dir}/gone.csv", "not found"],
    ),
}

# sections that arrive with later issues: checked when the schema has them
if "channels" in Scenario.model_fields:
    CASES["negative places"] = Case(
        {"scenario.toml": toml("[channels.teacher]\nplaces_per_year = -3")},
        ["scenario.toml"],
        ["{dir}/scenario.toml", "'channels.teacher.places_per_year'", "found -3"],
    )
if "diversion" in Scenario.model_fields:
    CASES["unknown channel id"] = Case(
        {"scenario.toml": toml('[diversion]\norder = ["teacher", "navy"]')},
        ["scenario.toml"],
        ["{dir}/scenario.toml", "diversion.order", "'navy'"],
    )


def write_case(case: Case, folder: Path) -> None:
    for name, text in case.files.items():
        (folder / name).write_text(text, encoding="utf-8")


def resolve(case: Case, folder: Path) -> list[str]:
    return [str(folder / a) if a.endswith(".toml") else a for a in case.args]


def check_message(stderr: str, case: Case, folder: Path) -> None:
    assert "Traceback" not in stderr
    assert stderr.count("fenliu: error:") == 1, stderr
    assert stderr.startswith("fenliu: error:"), stderr
    for want in case.expect:
        want = want.replace("{dir}", str(folder))
        assert want in stderr, f"message lacks {want!r}:\n{stderr}"


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_run(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    tmp_path = tmp_path.resolve()
    write_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)  # a default results/ folder would land here
    out = tmp_path / "out"
    code = main([case.command, *resolve(case, tmp_path), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    check_message(captured.err, case, tmp_path)
    assert captured.out == ""
    assert not out.exists(), "output folder written despite bad input"
    assert not (tmp_path / "results").exists()


VALIDATE_CASES = ["unknown nested key", "extends cycle", "--set without =", "roster duplicate ids", "malformed TOML"]


@pytest.mark.parametrize("name", VALIDATE_CASES)
@pytest.mark.parametrize("command", ["validate", "show"])
def test_bad_input_validate_and_show(
    name: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[name]
    tmp_path = tmp_path.resolve()
    write_case(case, tmp_path)
    code = main([command, *resolve(case, tmp_path)])
    captured = capsys.readouterr()
    if command == "show" and name.startswith("roster"):
        assert code == 0  # show resolves the scenario only; it does not read the roster
        return
    assert code == 2, captured.err
    check_message(captured.err, case, tmp_path)


def test_out_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    target.write_text("keep me", encoding="utf-8")
    code = main(["run", str(BASE), "--set", "population.synthetic.townships=1", "--out", str(target)])
    captured = capsys.readouterr()
    assert code == 2
    assert "--out" in captured.err and "not a folder" in captured.err
    assert target.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("name", ["unknown nested key", "roster unparseable date", "--set without ="])
def test_bad_input_through_a_real_process(name: str, tmp_path: Path) -> None:
    """The installed entry point, in its own process: exit code 2 and no traceback."""
    case = CASES[name]
    tmp_path = tmp_path.resolve()
    write_case(case, tmp_path)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", *resolve(case, tmp_path), "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    check_message(done.stderr, case, tmp_path)
    assert not out.exists()

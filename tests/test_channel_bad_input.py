"""Bad channel and pool input on the command line: exit code 2, one message naming the file (or
--set) and the key, no traceback, nothing written to --out.

The cases of the issue run through the real command line (`python -m sim run`), started together
(each process pays the interpreter's and the package's start-up) and checked one by one; the
variants run through the same entry point in this process.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim.cli import main

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"


@dataclass(frozen=True)
class Case:
    body: str  # TOML after `extends = base`
    expect: list[str]  # substrings of stderr; "{file}" is the scenario file
    args: list[str] = field(default_factory=list)
    process: bool = True  # through a real `python -m sim` process


CASES: dict[str, Case] = {
    "unknown channel table": Case(
        "[channels.teachers]\nplaces_per_year = 3", ["{file}", "'channels.teachers'", "unknown key", "'teacher'"]
    ),
    "unknown channel in the order": Case(
        '[diversion]\norder = ["teacher", "pilot"]', ["{file}", "diversion.order", "'pilot'"]
    ),
    "unknown channel via --set": Case(
        "",
        ["--set", "'channels.pilot'", "unknown key"],
        ["--set", "channels.pilot.open=true"],
        process=False,
    ),
    "negative places": Case(
        "[channels.police]\nplaces_per_year = -1", ["{file}", "'channels.police.places_per_year'", "found -1"]
    ),
    "negative initial money": Case(
        "[pool]\ninitial_balance = -5.0", ["{file}", "'pool.initial_balance'", "found -5.0"]
    ),
    "negative contribution": Case(
        '[pool]\ncontributors = [{name = "county", amount = -100.0}]',
        ["{file}", "'pool.contributors.0.amount'", "found -100.0"],
    ),
    "negative subsidy": Case(
        "[channels.enterprise]\nplacement_subsidy = -1.0",
        ["{file}", "'channels.enterprise.placement_subsidy'"],
        process=False,
    ),
    "age band upside down": Case(
        "[channels.police]\nage_min = 50\nage_max = 35", ["{file}", "'channels.police'", "age_min", "age_max"]
    ),
    "negative lead time": Case(
        "[channels.teacher]\nlead_time_months = -1", ["{file}", "'channels.teacher.lead_time_months'", "found -1"]
    ),
    "contribution beyond the horizon": Case(
        '[pool]\ncontributors = [{name = "county", amount = 100.0, first_month = 500}]',
        ["{file}", "'pool.contributors.0.first_month'", "500", "time.horizon_months"],
    ),
    "contribution beyond the horizon via --set": Case(
        "",
        ["--set", "'pool.contributors.1.first_month'", "500"],
        ["--set", "pool.contributors.1.first_month=500"],
        process=False,
    ),
}


def _write(case: Case, folder: Path) -> list[str]:
    scenario = folder / "scenario.toml"
    scenario.write_text(f'extends = "{BASE.as_posix()}"\n{case.body}\n', encoding="utf-8")
    return ["run", str(scenario), *case.args, "--out", str(folder / "out"), "-n", "1"]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int, str]]:
    """Start every real-process case at once, then collect (folder, exit code, stderr)."""
    procs = {}
    for name, case in CASES.items():
        if not case.process:
            continue
        folder = tmp_path_factory.mktemp("bad").resolve()
        cmd = [sys.executable, "-m", "sim", *_write(case, folder)]
        procs[name] = (
            folder,
            subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        )
    out = {}
    for name, (folder, proc) in procs.items():
        _, stderr = proc.communicate(timeout=300)
        out[name] = (folder, proc.returncode, stderr)
    return out


def _check(name: str, folder: Path, code: int, stderr: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("fenliu: error:") and stderr.count("fenliu: error:") == 1, stderr
    for want in CASES[name].expect:
        want = want.replace("{file}", str(folder / "scenario.toml"))
        assert want in stderr, f"message lacks {want!r}:\n{stderr}"
    assert not (folder / "out").exists(), "output folder written despite bad input"
    assert not (folder / "results").exists()


def _params(process: bool) -> list[object]:
    return [n for n, c in CASES.items() if c.process == process]


@pytest.mark.parametrize("name", _params(process=True))
def test_bad_channel_input_is_refused_by_the_command(name: str, outcomes: dict[str, tuple[Path, int, str]]) -> None:
    _check(name, *outcomes[name])


@pytest.mark.parametrize("name", _params(process=False))
def test_bad_channel_input_variants(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path.resolve()
    monkeypatch.chdir(folder)
    code = main(_write(CASES[name], folder))
    captured = capsys.readouterr()
    assert captured.out == ""
    _check(name, folder, code, captured.err)

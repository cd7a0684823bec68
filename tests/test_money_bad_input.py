"""Bad money, rate and rebound input: exit code 2, one message naming the key, no traceback,
nothing written.

The four cases of the issue run the real entry point in their own processes (started together,
as each pays the package's import time); further cases go through `sim.cli.main` in-process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"

# --set value → what the message must contain
PROCESS_CASES = {
    "fiscal.transfers=-1": ["'fiscal.transfers'", "greater than or equal to 0", "-1"],
    "channels.resignation.placement_subsidy=-5": ["'channels.resignation.placement_subsidy'", "-5"],
    "channels.enterprise.return_hazard=1.5": ["'channels.enterprise.return_hazard'", "less than or equal to 1", "1.5"],
    "money.discount_rate=-1": ["'money.discount_rate'", "greater than -1", "-1"],
}

IN_PROCESS_CASES = {
    "money.discount_rate=-2.5": ["'money.discount_rate'", "-2.5"],
    "money.wage_growth=-1": ["'money.wage_growth'", "greater than -1"],
    "fiscal.own_revenue=-0.01": ["'fiscal.own_revenue'", "-0.01"],
    "fiscal.initial_debt=-1": ["'fiscal.initial_debt'"],
    "fiscal.withhold_share=1.2": ["'fiscal.withhold_share'", "1.2"],
    "channels.termination.severance_months_per_year=-1": ["'channels.termination.severance_months_per_year'"],
    "channels.teacher.fixed_payment=-100": ["'channels.teacher.fixed_payment'"],
    "channels.early_retirement.recurring_share=-0.2": ["'channels.early_retirement.recurring_share'"],
    "channels.police.return_hazard=-0.1": ["'channels.police.return_hazard'"],
    "channels.termination.pension_buyin_rate=1.5": ["'channels.termination.pension_buyin_rate'"],
    "diversion.allowance_share=-0.1": ["'diversion.allowance_share'"],
    "pool.initial_balance=-1": ["'pool.initial_balance'"],
    "pool.contributors.0.amount=-3": ["'pool.contributors.0.amount'", "-3"],
    "pool.contributors.1.late_probability=2": ["'pool.contributors.1.late_probability'"],
    "rebound.enforcement=1.01": ["'rebound.enforcement'", "1.01"],
    "rebound.return_success=-0.5": ["'rebound.return_success'"],
    "rebound.request_rate=-1": ["'rebound.request_rate'"],
    "rebound.max_petitions=5": ["'rebound.max_petitions'", "5"],
}

FILE_CASES = {
    "[money]\ndiscount_rate = -1": ["'money.discount_rate'"],
    "[channels.enterprise]\nreturn_hazard = 1.5": ["'channels.enterprise.return_hazard'"],
    "[fiscal]\ntransfers = -1": ["'fiscal.transfers'"],
}


def check(code: int, stderr: str, expect: list[str], out: Path, folder: Path) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("fenliu: error:") and stderr.count("fenliu: error:") == 1, stderr
    for want in expect:
        assert want in stderr, f"message lacks {want!r}:\n{stderr}"
    assert not out.exists(), "output folder written despite bad input"
    assert not (folder / "results").exists()


@pytest.fixture(scope="module")
def processes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, Path, Path]]:
    """Run every PROCESS_CASE through `python -m sim run` at once; their exit codes and stderr."""
    started = {}
    for k, setting in enumerate(PROCESS_CASES):
        folder = tmp_path_factory.mktemp(f"bad{k}")
        out = folder / "out"
        command = [sys.executable, "-m", "sim", "run", str(BASE), "--out", str(out), "--set", setting]
        proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started[setting] = (proc, out, folder)
    done = {}
    for setting, (proc, out, folder) in started.items():
        _, stderr = proc.communicate(timeout=180)
        done[setting] = (proc.returncode, stderr, out, folder)
    return done


@pytest.mark.parametrize("setting", list(PROCESS_CASES))
def test_bad_money_through_a_real_process(setting: str, processes: dict[str, tuple[int, str, Path, Path]]) -> None:
    code, stderr, out, folder = processes[setting]
    check(code, stderr, ["--set", *PROCESS_CASES[setting]], out, folder)


@pytest.mark.parametrize("setting", list(IN_PROCESS_CASES))
def test_bad_money_via_set(
    setting: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code = main(["run", str(BASE), "--out", str(out), "--set", setting])
    captured = capsys.readouterr()
    check(code, captured.err, ["--set", *IN_PROCESS_CASES[setting]], out, tmp_path)
    assert captured.out == ""


@pytest.mark.parametrize("body", list(FILE_CASES))
def test_bad_money_in_a_scenario_file(
    body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path.resolve()
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "scenario.toml"
    path.write_text(f'extends = "{BASE.as_posix()}"\n{body}\n', encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(path), "--out", str(out)])
    captured = capsys.readouterr()
    check(code, captured.err, [str(path), *FILE_CASES[body]], out, tmp_path)

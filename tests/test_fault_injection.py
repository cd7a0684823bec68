"""kill -9 at random moments: a results folder is always the previous complete result or the new one;
`--resume` then gives the tables of an uninterrupted sweep, byte for byte; no worker outlives its parent.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import sim
from sim.cli.main import main
from sim.folders import verify

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"
SMALL = ["--set", "population.synthetic.townships=2", "--set", "time.horizon_months=36"]
DATA = ("monthly.parquet", "summary.csv")
TABLES = ("design.parquet", "summary.parquet", "points/*.parquet")


def start(*args: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *map(str, args)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill_after(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """SIGKILL the command (and its process group) after `seconds`; False if it had finished."""
    try:
        proc.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        return True


def data_of(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in DATA}


def tables_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for pattern in TABLES for p in sorted(folder.glob(pattern))
    }


def test_killed_runs_leave_the_previous_or_the_new_result(tmp_path):
    new_ref, out = tmp_path / "new", tmp_path / "X"
    assert main(["run", str(BASE), *SMALL, "-n", "4", "--seed", "2", "--no-report", "--out", str(new_ref)]) == 0
    assert main(["run", str(BASE), *SMALL, "-n", "2", "--seed", "1", "--no-report", "--out", str(out)]) == 0
    previous, new = data_of(out), data_of(new_ref)
    outcomes = set()
    for seed in (1, 2, 3):
        moment = random.Random(seed).uniform(0.5, 4.0)
        cmd = ("run", BASE, *SMALL, "-n", "4", "--seed", "2", "--out", out)
        killed = kill_after(start(*cmd), moment)
        assert verify(out), "the folder's files disagree with its manifest"
        seed_in_folder = json.loads((out / "manifest.json").read_text("utf-8"))["seed"]
        found = data_of(out)
        assert found == (previous if seed_in_folder == 1 else new)
        outcomes.add((killed, seed_in_folder))
        if seed_in_folder == 2:  # back to the previous result for the next moment
            assert main(["run", str(BASE), *SMALL, "-n", "2", "--seed", "1", "--no-report", "--out", str(out)]) == 0
    # after a later run nothing of the killed ones is left beside the folder
    assert main(["run", str(BASE), *SMALL, "-n", "2", "--seed", "1", "--no-report", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X", "new"]
    assert any(killed for killed, _ in outcomes), "no run was killed: the moments are too late for this machine"


def _spec(path: Path) -> Path:
    path.write_text(
        f'name = "faults"\nbase = "{BASE}"\nseed = 3\nreplications = 2\nreplications_per_job = 1\n'
        '[set]\n"population.synthetic.townships" = 2\n"time.horizon_months" = 36\n'
        '[design]\nkind = "lhs"\npoints = 4\n'
        '[parameters."reform.cut_admin"]\nlow = 0.05\nhigh = 0.3\n',
        "utf-8",
    )
    return path


def test_killed_sweeps_leave_the_previous_or_the_new_result_and_resume_gives_identical_tables(tmp_path):
    spec = _spec(tmp_path / "faults.toml")
    reference = sim.sweep(spec, out=tmp_path / "ref", executor="inprocess", progress=False, report=False)
    expected = tables_of(reference.folder)
    assert len(expected) == 6
    out = tmp_path / "S"
    for seed in (1, 2):
        moment = random.Random(seed).uniform(0.5, 4.0)
        restart = ["--force"] if out.exists() else []  # start over: the complete sweep must survive the kill
        kill_after(start("sweep", spec, "--executor", "inprocess", "--no-report", "-q", "--out", out, *restart), moment)
        if out.exists():  # never a partial sweep at the target
            assert verify(out) and json.loads((out / "manifest.json").read_text("utf-8"))["status"] == "complete"
            assert tables_of(out) == expected
        code = main(["sweep", str(spec), "--executor", "inprocess", "--no-report", "-q", "--out", str(out), "--resume"])
        assert code == 0
        assert tables_of(out) == expected and verify(out)
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process tree checked through /proc")
def test_pool_workers_and_resource_tracker_die_with_a_killed_sweep(tmp_path):
    spec = _spec(tmp_path / "faults.toml")
    text = spec.read_text("utf-8").replace("points = 4", "points = 40")
    spec.write_text(text, "utf-8")
    proc = start("sweep", spec, "--workers", "2", "--no-report", "-q", "--out", tmp_path / "S")
    children: list[psutil.Process] = []
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 60
        journal = tmp_path / ".S.partial" / "jobs.jsonl"
        while time.monotonic() < deadline and not (journal.is_file() and journal.stat().st_size > 0):
            time.sleep(0.05)
        children = parent.children(recursive=True)
        assert len(children) >= 3, children  # two workers and the resource tracker
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as an out-of-memory killer would
        proc.wait(timeout=30)
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"orphaned: {[p.cmdline() for p in alive]}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for child in children:  # never leave processes behind, even when the test fails
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass

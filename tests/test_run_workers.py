"""`fenliu run --workers N`: replications on a pool of processes, the same files as one process writes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sim.experiment.gather import in_order

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = ROOT / "scenarios" / "henan_province.toml"
SMALL = ["--set", "population.synthetic.townships=12", "--set", "time.horizon_months=30"]


def fenliu(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_a_run_on_two_worker_processes_writes_the_files_one_process_writes(tmp_path: Path) -> None:
    """Every table (monthly, by township, county and channel, the event log, the summary) byte for byte,
    with more replications than the pool's window so that results come back out of order."""
    folders = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        done = fenliu(
            "run", PROVINCE, *SMALL, "-n", "6", "--seed", "5", "--events", "--no-report", "--quiet",
            "--workers", str(workers), "--out", out, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert ("on 2 processes" in done.stdout) == (workers == 2), done.stdout[-300:]
        folders[workers] = out
    files = sorted(p.name for p in folders[1].iterdir() if p.suffix in (".parquet", ".csv"))
    for name in ("monthly.parquet", "by_township.parquet", "by_county.parquet", "events.parquet", "summary.csv"):
        assert name in files
    for name in files:
        assert (folders[2] / name).read_bytes() == (folders[1] / name).read_bytes(), name
    monthly = pd.read_parquet(folders[2] / "monthly.parquet")
    assert monthly["replication"].drop_duplicates().tolist() == list(range(6))  # in replication order
    assert monthly.groupby("replication")["headcount_total"].last().nunique() > 1  # six different worlds


def test_workers_below_one_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "none"
    done = fenliu("run", PROVINCE, *SMALL, "-n", "2", "--workers", "0", "--out", out, cwd=tmp_path)
    assert done.returncode == 2
    assert "--workers" in done.stderr and "at least 1" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_results_are_gathered_in_replication_order_whatever_order_they_arrive_in() -> None:
    arrivals = [(2, "c"), (0, "a"), (4, "e"), (1, "b"), (3, "d"), (5, "f")]
    taken = []

    def arriving() -> Iterator[tuple[int, str]]:
        for k, item in enumerate(arrivals):
            taken.append(k)
            yield item

    handed_on = [(number, item, len(taken)) for number, item in in_order(arriving())]
    assert [(n, i) for n, i, _ in handed_on] == [(0, "a"), (1, "b"), (2, "c"), (3, "d"), (4, "e"), (5, "f")]
    # each is handed on as soon as those before it have come, no later: 0 with the 2nd arrival, 1 and 2 with
    # the 4th, 3 and 4 with the 5th
    assert [k for _, _, k in handed_on] == [2, 4, 4, 5, 5, 6]


def test_a_missing_replication_is_an_error_not_a_shorter_run() -> None:
    with pytest.raises(RuntimeError, match="without replication 1"):
        list(in_order([(0, "a"), (2, "c")]))


def test_a_worker_killed_mid_run_ends_the_run_with_a_message_and_no_folder(tmp_path: Path) -> None:
    """kill -9 of one pool worker, as an out-of-memory killer would: exit 1, one message naming the
    replication and the likely cause, no traceback, and nothing left where the folder would have been."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "run", str(PROVINCE), "--set", "population.synthetic.townships=300"]
    command += ["-n", "30", "--workers", "2", "--no-report", "--quiet", "--out", str(out)]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        parent = psutil.Process(proc.pid)
        workers: list[psutil.Process] = []
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            workers = [c for c in parent.children() if "resource_tracker" not in " ".join(c.cmdline())]
        assert len(workers) == 2, "the pool's two workers did not start"
        time.sleep(4.0)  # the workers are past start-up and into their replications
        workers[0].kill()
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr
    assert "failed in a worker process" in stderr and "try fewer --workers" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir()), list(tmp_path.iterdir())

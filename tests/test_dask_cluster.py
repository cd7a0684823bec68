"""Sweeps on a real Dask cluster: `dask scheduler` and two `dask worker` processes on loopback.

The cluster is started with Dask's own commands (separate processes, as on a multi-machine
cluster), the sweep goes through `fenliu sweep --executor dask --scheduler ADDR`, and its
point files must be byte-identical to the in-process run (which the local pool matches, see
test_sweep.py). A scheduler address with nothing Dask behind it (a closed port, an HTTP
server) must fail within --connect-timeout with exit 2. Every process has a timeout.
"""

from __future__ import annotations

import faulthandler
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main
from sim.experiment.executors import probe_scheduler

ROOT = Path(__file__).resolve().parents[1]
SPEC = """name = "small"
base = "{base}"
seed = 11
replications = 2

[set]
"population.synthetic.townships" = 5
"time.horizon_months" = 30

[design]
kind = "lhs"
points = 3

[parameters."reform.cut_admin"]
low = 0.05
high = 0.3

[levers."hiring.freeze_months"]
values = [0, 24]
"""


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """Dump every thread and exit if a test hangs."""
    faulthandler.dump_traceback_later(240, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dask_command() -> str:
    """The `dask` command of this Python's environment; skipped outside CI when it is missing."""
    beside = Path(sys.executable).with_name("dask")
    found = str(beside) if beside.exists() else shutil.which("dask")
    if found is None:
        if os.environ.get("FENLIU_CI"):
            pytest.fail("the `dask` command (dask[distributed]) is missing in CI")
        pytest.skip("the `dask` command (dask[distributed]) is not installed")
    return found


def _stop(procs: list[subprocess.Popen]) -> None:
    """Terminate the processes this test started (their own process groups), workers before the
    scheduler so that they need not wait for it; kill any still there after 10 s."""
    for proc in reversed(procs):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1; yields the scheduler address."""
    dask = _dask_command()
    logs = tmp_path_factory.mktemp("dask-logs")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    address = f"tcp://127.0.0.1:{_free_port()}"
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> None:
        with open(logs / f"{name}.log", "wb") as log:
            procs.append(
                subprocess.Popen(
                    [dask, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    try:
        port = address.rsplit(":", 1)[1]
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")
        for k in range(2):
            start(f"worker{k}", "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                  "--host", "127.0.0.1", "--name", f"w{k}", "--death-timeout", "60")  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            dead = [p.args for p in procs if p.poll() is not None]
            assert not dead, f"a Dask process ended early: {dead}; logs in {logs}"
            try:
                if len(probe_scheduler(address, 2.0).get("workers", {})) == 2:
                    break
            except (OSError, TimeoutError):
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"the Dask cluster did not come up with two workers in 90 s; logs in {logs}")
        yield address
    finally:
        _stop(procs)


def _spec(folder: Path) -> Path:
    path = folder / "small.toml"
    path.write_text(SPEC.format(base=(ROOT / "scenarios" / "base.toml").as_posix()))
    return path


def test_sweep_on_dask_scheduler_and_workers_matches_in_process(cluster: str, tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    common = ["sweep", str(spec), "-q", "--no-report"]
    assert main([*common, "--out", str(tmp_path / "ref"), "--executor", "inprocess"]) == 0
    assert main([*common, "--out", str(tmp_path / "dask"), "--executor", "dask", "--scheduler", cluster]) == 0
    ref = {p.name: p.read_bytes() for p in sorted((tmp_path / "ref" / "points").glob("*.parquet"))}
    got = {p.name: p.read_bytes() for p in sorted((tmp_path / "dask" / "points").glob("*.parquet"))}
    assert len(ref) == 6 and got == ref
    jobs = pd.read_parquet(tmp_path / "dask" / "jobs.parquet")
    workers = set(jobs["worker"])
    assert len(workers) == 2, workers  # both `dask worker` processes ran jobs, not this one
    assert all(not w.endswith(f":{os.getpid()}") for w in workers)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def test_http_server_instead_of_a_scheduler_exits_2_within_the_timeout(tmp_path: Path, capsys) -> None:
    # it accepts the connection, then waits for a request line that never comes (a closed port:
    # test_sweep_design.py)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    out = tmp_path / "out"
    argv = ["sweep", str(_spec(tmp_path)), "--out", str(out), "-q", "--no-report", "--executor", "dask"]
    start = time.monotonic()
    try:
        code = main([*argv, "--scheduler", f"tcp://127.0.0.1:{port}", "--connect-timeout", "2"])
    finally:
        server.shutdown()
        server.server_close()
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    assert code == 2
    assert elapsed < 2 + 5, elapsed
    assert "cannot reach the Dask scheduler within 2 s" in err and "Traceback" not in err
    assert not out.exists()

"""Cluster benchmark: sweep throughput per worker on a real Dask cluster on this machine.

Starts `dask scheduler` and N `dask worker` processes (one thread each) on 127.0.0.1, runs
`fenliu sweep --executor dask --scheduler ADDR` on a Latin-hypercube sweep of the base
scenario at the given size, and reports replications per minute in all and per worker.
Everything it starts is stopped at the end.

    python benchmarks/bench_cluster.py [--workers 1 2] [--townships 110] [--points 8] [--replications 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.experiment.executors import probe_scheduler  # noqa: E402

SPEC = """name = "throughput"
base = "{base}"
seed = 3
replications = {replications}
[set]
"population.synthetic.townships" = {townships}
[design]
kind = "lhs"
points = {points}
[parameters."reform.cut_admin"]
low = 0.05
high = 0.3
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_on_cluster(workers: int, spec: Path, folder: Path) -> float:
    """Wall seconds of the sweep on a fresh cluster of `workers` workers (start-up excluded)."""
    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    address = f"tcp://127.0.0.1:{_free_port()}"
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    quiet["start_new_session"] = True
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"], **quiet)]  # fmt: skip
    procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                "--host", "127.0.0.1"], **quiet) for _ in range(workers)]  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if len(probe_scheduler(address, 2.0).get("workers", {})) == workers:
                    break
            except (OSError, TimeoutError):
                pass
            time.sleep(0.5)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", "sweep", str(spec), "--executor", "dask", "--scheduler", address,
             "--out", str(folder), "-q", "--no-report"],
            cwd=ROOT, env=env, check=True, timeout=3600,
        )  # fmt: skip
        return time.perf_counter() - start
    finally:
        for proc in reversed(procs):
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def main() -> None:
    """Print replications per minute for each cluster size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--townships", type=int, default=110)
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    runs = args.points * args.replications
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.toml"
        base = (ROOT / "scenarios" / "base.toml").as_posix()
        spec.write_text(SPEC.format(base=base, replications=args.replications, townships=args.townships,
                                    points=args.points))  # fmt: skip
        print(f"{args.townships} townships, {runs} replications per sweep")
        print(f"{'workers':>7} {'wall s':>7} {'repl/min':>9} {'repl/min/worker':>16}")
        for workers in args.workers:
            wall = run_on_cluster(workers, spec, Path(tmp) / f"w{workers}")
            rate = runs / wall * 60
            rows.append({"workers": workers, "wall_s": wall, "per_min": rate, "per_min_per_worker": rate / workers})
            print(f"{workers:7d} {wall:7.1f} {rate:9.1f} {rate / workers:16.1f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"townships": args.townships, "runs": runs, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()

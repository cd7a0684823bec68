"""Benchmark: wall time of a 1,000-run sweep on 1 and 2 workers, and the memory of parent and workers.

    python benchmarks/bench_sweep.py                   # 1,000 runs (100 points × 10), 20 townships
    python benchmarks/bench_sweep.py --runs 200 --townships 5   # a quick look

Each configuration runs in a fresh child process, so that the peak resident memory measured
(`ru_maxrss` of the process that drives the sweep, workers excluded) belongs to it alone; the
workers' peak is `ru_maxrss` of its reaped children (the largest worker).
Targets: speedup (1 worker → 2) ≥ 1.8, and parent memory flat as the number of runs grows
(the memory rows run 1/4, 1/2 and all of the runs on 2 workers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"


def spec(points: int, replications: int, townships: int) -> dict:
    """An LHS sweep over two policy-relevant parameters on the base scenario."""
    return {
        "name": "bench",
        "base": str(BASE),
        "seed": 1,
        "replications": replications,
        "set": {"population.synthetic.townships": townships},
        "design": {"kind": "lhs", "points": points},
        "parameters": {
            "reform.cut_admin": {"low": 0.05, "high": 0.3},
            "attrition.quit_rate": {"low": 0.005, "high": 0.03},
        },
    }


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(args: argparse.Namespace) -> None:
    """Run one sweep here and print its figures as JSON."""
    import sim

    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(_rss_mb())
            stop.wait(0.25)

    with tempfile.TemporaryDirectory() as tmp:
        start_rss = _rss_mb()
        cpu0 = _cpu_s(resource.RUSAGE_SELF)
        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        t0 = time.perf_counter()
        results = sim.sweep(
            spec(args.points, args.replications, args.townships),
            out=Path(tmp) / "bench",
            executor=args.executor,
            workers=args.workers,
            progress=False,
            report=False,
        )
        wall = time.perf_counter() - t0
        stop.set()
        thread.join()
        jobs = results.jobs
        if not results.complete:
            errors = jobs.loc[jobs["status"] == "failed", "error"]
            raise SystemExit(f"{len(errors)} jobs failed; first error:\n{errors.iloc[0] if len(errors) else '?'}")
        busy = float(jobs["seconds"].sum())
    n = len(samples)
    print(
        json.dumps(
            {
                "runs": args.points * args.replications,
                "workers": args.workers,
                "executor": args.executor,
                "wall_s": wall,
                "job_s_mean": busy / max(len(jobs), 1),
                "rss_start_mb": start_rss,
                "rss_mid_mb": samples[n // 2] if samples else float("nan"),
                "rss_end_mb": samples[-1] if samples else float("nan"),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "load_avg_1min": os.getloadavg()[0],
                "parent_cpu_s": _cpu_s(resource.RUSAGE_SELF) - cpu0,
            }
        )
    )


def run_child(points: int, replications: int, workers: int, townships: int, executor: str) -> dict:
    """One configuration in a fresh interpreter."""
    cmd = [sys.executable, __file__, "--child", "--points", str(points), "--replications", str(replications)]
    cmd += ["--workers", str(workers), "--townships", str(townships), "--executor", executor]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=False)
    if out.returncode:
        sys.exit(f"benchmark child failed ({' '.join(cmd[2:])}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Parse arguments; run the configurations; print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000, help="runs in the full sweep (points × replications)")
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--townships", type=int, default=20, help="population.synthetic.townships (20 ≈ 3,200 staff)")
    parser.add_argument("--executor", default="local", choices=("local", "dask"))
    parser.add_argument("--points", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help="speed rows: best of this many (1 and 2 alternate)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    reps = args.replications
    points = max(args.runs // reps, 1)
    best: dict[int, dict] = {}
    for _ in range(max(args.repeats, 1)):  # alternate, keep the fastest of each: other load only ever slows
        for workers in (1, 2):
            r = run_child(points, reps, workers, args.townships, args.executor)
            if workers not in best or r["wall_s"] < best[workers]["wall_s"]:
                best[workers] = r
    rows = [
        ("speed", best[1]),
        ("speed", best[2]),
        ("memory", run_child(max(points // 4, 1), reps, 2, args.townships, args.executor)),
        ("memory", run_child(max(points // 2, 1), reps, 2, args.townships, args.executor)),
    ]
    one, two = rows[0][1], rows[1][1]
    print(f"sweep benchmark: {args.townships} townships, {reps} replications per point, executor {args.executor}")
    header = ("runs", 6), ("workers", 9), ("wall s", 9), ("runs/s", 8), ("job s", 8), ("parent MB peak", 16)
    print(
        f"{'':8}"
        + "".join(f"{h:>{w}}" for h, w in header)
        + f"{'mid':>7}{'end':>7}{'worker MB peak':>16}{'parent CPU ms/run':>19}"
    )
    for what, r in [*rows[:2], *rows[2:], ("memory", two)]:
        print(
            f"{what:8}{r['runs']:>6}{r['workers']:>9}{r['wall_s']:>9.1f}{r['runs'] / r['wall_s']:>8.1f}"
            f"{r['job_s_mean']:>8.3f}{r['peak_rss_mb']:>16.0f}{r['rss_mid_mb']:>7.0f}{r['rss_end_mb']:>7.0f}"
            f"{r['worker_peak_rss_mb']:>16.0f}{1000 * r['parent_cpu_s'] / r['runs']:>19.1f}"
        )
    loads = ", ".join(f"{r['load_avg_1min']:.1f}" for _, r in rows)
    print(f"1-minute load average at the end of each row: {loads} (on {os.cpu_count()} CPUs; other load skews timings)")
    speedup = one["wall_s"] / two["wall_s"]
    peaks = [r[1]["peak_rss_mb"] for r in rows[2:]] + [two["peak_rss_mb"]]
    print(f"speedup 1 → 2 workers: {speedup:.2f} (target ≥ 1.8)")
    print(f"parent peak memory over {rows[2][1]['runs']}, {rows[3][1]['runs']}, {two['runs']} runs: "
          f"{', '.join(f'{p:.0f}' for p in peaks)} MB (growth {peaks[-1] - peaks[0]:+.0f} MB)")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": [r for _, r in rows], "speedup": speedup}, indent=2))


if __name__ == "__main__":
    main()

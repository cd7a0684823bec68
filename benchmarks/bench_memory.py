"""Memory benchmark: peak resident memory of `fenliu run` as the replications grow.

Each measurement is a fresh process running `fenliu run SCENARIO -n N` (report included
unless --no-report) and reporting its own peak RSS (`getrusage`'s ru_maxrss). Memory
should not grow with N beyond the monthly table itself (≈ 0.15 MB per city replication).

    python benchmarks/bench_memory.py [-n 5 50 200] [--set population.synthetic.townships=440] [--json F]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import resource, sys
from sim.cli.main import main
code = main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def peak_rss_mb(args: list[str]) -> tuple[float, float]:
    """Peak RSS (MB) and wall seconds of `fenliu ARGS` in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(done.stderr.strip().splitlines()[-1]) / 1024, time.perf_counter() - start


def main() -> None:
    """Print peak memory per replication count and write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/base.toml")
    parser.add_argument("-n", type=int, nargs="+", default=[5, 50, 200])
    parser.add_argument("--set", action="append", default=[], help="scenario overrides, as for fenliu run")
    parser.add_argument("--no-report", action="store_true", help="do not write report.html")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "memory.json"))
    args = parser.parse_args()
    rows = []
    print(f"{'replications':>12} {'peak MB':>8} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            argv = ["run", args.scenario, "-n", str(n), "--out", str(Path(tmp) / f"n{n}")]
            argv += [a for kv in args.set for a in ("--set", kv)]
            argv += ["--no-report"] if args.no_report else []
            mb, wall = peak_rss_mb(argv)
            rows.append({"replications": n, "peak_mb": round(mb, 1), "wall_s": round(wall, 1)})
            print(f"{n:12d} {mb:8.0f} {wall:7.1f}", flush=True)
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "scenario": args.scenario,
        "overrides": args.set,
        "report": not args.no_report,
        "rows": rows,
    }
    Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

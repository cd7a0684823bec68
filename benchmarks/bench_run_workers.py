"""`fenliu run --workers N`: wall seconds of the same run on 1 and more worker processes.

Each run is the command a planner types (`fenliu run SCENARIO -n N --workers W --no-report`), in
a fresh process, so the figures include starting the workers and writing the folder; the
monthly tables of every run are checked to be byte-identical.

    python benchmarks/bench_run_workers.py [--scenario scenarios/base.toml] [-n 60] [--workers 1 2]
        [--set population.synthetic.townships=1875] [--json F]
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


def one_run(scenario: Path, replications: int, workers: int, sets: list[str], out: Path) -> float:
    """Wall seconds of one `fenliu run` in a fresh process."""
    command = [sys.executable, "-m", "sim", "run", str(scenario), "-n", str(replications), "--no-report"]
    command += ["--quiet", "--workers", str(workers), "--out", str(out), "--force"]
    for item in sets:
        command += ["--set", item]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    """Print the table and write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "base.toml")
    parser.add_argument("-n", "--replications", type=int, default=60)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "run_workers.json"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tables = []
        print(f"{'workers':>7} {'wall s':>8} {'speed-up':>9}")
        for workers in args.workers:
            out = Path(tmp) / f"w{workers}"
            wall = one_run(args.scenario, args.replications, workers, args.sets, out)
            tables.append((out / "monthly.parquet").read_bytes())
            rows.append({"workers": workers, "wall_s": wall, "speedup": rows[0]["wall_s"] / wall if rows else 1.0})
            print(f"{workers:7d} {wall:8.2f} {rows[-1]['speedup']:9.2f}", flush=True)
        identical = all(t == tables[0] for t in tables)
        print("monthly tables identical" if identical else "MONTHLY TABLES DIFFER")
    record = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "scenario": str(args.scenario.relative_to(ROOT) if args.scenario.is_relative_to(ROOT) else args.scenario),
        "replications": args.replications,
        "sets": args.sets,
        "identical": identical,
        "rows": rows,
    }
    Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()

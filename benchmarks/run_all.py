"""Run every benchmark, one after the other, printing their tables and writing JSON beside them.

    python benchmarks/run_all.py [--quick]

`--quick` shrinks the sweep (200 runs), the report run (50 replications), the scale benchmark
(no 300,000-staff province) and the memory benchmark (no -n 200) for a first look.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run the engine, sweep, report, scale and memory benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = [
        [sys.executable, str(HERE / "bench_engine.py"), "--json", str(HERE / "engine.json")],
        [
            sys.executable,
            str(HERE / "bench_sweep.py"),
            "--json",
            str(HERE / "sweep.json"),
            *(["--runs", "200"] if args.quick else []),
        ],
        [sys.executable, str(HERE / "bench_report.py"), *(["-n", "50"] if args.quick else [])],
        [sys.executable, str(HERE / "bench_scale.py"), *(["--townships", "110", "440"] if args.quick else [])],
        [sys.executable, str(HERE / "bench_memory.py"), "-n", "5", "50", *([] if args.quick else ["200"])],
    ]
    status = 0
    for cmd in runs:
        print(f"\n$ {' '.join(Path(c).name if c.endswith('.py') else c for c in cmd[1:])}", flush=True)
        status |= subprocess.run(cmd, check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())

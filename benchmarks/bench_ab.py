"""Old against new, in alternation: CPU seconds per replication of two versions of the engine.

A shared machine's speed drifts by a fifth within an hour, so two benchmark runs made at
different times compare the host as much as the code. This one checks out `--old` (a git
revision) into a temporary worktree and runs the same replications on it and on the working
tree by turns, `--rounds` times, each in a fresh process; the ratio new ÷ old is the figure
to read.

    python benchmarks/bench_ab.py --old 80498a5 [--rounds 3] [--case base.toml:1875:1 ...]

A case is `scenario file:townships:replications` (townships 0: as the scenario says).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = ("scenarios/base.toml:110:5", "scenarios/base.toml:1875:1", "scenarios/henan_province.toml:0:1")

ONE_RUN = r"""
import json, sys, time
import sim
from sim.engine.model import simulate
path, townships, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
scenario = sim.load_scenario(path, overrides={"population.synthetic.townships": townships} if townships else {})
population = sim.build_population(scenario, scenario.run.seed)
seconds = []
for rep in range(reps):
    start = time.process_time()
    simulate(scenario, population, scenario.run.seed, rep)
    seconds.append(time.process_time() - start)
print(json.dumps([len(population), seconds]))
"""


def run_case(tree: Path, case: str) -> tuple[int, list[float]]:
    """Staff and CPU seconds per replication of `case` on the code in `tree`, in a fresh process."""
    path, townships, reps = case.split(":")
    done = subprocess.run(
        [sys.executable, "-c", ONE_RUN, str(tree / path), townships, reps],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    staff, seconds = json.loads(done.stdout.strip().splitlines()[-1])
    return int(staff), [float(s) for s in seconds]


def main() -> None:
    """Print, per case, the median CPU seconds of each version and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="git revision to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", nargs="+", default=list(DEFAULT_CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(old), args.old], check=True)
        try:
            times: dict[tuple[str, str], list[float]] = {}
            staff: dict[str, int] = {}
            for _ in range(args.rounds):
                for label, tree in (("old", old), ("new", ROOT)):
                    for case in args.case:
                        staff[case], seconds = run_case(tree, case)
                        times.setdefault((label, case), []).extend(seconds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    print(f"{'case':42} {'staff':>8} {'old s':>7} {'new s':>7} {'new/old':>8}")
    for case in args.case:
        before, after = statistics.median(times["old", case]), statistics.median(times["new", case])
        print(f"{case:42} {staff[case]:8d} {before:7.3f} {after:7.3f} {after / before:8.2f}")


if __name__ == "__main__":
    main()

"""Old against new, in alternation: CPU seconds (or instructions) per replication of two versions of the engine.

A shared machine's speed drifts by a fifth within an hour, and by half within an afternoon, so
two benchmark runs made at different times compare the host as much as the code. This one
checks out `--old` (a git revision) into a temporary worktree and runs the same replications on
it and on the working tree by turns, `--rounds` times, each in a fresh process; the ratio
new ÷ old is the figure to read.

With `--instructions` it counts instructions instead, under valgrind's callgrind: the same count
for the same code and inputs whatever else the machine is doing (caches and memory are not
modelled, so it measures work, not seconds). A replication's count is the process's count less
that of the same process with no replication; callgrind is about 60 × slower, so use city or
prefecture sizes (the default cases then are 110 and 440 townships).

    python benchmarks/bench_ab.py --old 80498a5 [--rounds 3] [--case base.toml:1875:1 ...]
    python benchmarks/bench_ab.py --old 80498a5 --instructions

A case is `scenario file:townships:replications` (townships 0: as the scenario says).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = ("scenarios/base.toml:110:5", "scenarios/base.toml:1875:1", "scenarios/henan_province.toml:0:1")
INSTRUCTION_CASES = ("scenarios/base.toml:110:2", "scenarios/base.toml:440:1")

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


def count_case(tree: Path, case: str) -> tuple[int, list[float]]:
    """Staff and instructions per replication of `case` on the code in `tree` (callgrind, two fresh processes:
    with the case's replications and with none)."""
    path, townships, reps = case.split(":")
    # bytecode compiled first, so that neither count includes compiling the tree's modules
    compile_all = [sys.executable, "-m", "compileall", "-q", str(tree / "sim")]
    subprocess.run(compile_all, check=True, env={"PATH": "/usr/bin:/bin"})
    counts = []
    for n in (reps, "0"):
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", ONE_RUN]
            + [str(tree / path), townships, n],
            cwd=tree,
            env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"},  # the same set orders
            capture_output=True,
            text=True,
            check=True,
        )
        counts.append(int(re.search(r"Collected : (\d+)", done.stderr).group(1)))  # type: ignore[union-attr]
        staff = json.loads(done.stdout.strip().splitlines()[-1])[0]
    return int(staff), [(counts[0] - counts[1]) / int(reps)]


def main() -> None:
    """Print, per case, the median CPU seconds of each version and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="git revision to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=None, help="default 3 (1 with --instructions)")
    parser.add_argument("--case", nargs="+", default=None)
    parser.add_argument("--instructions", action="store_true", help="count instructions under callgrind")
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind (Debian: apt-get install valgrind)")
    args.case = args.case or list(INSTRUCTION_CASES if args.instructions else DEFAULT_CASES)
    measure = count_case if args.instructions else run_case
    rounds = args.rounds or (1 if args.instructions else 3)
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(old), args.old], check=True)
        try:
            times: dict[tuple[str, str], list[float]] = {}
            staff: dict[str, int] = {}
            for _ in range(rounds):
                for label, tree in (("old", old), ("new", ROOT)):
                    for case in args.case:
                        staff[case], seconds = measure(tree, case)
                        times.setdefault((label, case), []).extend(seconds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    unit = "G instr" if args.instructions else "s"
    scale = 1e-9 if args.instructions else 1.0
    print(f"{'case':42} {'staff':>8} {'old ' + unit:>11} {'new ' + unit:>11} {'new/old':>8}")
    for case in args.case:
        before, after = statistics.median(times["old", case]), statistics.median(times["new", case])
        print(f"{case:42} {staff[case]:8d} {before * scale:11.3f} {after * scale:11.3f} {after / before:8.3f}")


if __name__ == "__main__":
    main()

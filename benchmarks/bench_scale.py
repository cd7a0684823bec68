"""Scale benchmark: one replication of the base scenario at city, prefecture and province size.

For each township count (default 110, 440 and 1,875: about 17,500, 70,000 and 300,000 staff)
it runs `simulate` (everything on: channels, pool, ledger, rebound and the no-reform
counterfactual, as `fenliu run` does) and reports CPU and wall seconds per replication and per
1,000 staff; time linear in staff keeps the last column flat. CPU seconds are steadier than
wall seconds on a shared machine.

    python benchmarks/bench_scale.py [--townships 110 440 1875] [--repeats 3] [--json F]
    python benchmarks/bench_scale.py --also scenarios/henan_province.toml   # and a scenario as it is
    python benchmarks/bench_scale.py --warmup 1   # after one untimed replication at each size

A process's first replication also pays the kernel for the memory it then reuses (about 0.13 s of
system time and 50,000 page faults at province scale, against nearly none for the next ones); a run
of many replications pays it once, so `--warmup 1` measures what each further replication costs.

A scenario given with `--also` is measured as written (its own townships and counties) after the
rows of base.toml, with its per-1,000-staff ratio against the first row.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import sim
from sim.engine.model import simulate

ROOT = Path(__file__).resolve().parent.parent


def measure(townships: int | None, repeats: int, overrides: dict, path: Path | None = None, warmup: int = 0) -> dict:
    """Median CPU and wall seconds of one replication of base.toml at `townships` townships, or of the
    scenario at `path` as written (`townships` None), after `warmup` untimed replications."""
    if townships is not None:
        overrides = {"population.synthetic.townships": townships, **overrides}
    scenario = sim.load_scenario(path or ROOT / "scenarios" / "base.toml", overrides=overrides)
    population = sim.build_population(scenario, scenario.run.seed)
    cpu, wall = [], []
    for rep in range(warmup):
        simulate(scenario, population, scenario.run.seed, repeats + rep)
    for rep in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        simulate(scenario, population, scenario.run.seed, rep)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    staff = len(population)
    return {
        "scenario": scenario.name,
        "townships": len(population.townships),
        "staff": staff,
        "cpu_s": statistics.median(cpu),
        "wall_s": statistics.median(wall),
        "cpu_s_per_1000_staff": statistics.median(cpu) / staff * 1000,
        "peak_mb_so_far": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    """Print the table and write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--townships", type=int, nargs="+", default=[110, 440, 1875])
    parser.add_argument("--repeats", type=int, nargs="+", default=[5, 3, 2], help="per size (last one repeats)")
    parser.add_argument("--no-counterfactual", action="store_true", help="without the no-reform twin")
    parser.add_argument("--also", type=Path, nargs="*", default=[], help="scenario files measured as written")
    parser.add_argument("--warmup", type=int, default=0, help="untimed replications first, at each size")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "scale.json"))
    args = parser.parse_args()
    overrides = {"money.counterfactual": False} if args.no_counterfactual else {}
    rows: list[dict] = []
    print(f"{'townships':>9} {'staff':>8} {'CPU s':>7} {'wall s':>7} {'CPU s/1k staff':>15} {'× city':>7}")
    jobs: list[tuple[int | None, Path | None]] = [(t, None) for t in args.townships]
    jobs += [(None, path) for path in args.also]
    for k, (townships, path) in enumerate(jobs):
        repeats = args.repeats[min(k, len(args.repeats) - 1)]
        row = measure(townships, repeats, overrides, path, args.warmup)
        row["ratio_to_first"] = row["cpu_s_per_1000_staff"] / (rows[0] if rows else row)["cpu_s_per_1000_staff"]
        rows.append(row)
        print(
            f"{row['townships']:9d} {row['staff']:8d} {row['cpu_s']:7.2f} {row['wall_s']:7.2f} "
            f"{row['cpu_s_per_1000_staff']:15.4f} {row['ratio_to_first']:7.2f}" + (f"  {path}" if path else ""),
            flush=True,
        )
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "counterfactual": not args.no_counterfactual,
        "warmup": args.warmup,
        "rows": rows,
    }
    Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

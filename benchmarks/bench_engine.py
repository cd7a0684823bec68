"""Engine benchmark: one city-scale replication (110 townships, ~17,000 staff, 120 months).

Prints median, min and max wall time over repeats and events per second for four
configurations, each beside the ratio to a bare SimPy loop that schedules and runs the
same number of events (absolute times drift on shared machines; ratios drift less).
Writes the figures as JSON.

    python benchmarks/bench_engine.py [--repeats 7] [--json benchmarks/engine.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import simpy

import sim
from sim.engine.model import Model, simulate

ROOT = Path(__file__).resolve().parent.parent
CLOSED = {
    f"channels.{c}.open": False
    for c in (
        "teacher",
        "early_retirement",
        "resignation",
        "termination",
        "institution_vacancy",
        "enterprise",
        "police",
    )
}
NO_REBOUND = {
    "rebound.request_rate": 0.0,
    "rebound.inspection_interval_months": 0,
    **{f"channels.{c}.return_hazard": 0.0 for c in ("resignation", "termination", "enterprise")},
}
CONFIGS = {
    "foundation (no channels, no rebound)": {**CLOSED, **NO_REBOUND, "money.counterfactual": False},
    "all channels + pool, no rebound": {**NO_REBOUND, "money.counterfactual": False},
    "everything (channels, ledger, rebound)": {"money.counterfactual": False},
    "everything + no-reform counterfactual": {},
}


def bare_simpy(events: int) -> float:
    """Seconds for a bare SimPy loop scheduling `events` timeouts with a callback, over 120 months.

    Run with the garbage collector paused, as the model runs, so that the ratio compares like with like.
    """
    gc.disable()
    try:
        return _bare_loop(events)
    finally:
        gc.enable()


def _bare_loop(events: int) -> float:
    env = simpy.Environment()
    sink = []
    callback = sink.append
    for k in range(events):
        env.timeout(1 + k % 120).callbacks.append(callback)
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def measure(overrides: dict, repeats: int) -> dict:
    """Wall times of one replication and its event count."""
    scenario = sim.load_scenario(ROOT / "scenarios" / "base.toml", overrides=overrides)
    population = sim.build_population(scenario, scenario.run.seed)
    times = []
    events = 0
    for rep in range(repeats):
        start = time.perf_counter()
        if scenario.money.counterfactual:
            simulate(scenario, population, scenario.run.seed, rep)
        else:
            model = Model(scenario, population, scenario.run.seed, rep)
            model.run()
            # person-level events: SimPy events, with each calendar bucket counted as its exits
            events = next(model.env._eid) - len(model.exits_months) + model.scheduled_exits
        times.append(time.perf_counter() - start)
    return {
        "staff": len(population),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "events": events,
    }


def main() -> None:
    """Run every configuration and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "engine.json"))
    args = parser.parse_args()
    rows = {}
    for name, overrides in CONFIGS.items():
        rows[name] = measure(overrides, args.repeats)
    reference_events = max(r["events"] for r in rows.values())
    bare = statistics.median(bare_simpy(reference_events) for _ in range(args.repeats))
    print(
        f"{'configuration':42} {'staff':>6} {'median s':>9} {'min s':>7} {'max s':>7} {'events':>8} "
        f"{'events/s':>9} {'× bare':>7}"
    )
    for name, r in rows.items():
        rate = r["events"] / r["median_s"] if r["events"] else float("nan")
        ref = bare * (r["events"] / reference_events) if r["events"] else bare
        print(
            f"{name:42} {r['staff']:6d} {r['median_s']:9.3f} {r['min_s']:7.3f} {r['max_s']:7.3f} "
            f"{r['events']:8d} {rate:9.0f} {r['median_s'] / ref:7.1f}"
        )
        r["ratio_to_bare"] = r["median_s"] / ref
    print(f"bare SimPy reference: {reference_events} events in {bare:.3f} s")
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "fenliu": sim.__version__,
        "repeats": args.repeats,
        "bare_simpy_s": bare,
        "bare_events": reference_events,
        "configurations": rows,
    }
    Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

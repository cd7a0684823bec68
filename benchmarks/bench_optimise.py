"""Benchmark: wall time of a 200-evaluation policy search on a 20-township case.

    python benchmarks/bench_optimise.py                          # 200 evaluations × 2 replications, 2 workers
    python benchmarks/bench_optimise.py --evaluations 40 --workers 1   # a quick look

The search is TPE with two risk constraints over four levers of the base scenario (20
townships), on the local process pool; then 5 candidates and the start are confirmed by the
engine (up to 20 replications each). Reported: search, confirmation and total seconds, and
seconds per evaluation; written to benchmarks/optimise.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def spec(evaluations: int, townships: int) -> dict:
    """Cheapest NPV cost with at most 250 awaiting at the deadline on average, P(more than 260) ≤ 10%."""
    return {
        "name": "bench-optimise",
        "base": str(ROOT / "scenarios" / "base.toml"),
        "seed": 1,
        "set": {"population.synthetic.townships": townships},
        "levers": {
            "channels.enterprise.places_per_year": {"low": 0, "high": 150, "integer": True},
            "channels.teacher.places_per_year": {"low": 0, "high": 100, "integer": True},
            "channels.enterprise.placement_subsidy": {"low": 0, "high": 10000},
            "channels.resignation.severance_months_per_year": {"low": 0.5, "high": 2.0},
        },
        "objectives": {"npv_cost": {"metric": "cost_government", "at": "horizon", "reduce": "discounted_sum"}},
        "constraints": {
            "awaiting_mean": {"metric": "state_awaiting", "at": "deadline", "max": 250},
            "awaiting_risk": {"metric": "state_awaiting", "at": "deadline", "above": 260, "max": 0.1},
        },
        "budget": {"evaluations": evaluations, "replications": 2, "confirm": 5, "confirm_replications": 20},
    }


def main() -> None:
    """Run the search once and print and save the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=200)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from sim.optimise import optimise

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = optimise(
            spec(args.evaluations, args.townships), out=Path(tmp) / "out", workers=args.workers, report=False
        )
        wall = time.perf_counter() - t0
    row = {
        "evaluations": args.evaluations,
        "townships": args.townships,
        "workers": args.workers,
        "wall_s": round(wall, 1),
        **{k: round(v, 1) for k, v in result.timings.items()},
        "search_s_per_evaluation": round(result.timings["search_s"] / args.evaluations, 3),
        "status": result.status,
        "load_average": os.getloadavg()[0],
        "platform": platform.platform(),
    }
    print(json.dumps(row, indent=2))
    (ROOT / "benchmarks" / "optimise.json").write_text(json.dumps(row, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()

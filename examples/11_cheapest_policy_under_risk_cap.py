"""Find the cheapest policy under a risk cap (在风险上限内寻找最省钱的政策).

Searches the places per year of two channels and the enterprise placement subsidy of the Hengyang
scenario for the lowest ten-year whole-government cost (discounted), under two risk statements on
those still awaiting at the deadline: at most 9 per township in expectation, and a probability of at
most 10% that more than 11 per township are still waiting. Every candidate runs the same replications
(common random numbers); the best are confirmed by the simulation with enough replications for the
constraints' stated standard errors. Then point 0 is written as a scenario file and run again.

    python examples/11_cheapest_policy_under_risk_cap.py

Sizes: FENLIU_EXAMPLE_BUDGET (evaluations; default 60), FENLIU_EXAMPLE_REPLICATIONS (per evaluation;
default 2), FENLIU_EXAMPLE_TOWNSHIPS (default: the scenario's 150), FENLIU_EXAMPLE_WORKERS (default 2).
Output: FENLIU_EXAMPLE_OUT (default results/examples)/11-optimise/.
"""

import os
from pathlib import Path

import sim

BUDGET = int(os.environ.get("FENLIU_EXAMPLE_BUDGET", "60"))
REPLICATIONS = int(os.environ.get("FENLIU_EXAMPLE_REPLICATIONS", "2"))
TOWNSHIPS = int(os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS", "150"))
WORKERS = int(os.environ.get("FENLIU_EXAMPLE_WORKERS", "2"))
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples")) / "11-optimise"


def main() -> None:
    """Search, print the confirmed points, export point 0 and reproduce it."""
    spec = {
        "name": "cheapest-under-risk-cap",
        "base": "scenarios/hengyang_township_classes_calibrated.toml",  # relative to the working directory
        "set": {"population.synthetic.townships": TOWNSHIPS},
        "levers": {  # ranges scale with the number of townships
            "channels.enterprise.places_per_year": {"low": 0, "high": 4 * TOWNSHIPS, "integer": True},
            "channels.teacher.places_per_year": {"low": 0, "high": 3 * TOWNSHIPS, "integer": True},
            "channels.enterprise.placement_subsidy": {"low": 0, "high": 10_000, "step": 1000},
        },
        "objectives": {  # minimise the whole-government cost over the horizon, discounted (an NPV)
            "npv_cost": {"metric": "cost_government", "at": "horizon", "reduce": "discounted_sum"},
        },
        "constraints": {
            "awaiting": {"metric": "state_awaiting", "at": "deadline", "max": 9 * TOWNSHIPS},  # E[...] ≤ bound
            "awaiting_risk": {  # P(awaiting at the deadline > 11 per township) ≤ 10%
                "metric": "state_awaiting",
                "at": "deadline",
                "above": 11 * TOWNSHIPS,
                "max": 0.1,
            },
        },
        "budget": {
            "evaluations": BUDGET,
            "replications": REPLICATIONS,
            "confirm": min(4, BUDGET),  # candidates confirmed by the simulation
            "confirm_replications": max(REPLICATIONS, 20 if BUDGET >= 20 else 4),
        },
    }
    result = sim.optimise(spec, out=OUT, workers=WORKERS, progress=print)  # resumable: resume=True
    print(result.pareto.to_string(index=False))  # levers, objectives, constraints ± SE, feasible
    print("outcome:", result.status)  # "infeasible": the table lists the least-violating candidates
    path = result.export(0, OUT / "point-0.toml")  # a scenario file that `fenliu run` reproduces
    again = sim.run(sim.load_scenario(path))
    at = again.monthly[again.monthly["month"] == again.scenario.reform.deadline_month]
    print(
        f"point 0 run again: {at['state_awaiting'].mean():.1f} awaiting at the deadline (search: "
        f"{result.pareto.loc[result.pareto['point'] == 0, 'awaiting'].iloc[0]:.1f})"
    )


if __name__ == "__main__":
    main()

"""Which policy is robust: outcomes of each policy across uncertain worlds, and its regret.

A sweep with levers crosses every policy (a combination of lever values) with every sampled
world (values of the uncertain parameters), all on common random numbers. For one outcome:

- the policy's *distribution across worlds* (how it does in good and bad worlds);
- its *regret* in a world: how far it falls short of the best policy in that same world
  (|outcome − best outcome|, in the outcome's units; 0 for the best). A robust policy keeps its
  worst regret small (minimax regret, Savage's criterion), not only its mean outcome;
- its *failures*: worlds where it misses a threshold, for scenario discovery (PRIM).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.errors import InputError

# Outcomes where more is better; every other metric is taken as "less is better" (people waiting,
# cost, headcount over establishment, hires over establishment, debt, ...).
HIGHER_IS_BETTER = (
    "savings_",
    "npv_savings_",
    "diverted_",  # by channel
    "state_diverted",  # all channels
    "surplus_reposted",
    "cut_achieved",
    "share_secondary_plus",  # the reform's aim: a better-educated staff
    "pool_balance",
    "pool_contributed",
    "pool_put_",
)


def goal_of(metric: str) -> str:
    """'max' for an outcome where more is better, else 'min'."""
    return "max" if metric.startswith(HIGHER_IS_BETTER) else "min"


def regret_table(points: pd.DataFrame, goal: str) -> pd.DataFrame:
    """`points` (columns policy, world, mean) with columns best (in its world) and regret added."""
    if goal not in ("min", "max"):
        raise InputError(f"goal: expected 'min' or 'max', found {goal!r}")
    missing = {"policy", "world", "mean"} - set(points.columns)
    if missing:
        raise InputError(f"robustness needs columns policy, world and mean; missing {sorted(missing)}")
    table = points.copy()
    best = table.groupby("world")["mean"].transform(goal)
    table["best"] = best
    table["regret"] = (table["mean"] - best).abs()
    return table


def policy_summary(table: pd.DataFrame, goal: str) -> pd.DataFrame:
    """Per policy: median and worst-tenth outcome across worlds, mean and maximum regret, times best.

    Sorted most robust first (smallest maximum regret, then smallest mean regret). `worst_10` is
    the 90th percentile of the outcome across worlds for 'min' goals, the 10th for 'max'.
    """
    g = table.groupby("policy")
    worst_q = 0.9 if goal == "min" else 0.1
    out = pd.DataFrame(
        {
            "median": g["mean"].median(),
            "worst_10": g["mean"].quantile(worst_q),
            "mean_regret": g["regret"].mean(),
            "max_regret": g["regret"].max(),
            "best_in": g["regret"].apply(lambda r: int(np.isclose(r, 0.0).sum())),
            "worlds": g.size(),
        }
    )
    return out.sort_values(["max_regret", "mean_regret"]).reset_index()


def failures(table: pd.DataFrame, policy: int, goal: str, threshold: float | None = None) -> tuple[pd.DataFrame, float]:
    """The worlds of `policy` with a flag `failed`: outcome worse than `threshold`.

    Without a threshold, the policy's own worst quarter of worlds fails (its 75th percentile
    for 'min' goals, 25th for 'max'), so PRIM asks "in which worlds does it do worst?".
    """
    rows = table[table["policy"] == policy].copy()
    if len(rows) == 0:
        raise InputError(f"policy {policy}: not in the sweep")
    if threshold is None:
        threshold = float(rows["mean"].quantile(0.75 if goal == "min" else 0.25))
    rows["failed"] = rows["mean"] > threshold if goal == "min" else rows["mean"] < threshold
    return rows, threshold

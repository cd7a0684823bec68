"""Verification: the mechanics against known answers (closed forms, identities, the expected-value twin).

Each check runs a small, fixed-seed experiment and returns one row: what is checked, the
statistic, the bound it must keep and whether it holds. The same checks, with more detail,
are in the test suite; these rows are what `docs/validation.md` reports beside the source
figures (verification and validation in Sargent's sense: is the model built right, and is it
the right model).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine.states import CHANNEL_COLUMNS, STATE_NAMES
from sim.expected import expected
from sim.experiment.run import run
from sim.population.build import build_population
from sim.scenario.loader import load_scenario, with_overrides
from sim.scenario.schema import CHANNEL_IDS, Scenario

SEED = 11


def _row(check: str, check_zh: str, statistic: str, value: float, bound: str, holds: bool) -> dict[str, object]:
    return {
        "check": check,
        "check_zh": check_zh,
        "statistic": statistic,
        "value": value,
        "bound": bound,
        "holds": bool(holds),
    }


def closed_form_attrition(replications: int = 20) -> dict[str, object]:
    """Constant quit hazard only: mean headcount against N0·exp(−λt), as z-scores of the binomial SE."""
    rate = 0.1
    scenario = with_overrides(
        Scenario(),
        {
            "reform.enabled": False,
            "attrition.retirement": False,
            "hiring.pre_reform_replacement": 0.0,
            "time.horizon_months": 120,
            "population.synthetic.townships": 10,
            "attrition.quit_rate": rate,
            "attrition.death_rate": 0.0,
            "money.counterfactual": False,
        },
    )
    population = build_population(scenario, SEED)
    n0 = len(population)
    head = run(scenario, replications=replications, seed=SEED, population=population).metric("headcount_total")
    worst = 0.0
    for month in (12, 36, 60, 120):
        p = math.exp(-rate * month / 12)
        se = math.sqrt(n0 * p * (1 - p) / replications)
        worst = max(worst, abs(float(head.loc[month].mean()) - n0 * p) / se)
    return _row(
        "Constant exit hazard: mean headcount = N0·exp(−λt) (months 12, 36, 60, 120)",
        "恒定退出风险:平均实有人数 = N0·exp(−λt)",
        "largest |z| (binomial standard errors)",
        worst,
        "≤ 3",
        worst <= 3,
    )


def conservation(base: Path, replications: int = 5) -> dict[str, object]:
    """People conserved and the payroll identities, every month of every replication of base (10 townships)."""
    scenario = load_scenario(base, {"population.synthetic.townships": 10, "money.counterfactual": False})
    monthly = run(scenario, replications=replications, seed=SEED).monthly
    n0 = int(monthly.loc[monthly["month"] == 0, [f"state_{s}" for s in STATE_NAMES]].sum(axis=1).iloc[0])
    states = monthly[[f"state_{s}" for s in STATE_NAMES]].sum(axis=1) - monthly["hires_cumulative"]
    payroll = monthly[["state_in_post", "state_awaiting", "state_rotating"]].sum(axis=1)
    sectors = monthly[["headcount_admin", "headcount_institution", "headcount_temporary"]].sum(axis=1)
    gap = max(
        float((states - n0).abs().max()),
        float((payroll - monthly["headcount_total"]).abs().max()),
        float((sectors - monthly["headcount_total"]).abs().max()),
    )
    return _row(
        "People conserved: states add up to the starting staff plus hires; payroll states and sectors add up to "
        "the headcount (base, every month)",
        "人员守恒:各状态之和 = 初始人数 + 新进人员;在册状态与各类人员之和 = 实有人数",
        "largest discrepancy (people)",
        gap,
        "= 0",
        gap == 0,
    )


def pool_never_overdrawn(hanshou: Path, replications: int = 10) -> dict[str, object]:
    """Money paid out of the pool never exceeds money put in (Hanshou, where the pool binds)."""
    monthly = run(load_scenario(hanshou, {"money.counterfactual": False}), replications=replications, seed=SEED).monthly
    worst = float((monthly["pool_paid_cumulative"] - monthly["pool_contributed_cumulative"]).max())
    worst = max(worst, float(-monthly["pool_balance"].min()))
    return _row(
        "Severance pool: paid ≤ contributed and balance ≥ 0, every month (Hanshou, where money binds)",
        "补偿金池:支出 ≤ 筹集,余额 ≥ 0(汉寿)",
        "largest overdraft (yuan)",
        max(worst, 0.0),
        "≤ 0",
        worst <= 1e-6,
    )


def twin_against_engine(replications: int = 40) -> dict[str, object]:
    """Where no queue binds, the engine's mean is within a few standard errors of the expected-value twin."""
    no_queue = {
        "population.synthetic.townships": 10,
        "reform.selection_rule": "random",
        "diversion.repost_on_vacancy": False,
        "hiring.replacement_ratio": 0.0,
        "hiring.pre_reform_replacement": 1.0,
        "pool.unlimited": True,
        "rebound.request_rate": 0.0,
        "rebound.return_success": 0.0,
        "money.counterfactual": False,
        "channels.institution_vacancy.open": False,
        **{f"channels.{c}.places_per_year": None for c in CHANNEL_IDS},
    }
    scenario = with_overrides(Scenario(), no_queue)
    population = build_population(scenario, SEED)
    engine = run(scenario, replications=replications, seed=SEED, population=population).monthly
    twin = expected(scenario, population, seed=SEED).monthly
    metrics = ["headcount_total", *(f"diverted_{c}" for c in CHANNEL_COLUMNS), "cost_total"]
    worst, n = 0.0, 0
    for month in range(12, scenario.time.horizon_months + 1, 12):
        runs = engine[engine["month"] == month]
        row = twin[twin["month"] == month].iloc[0]
        for metric in metrics:
            values = runs[metric].to_numpy(dtype=float)
            se = values.std(ddof=1) / math.sqrt(len(values))
            diff = abs(values.mean() - float(row[metric]))
            if se > 0:
                worst, n = max(worst, diff / se), n + 1
            elif diff > 1e-6 * max(1.0, abs(float(row[metric]))):
                worst, n = math.inf, n + 1
    return _row(
        f"Discrete-event engine against the expected-value twin where no queue binds ({n} comparisons: headcount, "
        "diversions by channel, cost; yearly)",
        "离散事件模型与期望值模型(无排队约束时)对照",
        "largest |z| (standard errors of the engine's mean)",
        worst,
        "≤ 4 (≈ 1% chance of a larger one by chance over this many comparisons)",
        worst <= 4,
    )


def verification(scenarios: str | Path = "scenarios", progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Every verification check, one row each."""
    folder = Path(scenarios)
    checks: list[tuple[str, Callable[[], dict[str, object]]]] = [
        ("closed form", closed_form_attrition),
        ("conservation", lambda: conservation(folder / "base.toml")),
        ("pool", lambda: pool_never_overdrawn(folder / "hanshou_funding.toml")),
        ("twin", twin_against_engine),
    ]
    rows = []
    for name, check in checks:
        if progress is not None:
            progress(f"verification: {name}")
        rows.append(check())
    return pd.DataFrame(rows).assign(value=lambda d: d["value"].astype(float).round(6)).replace({np.inf: math.inf})

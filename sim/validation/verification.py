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
# Where no queue binds the twin is exact in expectation (tests/test_expected.py says why each key is set)
NO_QUEUE: dict[str, object] = {
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
        "largest absolute z (binomial standard errors)",
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


def pool_attribution(hanshou: Path, replications: int = 5) -> dict[str, object]:
    """Every payer's pool money charged ≤ what it put in, and the charges add up to what the pool paid."""
    monthly = run(load_scenario(hanshou, {"money.counterfactual": False}), replications=replications, seed=SEED).monthly
    charged = [c for c in monthly.columns if c.startswith("pool_charged_")]
    over = max(float((monthly[c] - monthly[f"pool_put_{c.removeprefix('pool_charged_')}"]).max()) for c in charged)
    gap = float((monthly[charged].sum(axis=1) - monthly["pool_paid_cumulative"]).abs().max())
    worst = max(over, gap, 0.0)
    return _row(
        "Who pays: each payer's pool money charged ≤ what it put in, and the charges add up to what the pool paid, "
        "every month (Hanshou)",
        "出资方承担:各方承担 ≤ 各方投入,各方承担之和 = 资金池支出(每月,汉寿)",
        "largest excess or gap (yuan)",
        worst,
        "≤ 1e-6 of a yuan per yuan paid",
        worst <= 1e-6 * max(float(monthly["pool_paid_cumulative"].max()), 1.0),
    )


def littles_law(base: Path) -> dict[str, object]:
    """The money queue recomputed from the event log alone: L = λW, and L equals the engine's own queue column."""
    scenario = load_scenario(
        base,
        {
            "population.synthetic.townships": 12,
            "time.horizon_months": 60,
            "money.counterfactual": False,
            "pool.contributors.0.amount": 800_000.0,
            "pool.contributors.1.amount": 100_000.0,
        },
    )
    results = run(scenario, replications=1, seed=SEED, events=True)
    events, monthly = results.events, results.monthly
    if events is None:
        raise RuntimeError("the run kept no event log")
    horizon = int(monthly["month"].max())
    log = events[(events["queue"] == "money") & events["event"].isin(["queue_join", "queue_leave"])]
    joins = log[log["event"] == "queue_join"]
    leaves = log[log["event"] == "queue_leave"]
    length = np.cumsum(
        np.bincount(joins["month"].astype(int), minlength=horizon + 1)
        - np.bincount(leaves["month"].astype(int), minlength=horizon + 1)
    )[: horizon + 1]
    engine = monthly["pool_waiting"].to_numpy(dtype=float)
    # each join's wait: to the same person's next leave, or to horizon + 1 while still waiting at the end
    waits = []
    for _, person in log.groupby("person", sort=False):
        open_at: list[int] = []
        for event, month in zip(person["event"], person["month"].astype(int), strict=True):
            if event == "queue_join":
                open_at.append(month)
            elif open_at:
                waits.append(month - open_at.pop(0))
        waits += [horizon + 1 - m for m in open_at]
    mean_length = float(length.mean())
    little = len(waits) / (horizon + 1) * float(np.mean(waits)) if waits else 0.0
    worst = max(abs(mean_length - little), float(np.abs(length - engine).max()))
    return _row(
        f"The severance pool's queue from events.parquet alone: Little's law L = λW ({len(waits)} waits), and the "
        "queue's length equal to the engine's pool_waiting every month (base, 12 townships, scarce money)",
        "仅用事件日志重算资金排队:利特尔法则 L = λW,排队长度与模型每月的等待人数一致",
        "largest difference (people)",
        worst,
        "= 0 (time is in whole months: exact)",
        worst < 1e-9 and len(waits) > 0,
    )


def twin_against_engine(replications: int = 40) -> dict[str, object]:
    """Where no queue binds, the engine's mean is within a few standard errors of the expected-value twin."""
    scenario = with_overrides(Scenario(), NO_QUEUE)
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
        "largest absolute z (standard errors of the engine's mean)",
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
        ("who pays", lambda: pool_attribution(folder / "hanshou_funding.toml")),
        ("little", lambda: littles_law(folder / "base.toml")),
        ("twin", twin_against_engine),
    ]
    rows = []
    for name, check in checks:
        if progress is not None:
            progress(f"verification: {name}")
        rows.append(check())
    return pd.DataFrame(rows).assign(value=lambda d: d["value"].astype(float).round(6)).replace({np.inf: math.inf})

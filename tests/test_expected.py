"""The expected-value twin (`sim.expected`) against the discrete-event engine.

Where no queue binds the twin is exact in expectation, so the engine's mean over
replications must lie within 3 standard errors of it. "No queue binds" means here:

- every open channel has unlimited places (`places_per_year` empty) and
  `institution_vacancy` is closed (its places are vacancies below the institution
  establishment, a queue by nature);
- `pool.unlimited = true` (money never waits), so patience never matters;
- `reform.selection_rule = "random"` with a cut that leaves every township sector over its
  new establishment (the surplus is then staff minus posts, whatever the draw);
- no reposting into freed posts and no refill after the reform
  (`diversion.repost_on_vacancy = false`, `hiring.replacement_ratio = 0`), leavers replaced
  one for one before it; no rebound (`rebound.request_rate = 0`, `return_success = 0`).

`diversion.preference_noise` keeps its default (0.5): the twin sums the person-level
orders exactly (Plackett-Luce), so it need not be 0. Where a channel's places bind the
engine must fall below the twin for that channel, as queueing says it must.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.engine.states import SURPLUS_COLUMNS
from sim.expected import Projection, expected, simulate_expected
from sim.scenario import with_overrides
from sim.scenario.schema import CHANNEL_IDS, Scenario
from sim.validation.verification import NO_QUEUE  # one definition of "no queue binds"

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
SEED = 3
REPLICATIONS = 80
CHECKED = (
    "headcount_total",
    *(f"diverted_{c}" for c in CHANNEL_IDS),
    "cost_cumulative",
    "cost_retirement_pay",
    *(f"pool_charged_{p}" for p in ("county", "higher_level", "township")),
)


def _with_cumulative_cost(monthly: pd.DataFrame) -> pd.DataFrame:
    out = monthly.copy()
    out["cost_cumulative"] = out.groupby("replication")["cost_total"].cumsum()
    return out


@pytest.fixture(scope="module")
def no_queue() -> tuple[Scenario, sim.Population, pd.DataFrame, pd.DataFrame]:
    scenario = with_overrides(Scenario(), NO_QUEUE)
    population = sim.build_population(scenario, SEED)
    engine = sim.run(scenario, replications=REPLICATIONS, seed=SEED, population=population)
    twin = expected(scenario, population, seed=SEED)
    return scenario, population, _with_cumulative_cost(engine.monthly), _with_cumulative_cost(twin.monthly)


def test_engine_mean_within_3_se_of_the_twin_where_no_queue_binds(no_queue) -> None:
    scenario, _, engine, twin = no_queue
    assert twin["replication"].unique().tolist() == [0]
    assert engine["diverted_teacher"].max() > 10  # the channels really divert people
    failures = []
    for month in range(0, scenario.time.horizon_months + 1, 12):
        runs = engine[engine["month"] == month]
        row = twin[twin["month"] == month].iloc[0]
        for metric in CHECKED:
            values = runs[metric].to_numpy()
            mean, se = values.mean(), values.std(ddof=1) / math.sqrt(len(values))
            allowed = max(3 * se, 1e-6 * max(1.0, abs(row[metric])))  # deterministic months: equal
            if abs(mean - row[metric]) > allowed:
                failures.append(f"month {month} {metric}: engine {mean:.6g} ± {se:.3g}, twin {row[metric]:.6g}")
    assert not failures, "\n".join(failures)


# The surplus's individual paths (reposted, retired or left while waiting) are counted by the engine
# only; the twin thins the waiting mass alike and leaves these columns NaN (the report then falls back).
ENGINE_ONLY = set(SURPLUS_COLUMNS)


def test_twin_counts_add_up_and_match_the_engine_columns(no_queue) -> None:
    _, population, engine, twin = no_queue
    assert list(twin.columns) == list(engine.columns)
    unknown = set(twin.columns[twin.isna().all()]) - set(engine.columns[engine.isna().all()]) - ENGINE_ONLY
    assert not unknown, f"columns the twin does not compute: {sorted(unknown)}"
    states = [c for c in twin.columns if c.startswith("state_")]
    total = twin[states].sum(axis=1) - twin["hires_cumulative"]
    np.testing.assert_allclose(total, len(population), rtol=0, atol=1e-6)
    assert (twin[[f"queue_{c}" for c in CHANNEL_IDS]] == 0).all().all()
    # NaN only where the engine has them (no counterfactual run: no savings), and the engine-only columns
    assert set(twin.columns[twin.isna().any()]) - ENGINE_ONLY <= set(engine.columns[engine.isna().any()])


def test_binding_teacher_places_keep_the_engine_below_the_twin(no_queue) -> None:
    scenario = with_overrides(Scenario(), {**NO_QUEUE, "channels.teacher.places_per_year": 4})
    population = no_queue[1]
    engine = sim.run(scenario, replications=30, seed=SEED, population=population).metric("diverted_teacher")
    twin = expected(scenario, population, seed=SEED).metric("diverted_teacher")[0]
    for month in range(24, scenario.time.horizon_months + 1, 12):
        runs = engine.loc[month]
        upper = runs.mean() + 3 * runs.std(ddof=1) / math.sqrt(len(runs))
        assert upper < twin.loc[month], f"month {month}: engine {runs.mean():.1f}, twin {twin.loc[month]:.1f}"
    assert engine.loc[scenario.time.horizon_months].max() <= 4 * 10  # at most the places released


def test_constant_hazard_matches_exponential_survival_exactly() -> None:
    rate = 0.2
    scenario = with_overrides(
        Scenario(),
        {
            "population.synthetic.townships": 3,
            "reform.enabled": False,
            "attrition.retirement": False,
            "attrition.death_rate": 0.0,
            "attrition.quit_rate": rate,
            "hiring.pre_reform_replacement": 0.0,
            "money.counterfactual": False,
        },
    )
    population = sim.build_population(scenario, 1)
    headcount = expected(scenario, population).metric("headcount_total")[0]
    months = np.arange(len(headcount))
    np.testing.assert_allclose(headcount, len(population) * np.exp(-rate * months / 12), rtol=1e-12)


def test_twin_for_sweeps_has_the_engine_signature() -> None:
    scenario = with_overrides(Scenario(), {"population.synthetic.townships": 2})
    population = sim.build_population(scenario, 1)
    result = simulate_expected(scenario, population, 1, 7)
    assert result.replication == 7
    assert result.monthly.shape == (scenario.time.horizon_months + 1, len(result.columns))
    assert "savings_cumulative_government" in result.columns


def test_cli_runs_the_expected_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "twin"
    code = main(
        [
            "run",
            str(BASE),
            "--engine",
            "expected",
            "--set",
            "population.synthetic.townships=3",
            "--out",
            str(out),
            "--no-report",
        ]
    )
    assert code == 0
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert monthly["replication"].unique().tolist() == [0]
    assert "Headcount" in capsys.readouterr().out
    assert main(["run", str(BASE), "--engine", "expected", "--events", "--out", str(tmp_path / "x")]) == 2


def test_twin_timing_on_the_city_scenario() -> None:
    """The twin's wall time on scenarios/base.toml (110 townships, 17,490 people), printed, not asserted."""
    scenario = sim.load_scenario(BASE)
    population = sim.build_population(scenario, scenario.run.seed)
    Projection(scenario, population).run()  # warm caches (imports, first allocations)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        results = expected(scenario, population)
        times.append(time.perf_counter() - start)
    alone = []
    for _ in range(3):
        start = time.perf_counter()
        Projection(scenario, population).run()
        alone.append(time.perf_counter() - start)
    print(
        f"\nexpected-value twin on {BASE.name} ({len(population)} people): "
        f"{min(times) * 1000:.0f} ms with its no-reform counterfactual, {min(alone) * 1000:.0f} ms without"
    )
    monthly = results.monthly
    states = [c for c in monthly.columns if c.startswith("state_")]
    total = monthly[states].sum(axis=1) - monthly["hires_cumulative"]
    np.testing.assert_allclose(total, len(population), atol=1e-6)


def test_sex_specific_hazards_reconcile_with_the_engine() -> None:
    """Age- and sex-specific exit hazards (attrition.age_bands with `sex`): one rule, two integrators.

    Through the reform, the diversion and the retirements the engine's mean stays within 3 standard
    errors of the twin; and the hazards really differ (the twin with the same bands for both sexes
    loses visibly fewer people).
    """
    bands = [
        {"age_min": 20, "age_max": 40, "sex": "male", "quit_rate": 0.12, "death_rate": 0.002},
        {"age_min": 40, "age_max": 60, "sex": "male", "quit_rate": 0.03, "death_rate": 0.01},
        {"age_min": 20, "age_max": 45, "sex": "female", "quit_rate": 0.05, "death_rate": 0.001},
    ]
    overrides = {**NO_QUEUE, "population.synthetic.townships": 5, "attrition.age_bands": bands}
    scenario = with_overrides(Scenario(), overrides)
    population = sim.build_population(scenario, SEED)
    engine = sim.run(scenario, replications=30, seed=SEED, population=population).monthly
    twin = expected(scenario, population, seed=SEED).monthly
    failures = []
    for month in range(0, scenario.time.horizon_months + 1, 12):
        runs = engine[engine["month"] == month]
        row = twin[twin["month"] == month].iloc[0]
        for metric in ("headcount_total", "state_left", "state_retired", "diverted_teacher", "diverted_resignation"):
            values = runs[metric].to_numpy()
            mean, se = values.mean(), values.std(ddof=1) / math.sqrt(len(values))
            if abs(mean - row[metric]) > max(3 * se, 1e-6 * max(1.0, abs(row[metric]))):
                failures.append(f"month {month} {metric}: engine {mean:.6g} ± {se:.3g}, twin {row[metric]:.6g}")
    assert not failures, "\n".join(failures)
    same = [{**b, "sex": "any"} for b in bands[:2]]
    alike = expected(with_overrides(scenario, {"attrition.age_bands": same}), population, seed=SEED).monthly
    assert alike["state_left"].iloc[-1] > twin["state_left"].iloc[-1] + 5  # men's rates for women too: more leave


def test_regrowth_from_returns_reconciles_with_the_engine() -> None:
    """Returns are the one re-growth mechanism the twin integrates exactly (the petition chain): with no
    queue binding, the engine's mean `regrowth`, `unfinished` and `cut_achieved` lie within 3 SE of the twin,
    and the derived columns follow one definition in both (`sim.engine.rebound_rules.fill_derived`).
    """
    returns = {
        "rebound.return_success": 1.0,
        "rebound.enforcement": 0.0,
        "rebound.max_petitions": 4,
        **{f"channels.{c}.return_hazard": 0.03 for c in ("resignation", "termination", "enterprise")},
    }
    scenario = with_overrides(Scenario(), {**NO_QUEUE, **returns, "time.horizon_months": 72})
    population = sim.build_population(scenario, SEED)
    engine = sim.run(scenario, replications=40, seed=SEED, population=population).monthly
    twin = expected(scenario, population, seed=SEED).monthly.set_index("month")
    assert twin.loc[72, "regrowth"] > 5, "returns must happen for the check to mean anything"
    failures = []
    for month in range(0, 73, 12):
        runs = engine[engine["month"] == month]
        for metric in ("regrowth", "unfinished", "cut_achieved"):
            values = runs[metric].to_numpy()
            mean, se = values.mean(), values.std(ddof=1) / math.sqrt(len(values))
            if abs(mean - twin.loc[month, metric]) > max(3 * se, 1e-6):
                failures.append(
                    f"month {month} {metric}: engine {mean:.4g} ± {se:.2g}, twin {twin.loc[month, metric]:.4g}"
                )
    assert not failures, "\n".join(failures)
    # one definition: the twin's derived columns are those of its own counts
    np.testing.assert_allclose(twin["unfinished"], twin["state_awaiting"] + twin["state_rotating"])
    share = twin.loc[scenario.reform.month :, "regrowth"] / twin.loc[scenario.reform.month :, "cut_achieved"]
    np.testing.assert_allclose(twin.loc[share.index, "regrowth_share"], share.fillna(0.0))

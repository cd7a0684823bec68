"""The search: Optuna asks for candidates in batches, the executor evaluates them, Optuna is told.

The study lives in `<out>/study.sqlite3` (Optuna's RDB storage), so a killed search resumes:
finished candidates are kept, candidates that were running when it died are marked failed
and asked again with the same levers. Constraints reach the sampler through
`constraints_func` (values ≤ 0 mean met), so TPE and NSGA-II prefer feasible candidates and,
among infeasible ones, those that break the constraints least.
"""

from __future__ import annotations

import math
import sqlite3
import warnings
from collections.abc import Callable
from typing import Any

import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, Trial, TrialState

from sim.errors import InputError
from sim.experiment.executors import Executor
from sim.optimise.metrics import estimate, violation
from sim.optimise.plan import Evaluation, OptimisePlan, evaluate
from sim.optimise.spec import LeverSpec

STUDY = "study.sqlite3"
STUDY_NAME = "search"


def storage_of(plan: OptimisePlan) -> optuna.storages.RDBStorage:
    """The study's storage: an sqlite file in the results folder, in WAL mode.

    WAL with synchronous=NORMAL keeps every committed trial when the process is killed
    (only a power loss may drop the last few) and avoids an fsync per commit, which on a
    busy disk costs more than a small simulation.
    """
    path = str((plan.out / STUDY).resolve())

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    return optuna.storages.RDBStorage(f"sqlite:///{path}", engine_kwargs={"creator": connect})


def suggest(trial: Trial, key: str, lever: LeverSpec) -> Any:
    """Ask the trial for one lever's value."""
    if lever.values is not None:
        return trial.suggest_categorical(key, list(lever.values))
    low, high = float(lever.low), float(lever.high)  # type: ignore[arg-type]
    if lever.integer:
        step = 1 if lever.step is None or lever.log else max(int(round(lever.step)), 1)
        return trial.suggest_int(key, math.ceil(low), math.floor(high), step=step, log=lever.log)
    return trial.suggest_float(key, low, high, log=lever.log, step=None if lever.log else lever.step)


def summarise(plan: OptimisePlan, ev: Evaluation) -> dict[str, Any]:
    """Objective means and constraint estimates, each with its SE; violations and feasibility."""
    row: dict[str, Any] = {}
    violations = []
    for name in plan.spec.objectives:
        e = estimate(ev.arrays(name))
        row[name], row[f"{name}_se"] = e.value, e.se
    for name, c in plan.spec.constraints.items():
        e = estimate(ev.arrays(name), c)
        v = violation(c, e.value)
        row[name], row[f"{name}_se"], row[f"{name}_violation"] = e.value, e.se, v
        row[f"{name}_within_error"] = e.se <= c.target_se
        violations.append(v)
    row["violation"] = float(sum(max(v, 0.0) for v in violations))
    row["feasible"] = all(v <= 0 for v in violations)
    row["replications"] = ev.replications() * len(plan.worlds)
    return row


def _constraints_of(names: list[str]) -> Callable[[FrozenTrial], list[float]]:
    def constraints(trial: FrozenTrial) -> list[float]:
        row = trial.user_attrs.get("row", {})
        return [float(row.get(f"{n}_violation", 0.0)) for n in names]

    return constraints


def make_sampler(plan: OptimisePlan, batch: int) -> optuna.samplers.BaseSampler:
    """TPE (one objective) or NSGA-II (several), or the one the budget names; seeded; with constraints."""
    budget = plan.spec.budget
    kind = budget.sampler
    if kind == "auto":
        kind = "tpe" if len(plan.spec.objectives) == 1 else "nsga2"
    cf = _constraints_of(list(plan.spec.constraints)) if plan.spec.constraints else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)  # constraints_func: Trial.set_constraint needs optuna 5
        if kind == "tpe":
            startup = budget.startup or max(8, min(20, budget.evaluations // 4), 2 * len(plan.spec.levers))
            return optuna.samplers.TPESampler(
                seed=plan.seed, constraints_func=cf, n_startup_trials=startup, multivariate=True
            )
        population = budget.startup or max(batch, min(50, max(8, budget.evaluations // 5)))
        return optuna.samplers.NSGAIISampler(seed=plan.seed, constraints_func=cf, population_size=population)


def open_study(plan: OptimisePlan, batch: int, resume: bool, force: bool) -> optuna.Study:
    """Create the study, or load it to resume (InputError if the folder holds a different search)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    exists = (plan.out / STUDY).is_file()
    if exists and not resume:
        raise InputError(
            f"--out {str(plan.out)!r} already holds a search; pass --resume to continue it, or choose another folder"
        )
    plan.out.mkdir(parents=True, exist_ok=True)
    directions: list[StudyDirection] = [
        StudyDirection.MINIMIZE if o.sense == "minimise" else StudyDirection.MAXIMIZE
        for o in plan.spec.objectives.values()
    ]
    study = optuna.create_study(
        storage=storage_of(plan),
        study_name=STUDY_NAME,
        directions=directions,
        sampler=make_sampler(plan, batch),
        load_if_exists=True,
    )
    fingerprint = plan.spec.fingerprint()
    old = study.user_attrs.get("spec_sha256")
    if old is None:
        study.set_user_attr("spec_sha256", fingerprint)
        study.set_user_attr("seed", plan.seed)
    elif old != fingerprint and not force:
        raise InputError(
            f"cannot resume {str(plan.out)!r}: the optimisation spec changed since the search began; "
            "run it into a new --out folder, or pass --force to resume anyway"
        )
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(trial.number, state=TrialState.FAIL)  # killed while it ran: ask again with the same levers
        study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
    return study


def spent(study: optuna.Study) -> int:
    """Evaluations that count against the budget: finished ones and those that failed with an error."""
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL))
    return sum(1 for t in trials if t.state == TrialState.COMPLETE or "error" in t.user_attrs)


def run_search(
    plan: OptimisePlan,
    study: optuna.Study,
    executor: Executor,
    engine: str,
    batch: int,
    on_batch: Callable[[int, int], None] | None = None,
) -> None:
    """Ask, evaluate and tell in batches until the budget of evaluations is spent."""
    budget = plan.spec.budget
    reps = 1 if engine == "expected" else budget.replications
    while (left := budget.evaluations - spent(study)) > 0:
        trials = [study.ask() for _ in range(min(batch, left))]
        candidates = {
            t.number: Evaluation({k: suggest(t, k, lever) for k, lever in plan.spec.levers.items()}) for t in trials
        }
        evaluate(plan, executor, candidates, 0, reps)
        for t in trials:
            ev = candidates[t.number]
            if ev.error is not None:
                t.set_user_attr("error", ev.error)
                study.tell(t, state=TrialState.FAIL)
                continue
            row = summarise(plan, ev)
            t.set_user_attr("row", row)
            t.set_user_attr("values", ev.values)
            t.set_user_attr("engine", engine)
            study.tell(t, [row[name] for name in plan.spec.objectives])
        if on_batch is not None:
            on_batch(spent(study), budget.evaluations)

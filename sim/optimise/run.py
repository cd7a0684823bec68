"""`sim.optimise(spec)`: plan, search, confirm, tabulate and save a policy search."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sim.experiment.executors import Executor, make_executor
from sim.optimise.confirm import confirm, pick
from sim.optimise.plan import Evaluation, OptimisePlan, context_of, plan_optimise
from sim.optimise.results import OptimiseResult, pareto_table, save, trials_table
from sim.optimise.search import open_study, run_search
from sim.optimise.spec import OptimiseSpec
from sim.scenario.schema import Scenario


def _started(
    kind: str, workers: int | None, scheduler: str | None, timeout: float, plan: OptimisePlan, engine: str
) -> Executor:
    executor = make_executor(kind, workers, scheduler, timeout)
    executor.start(context_of(plan, engine))
    return executor


def optimise(
    spec: str | Path | Mapping[str, Any] | OptimiseSpec,
    base: Scenario | str | Path | None = None,
    out: str | Path | None = None,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    connect_timeout: float = 10.0,
    resume: bool = False,
    force: bool = False,
    report: bool = True,
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
) -> OptimiseResult:
    """Search the spec's levers for the best policies under its risk constraints; write results/<name>/.

    The search runs `budget.evaluations` candidates (engine `budget.screen`) on `executor`
    (local pool, dask or inprocess), every candidate on the same replications from the same
    seed; then up to `budget.confirm` of the best, and the starting scenario, are confirmed
    by the discrete-event engine until their constraint SEs are met. Resumable with
    `resume=True` from the study in the results folder.
    """
    say = progress or (lambda _text: None)
    plan = plan_optimise(spec, base, out)
    budget = plan.spec.budget
    t0 = time.perf_counter()
    engine = budget.screen
    runner = _started(executor, workers, scheduler, connect_timeout, plan, engine)
    try:
        batch = budget.batch or 2 * runner.workers
        study = open_study(plan, batch, resume, force)
        say(f"{plan.spec.name}: searching {budget.evaluations} candidates ({engine}, batches of {batch}) → {plan.out}/")
        run_search(plan, study, runner, engine, batch, lambda done, total: say(f"  {done}/{total} evaluated"))
        t1 = time.perf_counter()
        chosen = pick(plan, study)
        reuse: dict[int, Evaluation] = {}
        if engine == "des":
            for number, levers in chosen:
                values = study.trials[number].user_attrs.get("values")
                if values:
                    reuse[number] = Evaluation(dict(levers), values)
        else:
            runner.close()
            runner = _started(executor, workers, scheduler, connect_timeout, plan, "des")
        say(f"{plan.spec.name}: confirming {len(chosen)} candidates and the start with the engine")
        confirmed = confirm(plan, runner, chosen, reuse)
    finally:
        runner.close()
    t2 = time.perf_counter()
    table, status = pareto_table(plan, confirmed)
    timings = {"search_s": t1 - t0, "confirm_s": t2 - t1, "total_s": t2 - t0}
    result = OptimiseResult(plan, table, trials_table(plan, study), status, timings)
    save(result)
    if report:
        from sim.report.optimise_report import optimise_report

        optimise_report(plan.out, lang=lang)
    return result

"""Run a scenario's replications in this process and gather them into Results."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable, Iterator
from functools import partial

from sim.engine import RunResult, simulate
from sim.errors import RunFailed
from sim.experiment.executors import check_workers, make_executor
from sim.experiment.gather import Gathered, in_order
from sim.experiment.jobs import Context, Job, Outcome
from sim.experiment.progress import Progress
from sim.experiment.results import Results
from sim.population.build import build_population
from sim.population.table import Population
from sim.scenario.schema import Scenario


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    events: bool | None = None,
    population: Population | None = None,
    progress: bool | None = False,
    workers: int = 1,
) -> Results:
    """Run `replications` replications of `scenario` (defaults from its [run] section).

    Replication r draws from `SeedSequence(seed, spawn_key=(r, stream))`, so results are the
    same whatever runs them. The population is built once from the seed and shared.
    `progress`: False shows nothing, None a bar on a terminal (log lines otherwise), as the sweeps do.
    `workers` > 1: the replications run on a local pool of that many processes (each receives the
    scenario and population once) and are gathered in replication order, so the results are the
    same, byte for byte, as one process gives.
    """
    replications = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    events = scenario.output.events if events is None else events
    check_workers(workers)
    t0 = time.perf_counter()
    pop = build_population(scenario, seed) if population is None else population
    t1 = time.perf_counter()
    gathered = Gathered(replications, events)
    bar = Progress(replications, label=f"{scenario.name}: replications", enabled=progress)
    results: Generator[tuple[int, RunResult], None, None]
    if workers > 1 and replications > 1:
        results = _in_workers(scenario, pop, seed, replications, events, workers)
    else:
        results = ((rep, simulate(scenario, pop, seed, rep, record_events=events)) for rep in range(replications))
    try:
        for rep, result in results:
            gathered.add(rep, result)
            bar.update(True)
    finally:
        results.close()  # a pool stops with its run, even one broken off
        bar.close()
    t2 = time.perf_counter()
    timings = {
        "population_s": t1 - t0,
        "replications_s": t2 - t1,
        "per_replication_s": (t2 - t1) / max(replications, 1),
        "workers": min(workers, max(replications, 1)),
    }
    return gathered.results(scenario, seed, replications, timings)


def _in_workers(
    scenario: Scenario, population: Population, seed: int, replications: int, events: bool, workers: int
) -> Generator[tuple[int, RunResult], None, None]:
    """Replications 0 … n − 1 on a local pool of `workers` processes, yielded in replication order.

    At most 2 × workers replications are in flight (the pool's window), so results that come back
    early wait (`in_order`) only until the ones before them arrive. A replication that fails, or a
    worker that dies, stops the run (`RunFailed`, with the worker's traceback or the likely cause).
    """
    model = partial(simulate, record_events=True) if events else simulate
    context = Context.of([scenario], seed, model, population)
    jobs = (Job(0, rep, 1, whole=True) for rep in range(replications))
    with make_executor("local", min(workers, replications)) as pool:  # no idle worker started
        pool.start(context)
        yield from in_order(_results(pool.run(jobs)))


def _results(outcomes: Iterable[Outcome]) -> Iterator[tuple[int, RunResult]]:
    for outcome in outcomes:
        if not outcome.ok:
            message = f"replication {outcome.job.first} failed in a worker process: {outcome.error}"
            if "worker process died" in (outcome.error or ""):
                message += (
                    "; a worker that dies has most often run out of memory (a province-sized replication needs"
                    " about 0.6 GB per worker): try fewer --workers"
                )
            raise RunFailed(message)
        yield outcome.job.first, outcome.results[0]

"""Run a scenario's replications in this process and gather them into Results."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable, Iterator
from functools import partial
from typing import TypeVar

import pandas as pd

from sim.engine import EVENT_COLUMNS, RunResult, simulate
from sim.errors import RunFailed
from sim.experiment.executors import check_workers, make_executor
from sim.experiment.jobs import Context, Job, Outcome
from sim.experiment.progress import Progress
from sim.experiment.results import (
    MonthlyStack,
    Results,
    channel_frame,
    county_frame,
    monthly_table,
    township_frame,
)
from sim.population.build import build_population
from sim.population.table import Population
from sim.scenario.schema import Scenario

T = TypeVar("T")


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
    stack, logs, townships, channels, counties = MonthlyStack(replications), [], [], [], []
    county_names: tuple[str, ...] = ()
    bar = Progress(replications, label=f"{scenario.name}: replications", enabled=progress)
    results: Generator[tuple[int, RunResult], None, None]
    if workers > 1 and replications > 1:
        results = _in_workers(scenario, pop, seed, replications, events, workers)
    else:
        results = ((rep, simulate(scenario, pop, seed, rep, record_events=events)) for rep in range(replications))
    try:
        for rep, result in results:
            stack.add(rep, *monthly_table(result))
            if result.by_township is not None:
                townships.append((rep, result.by_township))
            if result.channel_one_time is not None:
                channels.append((rep, result.channel_one_time))
            if result.by_county is not None:
                counties.append((rep, result.by_county))
                county_names = result.county_names
            if result.events is not None:
                logs.append(pd.DataFrame(result.events, columns=list(EVENT_COLUMNS)).assign(replication=rep))
            bar.update(True)
    finally:
        results.close()  # a pool stops with its run, even one broken off
        bar.close()
    t2 = time.perf_counter()
    event_frame = None
    if events:
        event_frame = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=[*EVENT_COLUMNS])
        event_frame = event_frame[["replication", *EVENT_COLUMNS]]
    timings = {
        "population_s": t1 - t0,
        "replications_s": t2 - t1,
        "per_replication_s": (t2 - t1) / max(replications, 1),
        "workers": min(workers, max(replications, 1)),
    }
    return Results(
        scenario,
        seed,
        replications,
        stack.frame(),
        event_frame,
        timings,
        by_township=township_frame(townships, pop.townships.names) if townships else None,
        by_channel=channel_frame(channels) if channels else None,
        by_county=county_frame(counties, county_names) if counties else None,
    )


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


def in_order(arrivals: Iterable[tuple[int, T]]) -> Iterator[tuple[int, T]]:
    """Items numbered 0, 1, 2, … in their numbers' order, whatever order they arrive in: each waits
    only until those before it have come.
    """
    arrived: dict[int, T] = {}
    following = 0
    for number, item in arrivals:
        arrived[number] = item
        while following in arrived:
            yield following, arrived.pop(following)
            following += 1
    if arrived:
        raise RuntimeError(f"replications {sorted(arrived)} came back without replication {following}")

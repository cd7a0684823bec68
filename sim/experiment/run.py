"""Run a scenario's replications in this process and gather them into Results."""

from __future__ import annotations

import time

import pandas as pd

from sim.engine import EVENT_COLUMNS, simulate
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


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    events: bool | None = None,
    population: Population | None = None,
    progress: bool | None = False,
) -> Results:
    """Run `replications` replications of `scenario` (defaults from its [run] section).

    Replication r draws from `SeedSequence(seed, spawn_key=(r, stream))`, so results are the
    same whatever runs them. The population is built once from the seed and shared.
    `progress`: False shows nothing, None a bar on a terminal (log lines otherwise), as the sweeps do.
    """
    replications = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    events = scenario.output.events if events is None else events
    t0 = time.perf_counter()
    pop = build_population(scenario, seed) if population is None else population
    t1 = time.perf_counter()
    stack, logs, townships, channels, counties = MonthlyStack(replications), [], [], [], []
    county_names: tuple[str, ...] = ()
    bar = Progress(replications, label=f"{scenario.name}: replications", enabled=progress)
    try:
        for rep in range(replications):
            result = simulate(scenario, pop, seed, rep, record_events=events)
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

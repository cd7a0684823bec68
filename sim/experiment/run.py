"""Run a scenario's replications in this process and gather them into Results."""

from __future__ import annotations

import time

import pandas as pd

from sim.engine import EVENT_COLUMNS, simulate
from sim.experiment.results import Results, county_frame, monthly_frame
from sim.population.build import build_population
from sim.population.table import Population
from sim.scenario.schema import Scenario


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    events: bool | None = None,
    population: Population | None = None,
) -> Results:
    """Run `replications` replications of `scenario` (defaults from its [run] section).

    Replication r draws from `SeedSequence(seed, spawn_key=(r, stream))`, so results are the
    same whatever runs them. The population is built once from the seed and shared.
    """
    replications = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    events = scenario.output.events if events is None else events
    t0 = time.perf_counter()
    pop = build_population(scenario, seed) if population is None else population
    t1 = time.perf_counter()
    tables, logs, counties = [], [], []
    for rep in range(replications):
        result = simulate(scenario, pop, seed, rep, record_events=events)
        tables.append((rep, result.columns, result.monthly))
        if result.by_county is not None:
            counties.append((rep, result.by_county))
        if result.events is not None:
            logs.append(pd.DataFrame(result.events, columns=list(EVENT_COLUMNS)).assign(replication=rep))
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
    by_county = county_frame(counties, result.county_names) if counties else None
    return Results(scenario, seed, replications, monthly_frame(tables), event_frame, timings, by_county=by_county)

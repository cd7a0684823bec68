"""Jobs: one scenario point × a few replications, run wherever an executor sends them.

The context (base scenarios, seed, replication function) reaches each worker once; a job
carries only its point's overrides. A worker builds the point's scenario and population
itself and keeps the last few, so the 17k-person population is never pickled per job.
A job never raises: a failure comes back as an Outcome with its traceback.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine.model import RunResult, simulate
from sim.errors import InputError
from sim.experiment.lifeline import watch_parent
from sim.experiment.results import monthly_table
from sim.population.build import build_population
from sim.population.table import Population
from sim.scenario.loader import resolved_with, scenario_hash
from sim.scenario.schema import Scenario

Simulate = Callable[[Scenario, Population, int, int], RunResult]


@dataclass(frozen=True)
class Context:
    """What every job of an experiment shares; shipped to each worker once."""

    bases: tuple[dict[str, Any], ...]  # resolved base scenarios, as model_dump(mode="json")
    seed: int
    model: Simulate = simulate  # a module-level function, so that workers can import it
    fingerprints: tuple[str, ...] = ()  # sha256 of each base, keys of the workers' caches
    population: Population | None = None  # the first base's own population (a run's), instead of building it

    @classmethod
    def of(
        cls, bases: list[Scenario], seed: int, model: Simulate = simulate, population: Population | None = None
    ) -> Context:
        """A context for these resolved base scenarios; `population`: the first base's own (a run's), if given."""
        dumped = tuple(b.model_dump(mode="json") for b in bases)
        return cls(dumped, seed, model, tuple(scenario_hash(b) for b in bases), population)


@dataclass(frozen=True)
class Job:
    """Replications `first` .. `first + count - 1` of point `point` (overrides on base `base`)."""

    point: int
    first: int
    count: int
    overrides: tuple[tuple[str, Any], ...] = ()
    base: int = 0
    whole: bool = False  # send back each replication's whole RunResult (a run's), not only its monthly table

    @property
    def id(self) -> str:
        """A stable name, used for part files and the job table."""
        return f"p{self.point:05d}-r{self.first:04d}"

    @property
    def replications(self) -> range:
        """The replication indices this job runs."""
        return range(self.first, self.first + self.count)


@dataclass
class Outcome:
    """What came back from a job: the monthly tables (or, for a `whole` job, the results), or the error."""

    job: Job
    ok: bool
    columns: tuple[str, ...] = ()
    tables: list[np.ndarray] = field(default_factory=list)  # one (months + 1, columns) array per replication
    error: str | None = None
    started: float = 0.0
    finished: float = 0.0
    worker: str = ""
    results: list[RunResult] = field(default_factory=list)  # the whole results, for a job marked `whole`


# ----- worker side ------------------------------------------------------------------------
_CACHE_SIZE = 4
_cache: OrderedDict[Any, tuple[Scenario, Population]] = OrderedDict()
_cache_lock = threading.Lock()
_worker_context: Context | None = None


def _prepared(context: Context, job: Job) -> tuple[Scenario, Population]:
    """The point's scenario and population, from this worker's small cache or built now."""
    fingerprint = context.fingerprints[job.base] if context.fingerprints else json.dumps(context.bases[job.base])
    key = (fingerprint, json.dumps(job.overrides, default=str), context.seed)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    scenario = resolved_with(context.bases[job.base], dict(job.overrides), origin="sweep point")
    population = context.population  # a run's own population serves its base as it is
    if population is None or job.base != 0 or job.overrides:
        population = build_population(scenario, context.seed)
    with _cache_lock:
        _cache[key] = (scenario, population)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return scenario, population


def worker_name() -> str:
    """host:pid of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def execute(context: Context, job: Job) -> Outcome:
    """Run one job; never raises (a failure is returned with its traceback)."""
    started = time.time()
    try:
        scenario, population = _prepared(context, job)
        tables: list[np.ndarray] = []
        results: list[RunResult] = []
        columns: tuple[str, ...] = ()
        for rep in job.replications:
            result = context.model(scenario, population, context.seed, rep)
            if job.whole:
                results.append(result)
            else:
                columns, table = monthly_table(result)
                tables.append(table)
        return Outcome(job, True, columns, tables, None, started, time.time(), worker_name(), results)
    except Exception as exc:  # noqa: BLE001 - a failed job is recorded, never fatal
        text = traceback.format_exc()
        if isinstance(exc, InputError):
            text = f"{text}\n{exc}"
        return Outcome(job, False, error=text, started=started, finished=time.time(), worker=worker_name())


def pause_pid(seconds: float) -> int:
    """Sleep briefly and say which process ran this: used to wait until every worker is up."""
    time.sleep(seconds)
    return os.getpid()


def init_worker(context: Context) -> None:
    """Process-pool initializer: keep the context for `execute_here`; end with the parent process."""
    global _worker_context
    _worker_context = context
    watch_parent()


def execute_here(job: Job) -> Outcome:
    """Run a job with the context given to `init_worker`."""
    if _worker_context is None:
        raise RuntimeError("worker has no context; init_worker was not called")
    return execute(_worker_context, job)

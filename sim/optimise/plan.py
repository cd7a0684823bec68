"""Planning a policy search (everything checked, nothing written) and evaluating candidates on an executor.

A candidate is a dict of lever values. Evaluating it runs, for every world, the same
replications `first .. first + count - 1` from the same seed (common random numbers: two
candidates differ only by their levers), and reads every objective and constraint metric
from the monthly tables. Only those per-replication numbers are kept, not the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.engine.model import simulate
from sim.errors import InputError
from sim.expected import simulate_expected
from sim.experiment.executors import Executor
from sim.experiment.jobs import Context, Job, Simulate
from sim.experiment.spec_files import spec_base
from sim.optimise.metrics import check_metrics, metric_values
from sim.optimise.spec import OptimiseSpec, load_optimise_spec
from sim.scenario.loader import resolved_with, with_overrides
from sim.scenario.schema import Scenario


@dataclass
class OptimisePlan:
    """A validated search, ready to run."""

    spec: OptimiseSpec
    source: str
    base: Scenario  # the base scenario with [set] and the fixed uncertainties applied
    base_file: str | None
    seed: int
    worlds: list[dict[str, Any]]  # overrides of each sampled world (one empty world if none is sampled)
    out: Path

    @property
    def metric_names(self) -> list[str]:
        """Objectives then constraints."""
        return [*self.spec.objectives, *self.spec.constraints]

    def start_levers(self) -> dict[str, Any]:
        """The levers' values in the base scenario (the starting point)."""
        data = self.base.model_dump(mode="json")
        out = {}
        for key in self.spec.levers:
            node: Any = data
            for part in key.split("."):
                node = node[int(part)] if isinstance(node, list) else node[part]
            out[key] = node
        return out

    def scenario_of(self, levers: Mapping[str, Any], world: int = 0) -> Scenario:
        """The scenario of a candidate in one world."""
        return with_overrides(self.base, {**dict(levers), **self.worlds[world]}, origin=f"{self.source} candidate")


def _worlds(spec: OptimiseSpec, seed: int) -> list[dict[str, Any]]:
    """The sampled worlds: a scrambled Sobol'/LHS draw over the sampled uncertainties, fixed by the seed."""
    sampled = {k: u for k, u in spec.uncertainties.items() if u.sampled}
    if not sampled:
        return [{}]
    n = spec.budget.worlds
    unit = qmc.LatinHypercube(d=len(sampled), seed=np.random.default_rng(seed)).random(n)
    worlds = []
    for row in unit:
        world: dict[str, Any] = {}
        for (key, u), x in zip(sampled.items(), row, strict=True):
            if u.values is not None:
                world[key] = u.values[min(int(x * len(u.values)), len(u.values) - 1)]
            else:
                world[key] = float(u.low + x * (u.high - u.low))  # type: ignore[operator]
        worlds.append(world)
    return worlds


def _extremes(spec: OptimiseSpec) -> Iterable[tuple[str, str, Any]]:
    for key, lever in spec.levers.items():
        values = lever.values if lever.values is not None else (lever.low, lever.high)
        for value in values:
            if lever.integer and value is not None:
                value = int(round(value))
            yield "levers", key, value
    for key, u in spec.uncertainties.items():
        values = (u.value,) if u.value is not None else u.values if u.values is not None else (u.low, u.high)
        for value in values:
            yield "uncertainties", key, value


def plan_optimise(
    spec: str | Path | Mapping[str, Any] | OptimiseSpec,
    base: Scenario | str | Path | None = None,
    out: str | Path | None = None,
) -> OptimisePlan:
    """Validate a search completely without writing anything (InputError naming the key on bad input)."""
    spec_obj, spec_file = load_optimise_spec(spec)
    source = str(spec_file) if spec_file else "optimisation spec"
    scenario, base_file = spec_base(base, spec_obj.base, spec_file, spec_obj.set, source, "the search")
    fixed = {k: u.value for k, u in spec_obj.uncertainties.items() if not u.sampled}
    if fixed:
        scenario = with_overrides(scenario, fixed, origin=f"{source} [uncertainties]")
    data = scenario.model_dump(mode="json")
    for table, key, value in _extremes(spec_obj):
        try:
            resolved_with(data, {key: value}, origin=f"{source} [{table}]")
        except InputError as exc:
            raise InputError(f"key '{table}.{key}': {exc}", source=source) from None
    check_metrics(spec_obj, scenario, source)
    seed = scenario.run.seed if spec_obj.seed is None else spec_obj.seed
    folder = Path(out) if out is not None else Path("results") / spec_obj.name
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--out {str(folder)!r} exists and is not a folder")
    return OptimisePlan(spec_obj, source, scenario, base_file, seed, _worlds(spec_obj, seed), folder)


def context_of(plan: OptimisePlan, engine: str) -> Context:
    """The executor context: the base scenario, the seed, and the engine's replication function."""
    model: Simulate = simulate if engine == "des" else simulate_expected
    return Context.of([plan.base], plan.seed, model)


@dataclass
class Evaluation:
    """Per-replication metric values of one candidate: values[metric][world] is an array over replications."""

    levers: dict[str, Any]
    values: dict[str, list[list[float]]] = field(default_factory=dict)
    error: str | None = None

    def replications(self) -> int:
        """Replications per world gathered so far."""
        first: list[list[float]] = next(iter(self.values.values()), [[]])
        return len(first[0])

    def arrays(self, name: str) -> list[np.ndarray]:
        """One array per world for metric `name`."""
        return [np.asarray(v, dtype=float) for v in self.values[name]]


def evaluate(
    plan: OptimisePlan,
    executor: Executor,
    candidates: Mapping[int, Evaluation],
    first: int,
    count: int,
) -> None:
    """Run replications first .. first+count-1 of every candidate in every world; append their metric values.

    Every candidate uses the plan's seed and the same replication indices (common random
    numbers). A failed job marks its candidate with the error.
    """
    spec, w = plan.spec, len(plan.worlds)
    metrics = {**spec.objectives, **spec.constraints}
    jobs = []
    for cid, ev in candidates.items():
        for world in range(w):
            overrides = tuple({**ev.levers, **plan.worlds[world]}.items())
            jobs.append(Job(cid * w + world, first, count, overrides))
    scenarios: dict[tuple[int, int], Scenario] = {}
    got: dict[tuple[int, int], dict[str, list[float]]] = {}
    for outcome in executor.run(jobs):
        cid, world = divmod(outcome.job.point, w)
        ev = candidates[cid]
        if not outcome.ok:
            ev.error = (outcome.error or "failed").strip().splitlines()[-1]
            continue
        key = (cid, world)
        if key not in scenarios:
            scenarios[key] = plan.scenario_of(ev.levers, world)
        got[key] = {
            name: metric_values(outcome.tables, outcome.columns, m, scenarios[key]).tolist()
            for name, m in metrics.items()
        }
    for cid, ev in candidates.items():
        if ev.error is not None:
            continue
        for name in metrics:
            per_world = ev.values.setdefault(name, [[] for _ in range(w)])
            for world in range(w):
                per_world[world].extend(got[(cid, world)][name])

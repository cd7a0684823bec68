"""Experimental designs: from a sweep spec to a table of points (policy × world).

Every design first places worlds in the unit hypercube (one column per parameter), then maps
each column through its parameter's distribution. Levers are crossed with the worlds: point
`p` is policy `p // n_worlds` in world `p % n_worlds`. The sampler's seed is derived from the
sweep seed, so the same spec always gives the same design.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.spec import ParameterSpec, SweepSpec

DESIGN_STREAM = 0x444553  # spawn key of the design sampler, apart from replication and population streams
UNIT_PREFIX = "unit:"


@dataclass(frozen=True)
class Design:
    """The points of a sweep: `policies` × `worlds`, with the worlds' unit-cube coordinates."""

    kind: str
    parameters: tuple[str, ...]
    levers: tuple[str, ...]
    unit: np.ndarray  # (n_worlds, n_parameters) in [0, 1]
    worlds: tuple[dict[str, Any], ...]
    policies: tuple[dict[str, Any], ...]
    levels: int = 4

    @property
    def n_worlds(self) -> int:
        """Sampled (or gridded) parameter settings."""
        return len(self.worlds)

    @property
    def n_policies(self) -> int:
        """Lever combinations (1 when there are no levers)."""
        return len(self.policies)

    @property
    def n_points(self) -> int:
        """Points: every policy in every world."""
        return self.n_worlds * self.n_policies

    def overrides(self, point: int) -> dict[str, Any]:
        """The dotted overrides that make point `point` from the base scenario."""
        policy, world = divmod(point, self.n_worlds)
        return {**self.policies[policy], **self.worlds[world]}

    def table(self) -> pd.DataFrame:
        """One row per point: point, policy, world, lever values, parameter values, unit coordinates."""
        rows = []
        for p in range(self.n_points):
            policy, world = divmod(p, self.n_worlds)
            row: dict[str, Any] = {"point": p, "policy": policy, "world": world}
            row.update(self.policies[policy])
            row.update(self.worlds[world])
            for k, key in enumerate(self.parameters):
                row[UNIT_PREFIX + key] = float(self.unit[world, k])
            rows.append(row)
        frame = pd.DataFrame(rows)
        for col in ("point", "policy", "world"):
            frame[col] = frame[col].astype("int64")
        return frame

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary for the manifest."""
        return {
            "kind": self.kind,
            "parameters": list(self.parameters),
            "levers": list(self.levers),
            "worlds": self.n_worlds,
            "policies": self.n_policies,
            "points": self.n_points,
            "levels": self.levels,
        }


def design_seed(seed: int) -> int:
    """The sampler's seed, derived from the sweep seed."""
    return int(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)).generate_state(1)[0])


def _native(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _range_value(spec: ParameterSpec, u: float) -> Any:
    """Map a unit coordinate to a value of a range parameter through its distribution."""
    lo, hi = float(spec.low), float(spec.high)  # type: ignore[arg-type]
    u = min(max(u, 0.0), 1.0)
    if spec.integer and spec.distribution == "uniform":
        a, b = math.ceil(lo), math.floor(hi)
        return int(min(a + math.floor(u * (b - a + 1)), b))
    if hi == lo:
        x = lo
    elif spec.distribution == "uniform":
        x = lo + u * (hi - lo)
    elif spec.distribution == "loguniform":
        x = lo * (hi / lo) ** u
    elif spec.distribution == "triangular":
        from scipy import stats

        x = float(stats.triang(c=(spec.mode - lo) / (hi - lo), loc=lo, scale=hi - lo).ppf(u))  # type: ignore[operator]
    else:
        from scipy import stats

        mean, sd = float(spec.mean), float(spec.sd)  # type: ignore[arg-type]
        x = float(stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd).ppf(u))
    x = min(max(x, lo), hi)
    return int(min(max(round(x), math.ceil(lo)), math.floor(hi))) if spec.integer else float(x)


def value_at(spec: ParameterSpec, u: float) -> Any:
    """The parameter's value at unit coordinate `u` (a listed value, or a point of the range)."""
    if spec.values is not None:
        k = len(spec.values)
        return _native(spec.values[min(int(math.floor(u * k)), k - 1)])
    return _range_value(spec, u)


def grid_values(spec: ParameterSpec, levels: int) -> tuple[list[Any], list[float]]:
    """A grid's values for one parameter and their unit positions."""
    if spec.values is not None:
        vals = [_native(v) for v in spec.values]
    else:
        n = spec.levels or levels
        raw = np.linspace(float(spec.low), float(spec.high), n)  # type: ignore[arg-type]
        vals = [int(round(x)) for x in raw] if spec.integer else [float(x) for x in raw]
        vals = list(dict.fromkeys(vals))
    n = len(vals)
    return vals, [k / (n - 1) if n > 1 else 0.5 for k in range(n)]


def latin_hypercube(n: int, d: int, seed: int) -> np.ndarray:
    """N points in [0, 1)^d, one in each of the n slices of every axis, jittered within it (scrambled LHS)."""
    rng = np.random.default_rng(seed)
    strata = rng.permuted(np.tile(np.arange(n), (d, 1)), axis=1).T
    return (strata + rng.random((n, d))) / n


def _unit_sample(spec: SweepSpec, seed: int) -> np.ndarray:
    """The worlds' unit-cube coordinates for sampling designs."""
    d, n = len(spec.parameters), int(spec.design.points or 0)
    problem = {"num_vars": d, "names": list(spec.parameters), "bounds": [[0.0, 1.0]] * d}
    if spec.design.kind == "lhs":
        return latin_hypercube(n, d, seed)
    if spec.design.kind == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed))
    from SALib.sample import morris

    return np.asarray(morris.sample(problem, n, num_levels=spec.design.levels, seed=seed))


def build_design(spec: SweepSpec, seed: int) -> Design:
    """The design a spec asks for; `seed` is the sweep's root seed."""
    params = tuple(spec.parameters)
    levers = tuple(spec.levers)
    if spec.design.kind == "grid":
        per = [grid_values(spec.parameters[k], spec.design.levels) for k in params]
        combos = list(itertools.product(*[range(len(v)) for v, _ in per]))
        unit = np.array([[per[j][1][i] for j, i in enumerate(c)] for c in combos], dtype=float).reshape(
            len(combos), len(params)
        )
        worlds = tuple({k: per[j][0][i] for j, (k, i) in enumerate(zip(params, c, strict=True))} for c in combos)
    else:
        unit = _unit_sample(spec, design_seed(seed))
        worlds = tuple(
            {k: value_at(spec.parameters[k], float(u)) for k, u in zip(params, row, strict=True)} for row in unit
        )
    lever_values = [[_native(v) for v in spec.levers[k].values] for k in levers]
    policies = tuple(dict(zip(levers, combo, strict=True)) for combo in itertools.product(*lever_values))
    return Design(spec.design.kind, params, levers, unit, worlds, policies, spec.design.levels)

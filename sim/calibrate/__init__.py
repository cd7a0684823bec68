"""Calibration: fit free scenario parameters to target figures from the source documents.

    import sim
    cal = sim.calibrate("scenarios/suzhou_seven_channels.toml", "scenarios/targets/suzhou.toml")
    print(cal.report())
    cal.write("scenarios/suzhou_seven_channels_calibrated.toml")

The targets file names the figures, the free parameters with their bounds and the search
settings (see `sim.calibrate.targets`); the loss and the search are in `sim.calibrate.fit`.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calibrate.fit import Free, Search, fitting_scenario, resolve_free, search
from sim.calibrate.implied import at_bounds
from sim.calibrate.result import Calibration
from sim.calibrate.targets import TargetsSpec, check_targets, load_targets, metric_columns, parse_targets
from sim.scenario.loader import load_scenario, parse_override, with_overrides
from sim.scenario.schema import Scenario

__all__ = [
    "Calibration",
    "Free",
    "TargetsSpec",
    "calibrate",
    "load_targets",
    "metric_columns",
    "parse_targets",
]


def _free_keys(free: Iterable[str] | Mapping[str, Any] | None) -> dict[str, tuple[float, float] | None] | None:
    if free is None:
        return None
    if isinstance(free, Mapping):
        out: dict[str, tuple[float, float] | None] = {}
        for key, bounds in free.items():
            if bounds is None:
                out[key] = None
            else:
                low, high = bounds
                out[key] = (float(low), float(high))
        return out
    return dict.fromkeys(free)


def calibrate(
    scenario: str | Path | Scenario,
    targets: str | Path | Mapping[str, Any] | TargetsSpec,
    free: Iterable[str] | Mapping[str, tuple[float, float] | None] | None = None,
    *,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    budget: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    design_points: int | None = None,
    method: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Calibration:
    """Fit the free parameters of `scenario` to `targets`; returns a Calibration.

    `free`: the keys to fit — default all of the targets file's `[free]` table; a list picks
    some of them; a mapping {key: (low, high)} gives bounds for keys the file does not have.
    `overrides` are applied to the scenario first (and written to the calibrated file).
    `budget`, `replications`, `seed`, `design_points`, `method` override the targets file.
    Every candidate point runs the same `replications` from the same `seed`.
    """
    t0 = time.perf_counter()
    path = None if isinstance(scenario, Scenario) else Path(scenario)
    set_values = _override_dict(overrides)
    if isinstance(scenario, Scenario):
        base = with_overrides(scenario, set_values, origin="--set") if set_values else scenario
    else:
        base = load_scenario(scenario, set_values)
    if isinstance(targets, TargetsSpec):
        spec, source, name = targets, "targets", "the given targets"
    elif isinstance(targets, Mapping):
        spec, source, name = parse_targets(targets), "targets", "the given targets"
    else:
        spec, source, name = load_targets(targets), str(targets), _short(Path(targets), path)
    updates = {
        k: v
        for k, v in (
            ("budget", budget),
            ("replications", replications),
            ("seed", seed),
            ("design_points", design_points),
            ("method", method),
        )
        if v is not None
    }
    if updates:
        spec = parse_targets({**spec.model_dump(), **updates}, source)
    check_targets(spec, base, source)
    free_list = resolve_free(base, spec, _free_keys(free), source)
    fit_base = fitting_scenario(base, spec)
    s = Search(fit_base, spec, free_list, spec.budget, spec.replications, spec.seed, progress)
    search(s, spec.design, spec.design_points, spec.method)
    start = {f.key: f.value(f.unit(f.start)) for f in free_list}
    start_loss = s.cache[tuple(start[f.key] for f in free_list)][0]
    best, _ = s.best()
    values = {f.key: f.rounded(best[f.key]) for f in free_list}
    s.phase = "final"
    loss, figures = s.evaluate(values, force=True)
    implied = s.implied.get(tuple(values[f.key] for f in free_list))
    return Calibration(
        base=base,
        free=free_list,
        values=values,
        start_values=start,
        loss=loss,
        start_loss=start_loss,
        residuals=figures,
        history=pd.DataFrame(s.history),
        evaluations=len(s.cache),
        seconds=time.perf_counter() - t0,
        date=_dt.date.today().isoformat(),
        seed=spec.seed,
        replications=spec.replications,
        design=spec.design,
        method=spec.method,
        targets_name=name,
        scenario_path=path,
        overrides=set_values,
        run_overrides=dict(spec.run_overrides),
        implied=implied,
        plausible=spec.plausible,
        at_bound=at_bounds(values, [(f.key, f.low, f.high) for f in free_list]),
        evidence={k: p.evidence for k, p in spec.free.items()},
    )


def _override_dict(overrides: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    if not overrides:
        return {}
    if isinstance(overrides, Mapping):
        return dict(overrides)
    return dict(parse_override(o) for o in overrides)


def _short(targets: Path, scenario: Path | None) -> str:
    """The targets file as the calibrated file names it: relative to the scenario's folder if inside it."""
    if scenario is not None:
        try:
            return targets.resolve().relative_to(scenario.resolve().parent).as_posix()
        except ValueError:
            pass
    return targets.name

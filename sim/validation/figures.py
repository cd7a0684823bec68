"""The source figures a library scenario claims, against the model's distribution of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.fit import fitting_scenario, per_replication
from sim.calibrate.implied import Implied, implied_costs
from sim.calibrate.targets import Plausible, check_targets, load_targets
from sim.errors import InputError
from sim.experiment.run import run
from sim.scenario.loader import load_scenario

ROLE_WORDS = {"input": "input", "fitted": "fitted", "held_out": "held out"}


def targets_files(folder: str | Path) -> list[Path]:
    """The targets files of `folder` that name the scenario they validate, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("targets folder not found", source=str(folder))
    return [p for p in sorted(folder.glob("*.toml")) if load_targets(p).scenario is not None]


def source_figures(targets: str | Path, replications: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """One row per figure of `targets`: its role, value, tolerance and the model's mean, SE, P5, P95."""
    return validate_scenario(targets, replications, seed)[0]


def validate_scenario(
    targets: str | Path, replications: int | None = None, seed: int | None = None
) -> tuple[pd.DataFrame, Implied | None, Plausible]:
    """The figures of `targets` (as `source_figures`), the implied costs of its scenario and their ranges.

    The scenario is the one the targets file names, run in full (none of the file's
    `run_overrides`), cut only at the last month a figure needs.
    """
    path = Path(targets)
    spec = load_targets(path)
    if spec.scenario is None:
        raise InputError("the targets file names no scenario to validate (key 'scenario')", source=str(path))
    scenario_path = (path.parent / spec.scenario).resolve()
    scenario = load_scenario(scenario_path)
    check_targets(spec, scenario, str(path))
    spec = spec.model_copy(update={"run_overrides": {}})
    reps = replications or spec.validation_replications
    results = run(fitting_scenario(scenario, spec), replications=reps, seed=spec.seed if seed is None else seed)
    rows = []
    for name, t in spec.targets.items():
        values = per_replication(results.monthly, t).to_numpy()
        mean = float(np.mean(values))
        rows.append(
            {
                "scenario": scenario.name,
                "scenario_file": scenario_path.name,
                "targets_file": path.name,
                "target": name,
                "name_en": t.name_en or name,
                "name_zh": t.name_zh,
                "source": t.source,
                "role": t.role,
                "sector": t.population,
                "metric": t.describe(),
                "month": t.month,
                "value": t.value,
                "tolerance": t.tolerance,
                "mean": mean,
                "se": float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.nan,
                "p5": float(np.percentile(values, 5)),
                "p95": float(np.percentile(values, 95)),
                "holds": bool(abs(mean - t.value) <= t.tolerance),
                "replications": reps,
            }
        )
    implied = None
    if scenario.reform.enabled:
        implied = implied_costs(results.monthly, scenario.reform.month, scenario.reform.deadline_month)
    return pd.DataFrame(rows), implied, spec.plausible

"""Planning a sweep: the spec, base scenario and design checked into a SweepPlan, and whether a folder may resume."""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.engine.model import simulate
from sim.errors import InputError
from sim.experiment.design import Design, build_design
from sim.experiment.jobs import Job, Simulate
from sim.experiment.results import FORMAT_VERSION, versions
from sim.experiment.spec import SweepSpec, load_spec
from sim.experiment.spec_files import spec_base
from sim.experiment.sweep_results import MANIFEST
from sim.scenario.loader import resolved_with, scenario_hash, scenario_sources
from sim.scenario.schema import Scenario
from sim.version import __version__

EXTRA_DEPENDENCIES = ("dask", "distributed", "SALib", "scipy", "tqdm")


def all_versions() -> dict[str, str]:
    """Versions of Python, fenliu, its dependencies and the experiment layer's."""
    out = versions()
    for dep in EXTRA_DEPENDENCIES:
        try:
            out[dep] = metadata.version(dep)
        except metadata.PackageNotFoundError:
            out[dep] = "absent"
    return out


def model_name(model: Simulate) -> str:
    """'module:qualname' of the replication function."""
    return f"{getattr(model, '__module__', '?')}:{getattr(model, '__qualname__', repr(model))}"


@dataclass
class SweepPlan:
    """A validated sweep, ready to run."""

    spec: SweepSpec
    source: str
    base: Scenario
    base_file: str | None
    seed: int
    replications: int
    design: Design
    out: Path
    model: Simulate

    def jobs_of(self, point: int) -> list[Job]:
        """The jobs of one point, in replication order."""
        per = self.spec.replications_per_job
        overrides = tuple(self.design.overrides(point).items())
        return [
            Job(point, first, min(per, self.replications - first), overrides)
            for first in range(0, self.replications, per)
        ]

    @property
    def n_jobs(self) -> int:
        """Jobs in the whole sweep."""
        return self.design.n_points * -(-self.replications // self.spec.replications_per_job)

    def manifest(self) -> dict[str, Any]:
        """The manifest's fixed part."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": "sweep",
            "name": self.spec.name,
            "description": self.spec.description,
            "spec_file": self.source,
            "spec": self.spec.model_dump(mode="json"),
            "spec_sha256": self.spec.fingerprint(),
            "base_file": self.base_file,
            "base_scenario": self.base.model_dump(mode="json"),
            "base_scenario_sources": scenario_sources(self.base),
            "base_scenario_sha256": scenario_hash(self.base),
            "design": self.design.describe(),
            "parameters": [*self.design.levers, *self.design.parameters],
            "seed": self.seed,
            "seeds": (
                f"common random numbers: every point uses seed {self.seed}; replication r of any point draws from "
                f"SeedSequence({self.seed}, spawn_key=(r, stream)); the population from (point scenario, seed)"
            ),
            "replications": self.replications,
            "replications_per_job": self.spec.replications_per_job,
            "jobs": self.n_jobs,
            "model": model_name(self.model),
            "versions": all_versions(),
            "platform": platform.platform(),
        }


def _check_keys(base: Scenario, spec: SweepSpec, design: Design, source: str) -> None:
    """Each varied key must exist and accept its extreme values (the error names the key and the spec)."""
    data = base.model_dump(mode="json")
    for key, par in spec.parameters.items():
        values = [w[key] for w in design.worlds]
        for value in (min(values), max(values)) if par.values is None else par.values:
            resolved_with(data, {key: value}, origin=f"{source} [parameters]")
    for key, lever in spec.levers.items():
        for value in lever.values:
            resolved_with(data, {key: value}, origin=f"{source} [levers]")


def plan_sweep(
    spec: str | Path | Mapping[str, Any] | SweepSpec,
    base: Scenario | str | Path | None = None,
    out: str | Path | None = None,
    model: Simulate = simulate,
) -> SweepPlan:
    """Validate a sweep completely without writing anything (InputError on bad input)."""
    spec_obj, spec_file = load_spec(spec)
    source = str(spec_file) if spec_file else "sweep spec"
    scenario, base_file = spec_base(base, spec_obj.base, spec_file, spec_obj.set, source, "the sweep")
    seed = scenario.run.seed if spec_obj.seed is None else spec_obj.seed
    replications = scenario.run.replications if spec_obj.replications is None else spec_obj.replications
    design = build_design(spec_obj, seed)
    _check_keys(scenario, spec_obj, design, source)
    data = scenario.model_dump(mode="json")
    for p in range(design.n_points):
        overrides = design.overrides(p)
        try:
            resolved_with(data, overrides, origin=f"{source} point {p}")
        except InputError as exc:
            raise InputError(f"point {p} ({overrides}) is not a valid scenario: {exc}", source=source) from None
    folder = Path(out) if out is not None else Path("results") / spec_obj.name
    return SweepPlan(spec_obj, source, scenario, base_file, seed, replications, design, folder, model)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"cannot read {path}: expected a JSON object")
    return data


def check_resumable(plan: SweepPlan, resume: bool, force: bool, work: Path | None = None) -> dict[str, Any] | None:
    """The manifest to resume from (the interrupted sweep in `work`, else the finished one in the target),
    or None to start afresh; InputError if the folder cannot be used.

    `work` is the sweep's persistent staging folder (`OutputFolder(..., persistent=True).staging`).
    Without --resume, --force starts over.
    """
    folder = plan.out
    manifest_path = folder / MANIFEST
    if work is not None and (work / MANIFEST).is_file():
        if not resume:
            if force:
                return None
            raise InputError(
                f"--out {str(folder)!r}: an unfinished sweep waits in {str(work)!r}; pass --resume to continue it, "
                "or --force to start over"
            )
        manifest_path = work / MANIFEST
    elif not manifest_path.is_file():
        return None
    elif not resume:
        if force:
            return None
        raise InputError(
            f"--out {str(folder)!r} already holds a sweep; pass --resume to continue it, --force to replace it, "
            "or choose another folder"
        )
    old = _read_manifest(manifest_path)
    changes = []
    if old.get("spec_sha256") != plan.spec.fingerprint():
        changes.append("the sweep spec changed")
    if old.get("base_scenario_sha256") != scenario_hash(plan.base):
        changes.append("the resolved base scenario changed (its sha256 differs)")
    old_version = old.get("versions", {}).get("fenliu")
    if old_version != __version__:
        changes.append(f"the fenliu version changed ({old_version} → {__version__})")
    if old.get("model") not in (None, model_name(plan.model)):
        changes.append(f"the model function changed ({old.get('model')} → {model_name(plan.model)})")
    if (old.get("seed"), old.get("replications")) != (plan.seed, plan.replications):
        changes.append("the seed or the number of replications changed")
    if changes and not force:
        raise InputError(
            f"cannot resume {str(folder)!r}: " + "; ".join(changes) + ". Results would mix two different sweeps; "
            "run it into a new --out folder, or pass --force to resume anyway"
        )
    return old

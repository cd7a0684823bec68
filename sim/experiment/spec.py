"""Sweep specifications: which scenario keys vary, over what, with which design.

A spec is a TOML file (see `scenarios/sweeps/`) or the same structure as a dict::

    name = "cut-and-quit"
    base = "../base.toml"            # relative to the spec file
    seed = 7                         # every point uses this seed (common random numbers)
    replications = 5                 # per point

    [set]                            # fixed overrides of the base, for every point
    "population.synthetic.townships" = 20

    [design]
    kind = "lhs"                     # grid | lhs | sobol | morris
    points = 32

    [parameters."reform.cut_admin"]  # uncertainties: sampled by the design
    low = 0.05
    high = 0.25

    [levers."hiring.freeze_months"]  # policies: every one crossed with every sampled world
    values = [0, 60]
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from sim.experiment.spec_files import check_values_or_range, read_spec, spec_error
from sim.scenario.section import MAX_REPLICATIONS, Name, Section


class _Strict(Section):
    """Closed and frozen, with the scenario's checks of every number (finite, strict types)."""


class ParameterSpec(_Strict):
    """One varied scenario key: a list of values, or a range with a distribution."""

    values: tuple[Any, ...] | None = Field(
        default=None, description="Discrete values (grids use them all; samplers pick among them uniformly)."
    )
    low: float | None = Field(default=None, description="Lower end of the range.")
    high: float | None = Field(default=None, description="Upper end of the range.")
    distribution: Literal["uniform", "loguniform", "triangular", "normal"] = Field(
        default="uniform", description="How samplers spread points over [low, high]; normal is truncated to it."
    )
    mode: float | None = Field(default=None, description="Peak of a triangular distribution.")
    mean: float | None = Field(default=None, description="Mean of a (truncated) normal distribution.")
    sd: float | None = Field(default=None, gt=0, description="Standard deviation of a (truncated) normal.")
    levels: int | None = Field(default=None, ge=2, description="Grid designs: evenly spaced values over the range.")
    integer: bool = Field(default=False, description="Round values to whole numbers.")

    @model_validator(mode="after")
    def _consistent(self) -> ParameterSpec:
        check_values_or_range(self.values, self.low, self.high, self.integer)
        if self.low is None or self.high is None:  # a list of values
            return self
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"a loguniform range needs low > 0, found {self.low:g}")
        if self.distribution == "triangular" and (self.mode is None or not self.low <= self.mode <= self.high):
            raise ValueError("a triangular distribution needs 'mode' between low and high")
        if self.distribution == "normal" and (self.mean is None or self.sd is None):
            raise ValueError("a normal distribution needs 'mean' and 'sd' (it is truncated to [low, high])")
        return self


class LeverSpec(_Strict):
    """A policy lever: every listed value is crossed with every sampled world."""

    values: tuple[Any, ...] = Field(description="The policy options (at least one).", min_length=1)


class DesignSpec(_Strict):
    """The experimental design over the parameters."""

    kind: Literal["grid", "lhs", "sobol", "morris"] = Field(
        default="grid",
        description="grid: every combination; lhs: Latin hypercube; sobol: Saltelli's Sobol' design "
        "(for Sobol indices); morris: Morris trajectories (for elementary effects).",
    )
    points: int | None = Field(
        default=None,
        ge=1,
        description="lhs: points; sobol: base samples N (a power of two), giving N·(D+2) points; "
        "morris: trajectories r, giving r·(D+1) points; grid: not used.",
    )
    levels: int = Field(default=4, ge=2, description="morris: grid levels; grid: default values per range.")


class SweepSpec(_Strict):
    """A sweep: base scenario, fixed overrides, varied parameters, levers, design, seeds."""

    name: Name = Field(default="sweep", description="Results go to results/<name>/ unless --out is given.")
    description: str = Field(default="", description="One line on what the sweep asks.")
    base: str | None = Field(default=None, description="Base scenario file, relative to the spec file.")
    seed: int | None = Field(default=None, ge=0, description="Root seed (default: the base's run.seed).")
    replications: int | None = Field(
        default=None, ge=1, le=MAX_REPLICATIONS, description="Per point (default: the base's)."
    )
    replications_per_job: int = Field(default=1, ge=1, description="Replications run together as one job.")
    summary_months: tuple[int, ...] | Literal["all", "yearly"] = Field(
        default="yearly",
        description="Months in summary.parquet: 'yearly' (0, 12, ... and the horizon), 'all', or a list.",
    )
    set: dict[str, Any] = Field(default_factory=dict, description="Fixed dotted overrides applied to every point.")
    design: DesignSpec = Field(default_factory=DesignSpec)
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict, description="Uncertainties, by dotted key.")
    levers: dict[str, LeverSpec] = Field(default_factory=dict, description="Policy levers, by dotted key.")

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if not self.parameters and not self.levers:
            raise ValueError("nothing to vary: give at least one of [parameters] or [levers]")
        both = set(self.parameters) & set(self.levers)
        if both:
            raise ValueError(f"keys both a parameter and a lever: {sorted(both)}")
        fixed = (set(self.parameters) | set(self.levers)) & set(self.set)
        if fixed:
            raise ValueError(f"keys both fixed in [set] and varied: {sorted(fixed)}")
        kind, n, d = self.design.kind, self.design.points, len(self.parameters)
        if kind == "grid":
            if n is not None:
                raise ValueError(
                    "design.points: a grid has one point per combination of values; remove 'points' "
                    "(set 'levels' or 'values' per parameter instead)"
                )
            return self
        if d == 0:
            raise ValueError(
                f"design.kind = {kind!r} samples [parameters], but none are given (levers alone: use grid)"
            )
        if n is None:
            raise ValueError(f"design.points is required for design.kind = {kind!r}")
        if kind == "sobol" and n & (n - 1):
            lower, upper = 1 << (n.bit_length() - 1), 1 << n.bit_length()
            raise ValueError(
                f"design.points = {n}: a Sobol' design needs a power of two (e.g. {lower} or {upper}); "
                f"it gives points·(D+2) = {n}·{d + 2} runs per policy"
            )
        if kind == "morris" and n < 2:
            raise ValueError("design.points: Morris needs at least 2 trajectories")
        return self

    def fingerprint(self) -> str:
        """sha256 of what determines the results (all but name, description and the base's path)."""
        data = self.model_dump(mode="json", exclude={"name", "description", "base"})
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def load_spec(spec: str | Path | Mapping[str, Any] | SweepSpec) -> tuple[SweepSpec, Path | None]:
    """Validate a spec given as a TOML path, a dict or a SweepSpec; returns it and its file (if any).

    A dict's `base` is relative to the working directory; a file's to the file.
    """
    if isinstance(spec, SweepSpec):
        return spec, None
    data, path, source = read_spec(spec, "sweep spec")
    if path is None:
        data.setdefault("name", "sweep")
    try:
        return SweepSpec.model_validate(data), path
    except ValidationError as exc:
        raise spec_error(exc, source, "sweep spec", "see docs/experiments.md for the sweep spec keys") from None

"""Targets files: the figures a calibration fits, the free parameters and how to search.

A targets file is TOML::

    seed = 20051            # common random numbers: every candidate point runs these seeds
    replications = 4
    budget = 120            # evaluations in all (design + local search)
    design = "sobol"        # or "lhs": the space-filling start
    design_points = 16
    method = "nelder-mead"  # or "powell": the local optimiser from the best design point

    [run_overrides]         # dotted overrides for the fitting runs only (not written out)
    "population.synthetic.townships" = 40

    [targets.admin_staff]   # one table per target
    metric = "headcount_admin"      # a monthly column, or a list of columns that are summed
    month = 29
    relative_to_month = 11          # optional: (x[month] / x[relative_to_month]) - 1
    value = -0.163
    tolerance = 0.03                # the scale of the residual in the loss, and the pass band
    weight = 1.0
    source = "范文3: 实有人员精简16.3%"

    [free."reform.merit.education"]
    low = 0.0
    high = 3.0
    start = 1.0                     # optional: default the scenario's own value

The loss is the sum over targets of weight × ((simulated − value) / tolerance)², the
simulated figure being the mean over replications of the per-replication figure.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.engine.model import monthly_columns
from sim.errors import InputError
from sim.experiment.results import RUN_COLUMNS
from sim.scenario.schema import Scenario


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
    """One figure to reproduce: a monthly column (or a sum of columns) at a month."""

    metric: str | tuple[str, ...] = Field(description="A monthly column, or a list of columns that are summed.")
    month: Annotated[int, Field(ge=0)] = Field(description="Model month at which the figure is read.")
    relative_to_month: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="If set, the figure is x[month] / x[relative_to_month] − 1 (a relative change)."
    )
    value: float = Field(description="The target value.")
    tolerance: Annotated[float, Field(gt=0)] = Field(
        description="Scale of the residual in the loss; |simulated − value| ≤ tolerance counts as reproduced."
    )
    weight: Annotated[float, Field(ge=0)] = 1.0
    source: str = Field(default="", description="Where the figure comes from (document and paragraph).")

    @field_validator("metric", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        if isinstance(v, list):
            if not v:
                raise ValueError("a list of metrics must name at least one column")
            return tuple(v)
        return v

    @property
    def columns(self) -> tuple[str, ...]:
        """The monthly columns summed into this target's metric."""
        return (self.metric,) if isinstance(self.metric, str) else self.metric

    def describe(self) -> str:
        """The metric in words: 'a + b at month 29 relative to month 11'."""
        name = " + ".join(self.columns) if len(self.columns) <= 2 else f"sum of {len(self.columns)} columns"
        text = f"{name} at month {self.month}"
        if self.relative_to_month is not None:
            text += f" relative to month {self.relative_to_month}"
        return text


class FreeParameter(_Strict):
    """A free parameter: a dotted scenario key, its bounds and optionally its start."""

    low: float
    high: float
    start: float | None = Field(default=None, description="Starting value; default the scenario's own value.")

    @model_validator(mode="after")
    def _order(self) -> FreeParameter:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class TargetsSpec(_Strict):
    """A targets file: the targets, the free parameters and the search settings."""

    description: str = ""
    seed: Annotated[int, Field(ge=0)] = 20051
    replications: Annotated[int, Field(ge=1)] = 4
    budget: Annotated[int, Field(ge=1)] = 100
    design: Literal["sobol", "lhs"] = "sobol"
    design_points: Annotated[int, Field(ge=0)] = 16
    method: Literal["nelder-mead", "powell"] = "nelder-mead"
    run_overrides: dict[str, Any] = Field(default_factory=dict)
    targets: dict[str, Target]
    free: dict[str, FreeParameter] = Field(default_factory=dict)

    @field_validator("targets")
    @classmethod
    def _some(cls, v: dict[str, Target]) -> dict[str, Target]:
        if not v:
            raise ValueError("at least one target is needed")
        return v

    @field_validator("run_overrides", mode="before")
    @classmethod
    def _flatten(cls, v: Any) -> Any:
        return dict(_flat(v)) if isinstance(v, Mapping) else v


def _flat(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.extend(_flat(value, f"{prefix}{key}."))
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _error(exc: ValidationError, source: str) -> InputError:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif "input" in err and not isinstance(err["input"], (dict, list)):
            msg = f"{msg}; found {err['input']!r}"
        lines.append(f"key {key!r}: {msg}")
    return InputError("invalid targets file\n  " + "\n  ".join(lines), source=source)


def parse_targets(data: Mapping[str, Any], source: str = "targets") -> TargetsSpec:
    """A TargetsSpec from a mapping (the parsed TOML); errors name the key."""
    try:
        return TargetsSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise _error(exc, source) from None


def load_targets(path: str | Path) -> TargetsSpec:
    """Read and validate a targets file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError("targets file not found", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(path)) from None
    return parse_targets(data, str(path))


def metric_columns(scenario: Scenario) -> tuple[str, ...]:
    """Every monthly column a run of `scenario` writes (as the engine names them, then `pool_unpaid`)."""
    return (*monthly_columns(scenario), *RUN_COLUMNS)


def check_targets(spec: TargetsSpec, scenario: Scenario, source: str = "targets") -> None:
    """Every target names existing columns and months within the horizon."""
    columns = metric_columns(scenario)
    horizon = scenario.time.horizon_months
    for name, target in spec.targets.items():
        for column in target.columns:
            if column not in columns:
                close = difflib.get_close_matches(column, columns, n=3)
                hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
                raise InputError(
                    f"target {name!r}: metric {column!r} is not a monthly column of a run{hint} "
                    "(the columns are listed in docs/scenarios.md, 'Target grammar')",
                    source=source,
                )
        for key in ("month", "relative_to_month"):
            month = getattr(target, key)
            if month is not None and month > horizon:
                raise InputError(
                    f"target {name!r}: {key} {month} lies beyond the scenario's horizon ({horizon} months)",
                    source=source,
                )

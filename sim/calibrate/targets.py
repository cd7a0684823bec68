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
    sector = "admin"                # whose figure the source gives: "admin", "institution" or "all"
    role = "fitted"                 # "fitted" (in the loss), "held_out" or "input" (only compared)
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
    evidence = "assumption: …"      # where the bounds come from

    [plausible]                     # the implied costs a fit must keep (defaults shown)
    cost_per_diverted_months = [0.0, 36.0]   # one-time cost per diverted person, months of mean salary
    one_time_vs_payroll = [0.0, 1.0]         # one-time cost to the deadline ÷ a year's payroll

The loss is the sum over the *fitted* targets of weight × ((simulated − value) / tolerance)²,
the simulated figure being the mean over replications of the per-replication figure. Targets
with role "input" (a figure that sized the scenario) or "held_out" (used by neither the sizing
nor the fit) are computed and reported beside the fit but never enter the loss.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.engine.model import monthly_columns
from sim.errors import InputError
from sim.experiment.results import RUN_COLUMNS
from sim.scenario.schema import Scenario
from sim.scenario.section import Section

ROLES = ("fitted", "held_out", "input")
SECTORS = ("admin", "institution", "all")


class _Strict(Section):
    """Closed and frozen, with the scenario's checks of every number (finite, strict types)."""


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
    role: Literal["fitted", "held_out", "input"] = Field(
        default="fitted",
        description="fitted: in the loss; input: the figure sized the scenario; held_out: used by neither, "
        "only compared.",
    )
    sector: Literal["admin", "institution", "all"] | None = Field(
        default=None,
        description="Whose figure the source gives: the administrative organs, institutions or all staff; "
        "checked against the metric's column (default: the column's own).",
    )
    name_en: str = Field(default="", description="The figure's name in English, for the validation table.")
    name_zh: str = Field(default="", description="The figure's name in Chinese, for the validation table.")

    @field_validator("metric", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        if isinstance(v, list):
            if not v:
                raise ValueError("a list of metrics must name at least one column")
            return tuple(v)
        return v

    @model_validator(mode="after")
    def _sector_matches_metric(self) -> Target:
        for column in self.columns:
            own = column_sector(column)
            if self.sector is not None and own != self.sector:
                raise ValueError(
                    f"metric {column!r} is a figure of {_SECTOR_WORDS[own]}, but the target's sector is "
                    f"{self.sector!r} ({_SECTOR_WORDS[self.sector]}); use the column of the population the source "
                    f"speaks of"
                )
        return self

    @property
    def population(self) -> str:
        """The sector the figure is of: the one named, or the metric columns' own."""
        return self.sector or column_sector(self.columns[0])

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


def column_sector(column: str) -> str:
    """The population a monthly column describes: 'admin', 'institution' or 'all'."""
    return "admin" if column.endswith("_admin") else "institution" if column.endswith("_institution") else "all"


_SECTOR_WORDS = {"admin": "the administrative organs", "institution": "the public institutions", "all": "all staff"}


class FreeParameter(_Strict):
    """A free parameter: a dotted scenario key, its bounds (from evidence) and optionally its start."""

    low: float
    high: float
    start: float | None = Field(default=None, description="Starting value; default the scenario's own value.")
    evidence: str = Field(default="", description="Where the bounds come from (evidence.md, or the assumption).")

    @model_validator(mode="after")
    def _order(self) -> FreeParameter:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Plausible(_Strict):
    """Ranges the implied costs of a fitted parameter set must keep to count as plausible."""

    cost_per_diverted_months: tuple[float, float] = Field(
        default=(0.0, 36.0),
        description="One-time cost per person diverted by the deadline, in months of the mean salary. Assumption "
        "resting on evidence.md: severance rules of thumb run from one month per year of service to two years of "
        "salary; with a pension buy-in or a placement subsidy on top, three years of salary is the upper end.",
    )
    one_time_vs_payroll: tuple[float, float] = Field(
        default=(0.0, 1.0),
        description="One-time cost paid by the deadline ÷ a year's payroll before the reform. Assumption resting on "
        "evidence.md (Wales 2010–13: £254m one-time against up to £305m a year of savings, ≈ 0.8).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Plausible:
        for name in ("cost_per_diverted_months", "one_time_vs_payroll"):
            low, high = getattr(self, name)
            if not 0 <= low < high:
                raise ValueError(f"{name}: expected [low, high] with 0 ≤ low < high, found [{low:g}, {high:g}]")
        return self


class TargetsSpec(_Strict):
    """A targets file: the targets, the free parameters and the search settings."""

    description: str = ""
    scenario: str | None = Field(
        default=None,
        description="The scenario these figures validate (relative to the targets file): `fenliu validate-model` "
        "runs it.",
    )
    validation_replications: Annotated[int, Field(ge=2)] = Field(
        default=20, description="Replications of the validation run (fenliu validate-model)."
    )
    seed: Annotated[int, Field(ge=0)] = 20051
    replications: Annotated[int, Field(ge=1)] = 4
    budget: Annotated[int, Field(ge=1)] = 100
    design: Literal["sobol", "lhs"] = "sobol"
    design_points: Annotated[int, Field(ge=0)] = 16
    method: Literal["nelder-mead", "powell"] = "nelder-mead"
    run_overrides: dict[str, Any] = Field(default_factory=dict)
    targets: dict[str, Target]
    free: dict[str, FreeParameter] = Field(default_factory=dict)
    plausible: Plausible = Field(default_factory=Plausible)

    @field_validator("targets")
    @classmethod
    def _some(cls, v: dict[str, Target]) -> dict[str, Target]:
        if not v:
            raise ValueError("at least one target is needed")
        return v

    @property
    def fitted(self) -> dict[str, Target]:
        """The targets in the loss."""
        return {k: t for k, t in self.targets.items() if t.role == "fitted"}

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

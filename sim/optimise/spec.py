"""Optimisation specs: levers to search, objectives, risk constraints, uncertainties and the budget.

A spec is a TOML file (see `scenarios/optimise/`) or the same structure as a dict::

    name = "cheapest-under-risk-cap"
    base = "../base.toml"                 # relative to the spec file
    seed = 7                              # every candidate uses it (common random numbers)

    [set]                                 # fixed overrides of the base
    "population.synthetic.townships" = 20

    [levers."channels.enterprise.places_per_year"]
    low = 0
    high = 400
    integer = true                        # or: values = [...] (a choice)

    [objectives.npv_cost]                 # minimise the discounted whole-government cost
    metric = "cost_government"
    at = "horizon"
    reduce = "discounted_sum"
    sense = "minimise"

    [constraints.awaiting_cap]            # P(state_awaiting at the deadline > 50) ≤ 0.1
    metric = "state_awaiting"
    at = "deadline"
    above = 50
    max = 0.1

    [budget]
    evaluations = 60
    replications = 4                      # per candidate during the search
    confirm_replications = 40             # at most, per reported candidate
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.experiment.spec_files import check_values_or_range, read_spec, spec_error
from sim.scenario.section import MAX_REPLICATIONS

Reduce = Literal["value", "sum", "discounted_sum", "max", "min"]
At = int | Literal["deadline", "horizon", "reform"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LeverSpec(_Strict):
    """A searched scenario key: a range (float or whole numbers, optionally log-scaled) or a list of choices."""

    values: tuple[Any, ...] | None = Field(default=None, description="Choices (categorical).")
    low: float | None = Field(default=None, description="Lower end of the range.")
    high: float | None = Field(default=None, description="Upper end of the range.")
    integer: bool = Field(default=False, description="Whole numbers only.")
    log: bool = Field(default=False, description="Search the range on a log scale (low > 0).")
    step: float | None = Field(default=None, gt=0, description="Grid step inside the range.")

    @model_validator(mode="after")
    def _consistent(self) -> LeverSpec:
        check_values_or_range(self.values, self.low, self.high, self.integer)
        if self.values is not None:
            if not all(v is None or isinstance(v, (bool, int, float, str)) for v in self.values):
                raise ValueError("choices must be numbers, strings or booleans (a list or table cannot be searched)")
            return self
        assert self.low is not None
        if self.log and self.low <= 0:
            raise ValueError(f"a log-scaled range needs low > 0, found {self.low:g}")
        return self


class MetricSpec(_Strict):
    """How one number per replication is read from the monthly table.

    `metric` is a monthly column (or a list of columns, added). `at` is the month: a number,
    "reform", "deadline" (reform.deadline_month) or "horizon". `reduce`: "value" takes the
    column at that month; "sum" adds months 0..at; "discounted_sum" adds them discounted at
    money.discount_rate to month 0 (an NPV); "max"/"min" over months 0..at.
    """

    metric: str | tuple[str, ...] = Field(description="Monthly column name(s), added together.")
    at: At = Field(default="horizon", description="Month: a number, 'reform', 'deadline' or 'horizon'.")
    reduce: Reduce = Field(default="value", description="value | sum | discounted_sum | max | min (over 0..at).")

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns added together."""
        return (self.metric,) if isinstance(self.metric, str) else tuple(self.metric)

    def label(self) -> str:
        """A short readable description, e.g. 'discounted_sum of cost_government to horizon'."""
        cols = "+".join(self.columns)
        return f"{cols} at {self.at}" if self.reduce == "value" else f"{self.reduce} of {cols} to {self.at}"


class ObjectiveSpec(MetricSpec):
    """An objective: the mean over replications (and sampled worlds) of a metric."""

    sense: Literal["minimise", "maximise"] = Field(default="minimise", description="minimise | maximise.")


class ConstraintSpec(MetricSpec):
    """A risk statement on a metric, estimated with its Monte Carlo standard error.

    Probability: give `above` (or `below`) and `max`: P(metric > above) ≤ max.
    Expectation: give only `max` (E[metric] ≤ max) or `min` (E[metric] ≥ min).
    `se` is the standard error the confirmed estimate must reach (default: 0.025 for a
    probability, 2% of the bound's size (at least 0.5) for an expectation).
    """

    above: float | None = Field(default=None, description="Event: metric > above (probability constraint).")
    below: float | None = Field(default=None, description="Event: metric < below (probability constraint).")
    max: float | None = Field(default=None, description="Upper bound on the probability or the mean.")
    min: float | None = Field(default=None, description="Lower bound on the mean.")
    se: float | None = Field(default=None, gt=0, description="Target Monte Carlo standard error of the estimate.")

    @model_validator(mode="after")
    def _consistent(self) -> ConstraintSpec:
        if self.above is not None and self.below is not None:
            raise ValueError("give 'above' or 'below', not both")
        if self.is_probability:
            if self.max is None or self.min is not None:
                raise ValueError("a probability constraint needs 'max' (the largest acceptable probability) only")
            if not 0 <= self.max <= 1:
                raise ValueError(f"'max' of a probability must lie in [0, 1], found {self.max:g}")
        elif (self.max is None) == (self.min is None):
            raise ValueError("an expectation constraint needs exactly one of 'max' or 'min'")
        return self

    @property
    def is_probability(self) -> bool:
        """Whether it bounds a probability (else an expectation)."""
        return self.above is not None or self.below is not None

    @property
    def bound(self) -> float:
        """The bound on the estimate."""
        return float(self.max if self.max is not None else self.min)  # type: ignore[arg-type]

    @property
    def target_se(self) -> float:
        """The standard error the confirmed estimate must reach."""
        if self.se is not None:
            return self.se
        return 0.025 if self.is_probability else max(0.02 * abs(self.bound), 0.5)

    def statement(self) -> str:
        """The constraint in words, e.g. 'P(state_awaiting at deadline > 50) ≤ 0.1'."""
        if self.is_probability:
            op, edge = (">", self.above) if self.above is not None else ("<", self.below)
            return f"P({self.label()} {op} {edge:g}) ≤ {self.bound:g}"
        op = "≤" if self.max is not None else "≥"
        return f"E[{self.label()}] {op} {self.bound:g}"


class UncertaintySpec(_Strict):
    """A world parameter: held fixed (`value`) or sampled over `values` or [low, high]."""

    value: Any = Field(default=None, description="Hold the key at this value.")
    values: tuple[Any, ...] | None = Field(default=None, description="Sample among these values.")
    low: float | None = Field(default=None, description="Sample uniformly from [low, high].")
    high: float | None = Field(default=None, description="Upper end.")

    @model_validator(mode="after")
    def _consistent(self) -> UncertaintySpec:
        given = [self.value is not None, self.values is not None, self.low is not None or self.high is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of 'value', 'values' or 'low'/'high'")
        if self.values is not None and not self.values:
            raise ValueError("'values' must not be empty")
        if given[2] and (self.low is None or self.high is None or self.low > self.high):
            raise ValueError("expected low ≤ high")
        return self

    @property
    def sampled(self) -> bool:
        """Whether the key varies across worlds."""
        return self.value is None


class BudgetSpec(_Strict):
    """How much work the search may do."""

    evaluations: int = Field(default=60, ge=1, description="Candidates evaluated by the search.")
    replications: int = Field(
        default=4, ge=1, le=MAX_REPLICATIONS, description="Replications per candidate (and world) in the search."
    )
    worlds: int = Field(default=1, ge=1, description="Sampled worlds (uncertainties), the same for every candidate.")
    confirm: int = Field(default=8, ge=1, description="At most this many candidates are confirmed by the engine.")
    confirm_replications: int = Field(
        default=40, ge=2, le=MAX_REPLICATIONS, description="Most replications per confirmed candidate (and world)."
    )
    screen: Literal["des", "expected"] = Field(
        default="des", description="Engine of the search: des (the simulation) or expected (the twin; fast)."
    )
    sampler: Literal["auto", "tpe", "nsga2"] = Field(
        default="auto", description="auto: TPE for one objective, NSGA-II for several; both honour constraints."
    )
    batch: int | None = Field(default=None, ge=1, description="Candidates asked at once (default: 2 × workers).")
    startup: int | None = Field(default=None, ge=1, description="Random candidates before the model-based search.")

    @model_validator(mode="after")
    def _consistent(self) -> BudgetSpec:
        if self.confirm_replications < self.replications:
            raise ValueError(
                f"impossible budget: confirm_replications ({self.confirm_replications}) is below the search's "
                f"replications ({self.replications}); confirmation adds replications"
            )
        if self.confirm > self.evaluations:
            raise ValueError(f"impossible budget: confirm ({self.confirm}) exceeds evaluations ({self.evaluations})")
        return self


class OptimiseSpec(_Strict):
    """A policy search: base scenario, fixed overrides, levers, objectives, constraints, worlds, budget."""

    name: str = Field(default="optimise", description="Results go to results/<name>/ unless --out is given.")
    description: str = Field(default="", description="One line on what the search asks.")
    base: str | None = Field(default=None, description="Base scenario file, relative to the spec file.")
    seed: int | None = Field(default=None, ge=0, description="Root seed (default: the base's run.seed).")
    set: dict[str, Any] = Field(
        default_factory=dict, description="Dotted overrides of the base (a lever set here starts the search there)."
    )
    levers: dict[str, LeverSpec] = Field(description="Searched keys.", min_length=1)
    objectives: dict[str, ObjectiveSpec] = Field(description="Objectives, by name.", min_length=1)
    constraints: dict[str, ConstraintSpec] = Field(default_factory=dict, description="Risk constraints, by name.")
    uncertainties: dict[str, UncertaintySpec] = Field(default_factory=dict, description="World keys.")
    budget: BudgetSpec = Field(default_factory=BudgetSpec)

    @model_validator(mode="after")
    def _consistent(self) -> OptimiseSpec:
        clash = set(self.levers) & set(self.uncertainties)
        if clash:
            raise ValueError(f"keys both searched and uncertain: {sorted(clash)}")
        if set(self.objectives) & set(self.constraints):
            raise ValueError("an objective and a constraint share a name")
        sampled = any(u.sampled for u in self.uncertainties.values())
        if self.budget.worlds > 1 and not sampled:
            raise ValueError("budget.worlds > 1 needs at least one sampled uncertainty")
        return self

    def fingerprint(self) -> str:
        """sha256 of what determines the search (all but name and description)."""
        data = self.model_dump(mode="json", exclude={"name", "description"})
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def load_optimise_spec(spec: str | Path | Mapping[str, Any] | OptimiseSpec) -> tuple[OptimiseSpec, Path | None]:
    """Validate a spec given as a TOML path, a dict or an OptimiseSpec; returns it and its file (if any)."""
    if isinstance(spec, OptimiseSpec):
        return spec, None
    data, path, source = read_spec(spec, "optimisation spec")
    try:
        return OptimiseSpec.model_validate(data), path
    except ValidationError as exc:
        raise spec_error(exc, source, "optimisation spec", "see docs/experiments.md, 'Policy search'") from None

"""The base of every scenario section: closed, frozen, strict scalars, finite numbers in domain ranges.

Every field of every section (and of sections added later) gets these checks for free:

- numbers must be finite (no `inf`, no `nan`), through pydantic's `allow_inf_nan=False`;
- strict scalar types: a boolean is never taken as a number (`true` is not 1), a number or a
  word is never taken as a boolean (`"yes"`, `"off"`, `1` are refused), text is never taken as
  a number (`"5"` is refused);
- the field's unit (the second argument of `doc`) bounds its value by the domain (ages in
  years, months, money, rates…): `UNIT_BOUNDS`; a number without a known unit is only bounded
  by `ANY_NUMBER`.
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Hashable
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.config import JsonDict

# Most replications of one run, point or candidate: about 1.3 hours of CPU and 6 GB for a city
# (0.45 CPU s and 0.6 MB of results per replication, benchmarks/bench_memory.py); 100,000 would
# take half a day and about 60 GB, more than a 24 GB machine has.
MAX_REPLICATIONS = 10_000

# Domain bounds by unit, inclusive: (lowest, highest). A field's own ge/le may be tighter.
UNIT_BOUNDS: dict[str, tuple[float, float]] = {
    "years": (0.0, 120.0),  # ages and durations of a working life
    "months": (0.0, 1200.0),  # a hundred years
    "month": (0.0, 1200.0),  # a model month
    "yuan/month": (0.0, 1e7),  # a monthly pay
    "yuan/year": (0.0, 1e9),
    "yuan": (-1e13, 1e13),  # an amount of money: ten trillion yuan
    "1/year": (-1.0, 100.0),  # yearly rates and hazards (growth may be negative, above −100%)
    "share": (0.0, 10.0),  # shares of a whole or of a salary
    "points": (-1e4, 1e4),  # appraisal scores
    "runs": (1.0, MAX_REPLICATIONS),  # replications
    "townships": (1.0, 1e5),
    "people": (0.0, 1e7),
    "posts": (0.0, 1e7),
}
ANY_NUMBER = (-1e15, 1e15)  # a number whose unit sets no domain


def check_name(value: str) -> str:
    """A scenario or sweep name is a name, never a path: it names the folder results/<name>/."""
    if not value.strip():
        raise ValueError("expected a name, found an empty one")
    bad = [c for c in ("/", "\\", ":") if c in value]
    if bad or ".." in value or value.startswith(".") or any(ord(c) < 32 for c in value):
        shown = f"the character {bad[0]!r}" if bad else "'..', a leading '.' or a control character"
        raise ValueError(
            f"expected a name for the folder results/<name>/ (letters, digits, '-', '_', spaces, Chinese), "
            f"found {value!r}, which holds {shown}; to write elsewhere use --out"
        )
    if len(value) > 100:
        raise ValueError(f"expected a name of at most 100 characters, found {len(value)}")
    return value


Name = Annotated[str, AfterValidator(check_name)]


def doc(description: str, unit: str = "", **kw: Any) -> Any:
    """A pydantic Field whose description and unit feed the scenario reference (and bound its value)."""
    extra: JsonDict | None = {"unit": unit} if unit else None
    return Field(description=description, json_schema_extra=extra, **kw)


@functools.cache
def scalar_kinds(annotation: Any) -> frozenset[type]:
    """The scalar types (bool, int, float, str) a field annotation admits, through Annotated/Optional/Literal."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return scalar_kinds(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return frozenset().union(*(scalar_kinds(a) for a in get_args(annotation)))
    if origin is Literal:
        return frozenset(type(a) for a in get_args(annotation))
    if annotation in (bool, int, float, str):
        return frozenset({annotation})
    return frozenset()


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"{value!r} (text)"
    return repr(value)


def unit_of(model: type[BaseModel], name: str) -> str:
    """The unit a field declares through `doc`, or ''."""
    field = model.model_fields.get(name)
    extra = field.json_schema_extra if field is not None else None
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are frozen and checked (see module)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_scalars(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None or field.annotation is None:
            return value
        kinds = scalar_kinds(cast(Hashable, field.annotation))
        if not kinds:
            return value
        numeric = bool(kinds & {int, float})
        number = "a number" if float in kinds else "an integer (a whole number)"
        if isinstance(value, bool):
            if bool not in kinds:
                expected = number if numeric else "text" if str in kinds else "a value of another type"
                raise ValueError(f"expected {expected}, found {_describe(value)}")
        elif bool in kinds and not numeric and not (str in kinds and isinstance(value, str)):
            raise ValueError(f"expected true or false, found {_describe(value)}")
        elif numeric and str not in kinds and isinstance(value, str):
            raise ValueError(f"expected {number}, found {_describe(value)}")
        elif isinstance(value, float) and numeric and not math.isfinite(value):
            raise ValueError(f"expected a finite number, found {value!r}")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _domain(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        unit = unit_of(cls, info.field_name or "")
        low, high = UNIT_BOUNDS.get(unit, ANY_NUMBER)
        if not low <= value <= high:
            shown = f" {unit}" if unit else ""
            raise ValueError(f"expected a value from {low:g} to {high:g}{shown}, found {value!r}")
        return value

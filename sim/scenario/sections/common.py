"""Field types shared by the scenario sections: bounded numbers, calendar months and payers."""

from __future__ import annotations

import functools
import re
from typing import Annotated, Literal

from pydantic import Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
NonNegInt = Annotated[int, Field(ge=0)]
PosInt = Annotated[int, Field(ge=1)]

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@functools.cache
def parse_month(text: str) -> int:
    """Turn 'YYYY-MM' into an absolute month count (year * 12 + month - 1)."""
    m = _MONTH_RE.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as 'YYYY-MM', found {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


PAYERS = ("township", "county", "education", "public_security", "higher_level", "pension_system", "unit_individual")
Payer = Literal[
    "township", "county", "education", "public_security", "higher_level", "pension_system", "unit_individual"
]
PublicPayer = Literal["township", "county", "education", "public_security", "higher_level", "pension_system"]

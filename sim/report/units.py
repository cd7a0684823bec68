"""Money as a finance bureau writes it: 万元 / 亿元 in Chinese, thousand / million yuan in English.

One scale is chosen per quantity (an axis, a card, a table column), from the largest
magnitude shown, so that every number of that quantity reads in the same unit and the
unit is always stated beside it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MoneyUnit:
    """A divisor of yuan and its name in one language."""

    divisor: float
    name: str
    decimals: int

    def scale(self, yuan: float) -> float:
        """`yuan` in this unit."""
        return yuan / self.divisor

    def show(self, yuan: float, signed: bool = False) -> str:
        """`yuan` in this unit with thousands separators and a true minus sign, without the unit name."""
        if yuan is None or not math.isfinite(yuan):
            return "–"
        value = self.scale(yuan)
        shown = f"{value:+,.{self.decimals}f}" if signed else f"{value:,.{self.decimals}f}"
        if float(shown.replace(",", "")) == 0:
            shown = f"{0:.{self.decimals}f}"
        return shown.replace("-", "−")

    def label(self, yuan: float, signed: bool = False) -> str:
        """`yuan` with the unit name: '2,290.5 万元', '22.9 million yuan'."""
        sep = "" if self.name[:1] > "\u2e7f" else " "  # Chinese units follow the number directly
        return f"{self.show(yuan, signed)}{sep}{self.name}"


WAN = MoneyUnit(1e4, "万元", 1)
YI = MoneyUnit(1e8, "亿元", 2)
THOUSAND = MoneyUnit(1e3, "thousand yuan", 1)
MILLION = MoneyUnit(1e6, "million yuan", 2)


def money_unit(values: float | Iterable[float], lang: str) -> MoneyUnit:
    """The unit for a quantity whose values (yuan) are `values`: by its largest finite magnitude.

    Chinese: 亿元 from 1 亿 up, else 万元. English: million yuan from 1 million up, else thousand yuan.
    """
    items = [values] if isinstance(values, int | float) else list(values)
    finite = [abs(float(v)) for v in items if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    if lang == "zh":
        return YI if largest >= 1e8 else WAN
    return MILLION if largest >= 1e6 else THOUSAND


def money(yuan: float, lang: str, signed: bool = False) -> str:
    """One amount with its own unit: '2,290.5万元', '22.90 million yuan'."""
    return money_unit(yuan, lang).label(yuan, signed)

"""Calendar dates of model months: the scenario's `time.start` plus the month."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd


def _parts(start: str) -> tuple[int, int]:
    year, month = (int(p) for p in str(start).split("-")[:2])
    return year, month


def month_label(start: str, month: float) -> str:
    """'YYYY-MM' of model month `month` for a scenario starting in `start` ('YYYY-MM'); '–' if not finite."""
    if month is None or not math.isfinite(float(month)):
        return "–"
    year, first = _parts(start)
    k = first - 1 + int(month)
    return f"{year + k // 12:04d}-{k % 12 + 1:02d}"


def month_labels(start: str, months: Iterable[float]) -> list[str]:
    """'YYYY-MM' of each model month."""
    return [month_label(start, m) for m in months]


def month_dates(start: str, months: Iterable[int]) -> pd.DatetimeIndex:
    """The first day of each model month's calendar month, for a plot's time axis."""
    year, first = _parts(start)
    origin = pd.Timestamp(year=year, month=first, day=1)
    return pd.DatetimeIndex([origin + pd.DateOffset(months=int(m)) for m in months])


def dated(start: str | None, month: float, lang: str) -> str:
    """A month as a planner reads it, with the model month after it: '2007-05 (month 29)'.

    Without a calendar (`start` None: a sweep that varies `time.start`, or tables without a manifest)
    the model month alone: 'month 29'.
    """
    if start is None:
        return f"第{int(month)}月" if lang == "zh" else f"month {int(month)}"
    label = month_label(start, month)
    if label == "–":
        return label
    return f"{label}(第{int(month)}月)" if lang == "zh" else f"{label} (month {int(month)})"

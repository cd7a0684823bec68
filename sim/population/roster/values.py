"""Dates and numbers as Chinese rosters write them: 1968.10, 1968年10月, 19681001, Excel dates, 1,200元, full width.

A date becomes an absolute month (year × 12 + month − 1); the day, when given, is checked and dropped.
`1968.1` is October when the column's other dates pad single-digit months (`1970.03`: Excel
dropped the trailing zero of 1968.10), January when they do not pad and show October as `.10`;
otherwise it is ambiguous and refused.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import NamedTuple

import numpy as np
import pandas as pd

EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_EXPECTED = "a date as YYYY-MM or YYYY-MM-DD (also 1968.10, 1968年10月, 19681001)"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?" + _TIME + "$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?$"),
)
_SERIAL = re.compile(r"^(?P<n>\d{5})(?:\.0+)?$")  # an Excel date number: 10000 is 1927-05-18
DOT_ONE = re.compile(r"^\d{4}\.1$")
_PADDED = re.compile(r"^\d{4}\.0[1-9]$")
_UNPADDED = re.compile(r"^\d{4}\.[2-9]$")
_TEN = re.compile(r"^\d{4}\.10$")
_MONEY = re.compile(
    r"^(?:[¥$]|rmb)?\s*(?P<n>[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*(?:元(?:/月)?|分)?$"
)


class Dates(NamedTuple):
    """A date column read: absolute months, which cells were valid, which were ambiguous, and a note."""

    months: np.ndarray
    ok: np.ndarray
    ambiguous: np.ndarray
    note: str


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _one(text: str) -> int | None:
    """The absolute month of one date cell, or None if it is no real calendar date."""
    for pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            year, month = int(m["y"]), int(m["m"])
            day = int(m["d"]) if m["d"] else 1
            try:
                datetime.date(year, month, day)
            except ValueError:
                return None
            return year * 12 + month - 1
    m = _SERIAL.match(text)
    if m:
        serial = EXCEL_EPOCH + datetime.timedelta(days=int(m["n"]))
        return serial.year * 12 + serial.month - 1
    return None


def dot_one_reading(texts: list[str]) -> str | None:
    """How `YYYY.1` reads in a column of these cells: 'october', 'january' or None (ambiguous)."""
    padded = any(_PADDED.match(t) for t in texts)
    unpadded = any(_UNPADDED.match(t) for t in texts)
    ten = any(_TEN.match(t) for t in texts)
    if padded and not unpadded:
        return "october"
    if unpadded and not padded and ten:
        return "january"
    return None


def parse_dates(col: pd.Series) -> Dates:
    """Read a date column; each distinct text is parsed once."""
    codes, uniques = pd.factorize(col)
    texts = [_clean(str(u)) for u in uniques]
    reading = dot_one_reading(texts)
    months = np.zeros(len(texts), dtype=np.int64)
    ok = np.zeros(len(texts), dtype=bool)
    ambiguous = np.zeros(len(texts), dtype=bool)
    for k, text in enumerate(texts):
        if DOT_ONE.match(text) and reading != "january":
            if reading is None:
                ambiguous[k] = True
                continue
            text = text + "0"
        month = _one(text)
        if month is not None:
            months[k], ok[k] = month, True
    note = ""
    count = int(sum(bool(DOT_ONE.match(t)) for t in texts))
    if count and reading is not None:
        why = (
            "the column writes single-digit months as 1970.03, so Excel dropped the zero of 1968.10"
            if reading == "october"
            else "the column writes single-digit months without a zero and October as .10"
        )
        note = f"dates written like 1968.1 read as {reading.capitalize()} ({why})"
    if len(codes) == 0:
        return Dates(np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, bool), note)
    return Dates(months[codes], ok[codes], ambiguous[codes], note)


def parse_numbers(col: pd.Series) -> np.ndarray:
    """Read a number column (1,200 / 1200元 / ¥1200 / full-width digits); NaN where a cell is no number."""
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    values[~np.isfinite(values)] = np.nan
    other = np.isnan(values) & (col != "").to_numpy()
    if other.any():  # 1,200 / 1200元 / full width: parse each distinct text once
        codes, uniques = pd.factorize(col[other])
        values[other] = np.array([_number(str(u)) for u in uniques], dtype=np.float64)[codes]
    return values


def _number(text: str) -> float:
    m = _MONEY.match(_clean(text).lower())
    if not m:
        return float("nan")
    value = float(m["n"].replace(",", ""))
    return value if np.isfinite(value) else float("nan")

"""Problems found in a roster or townships file: one record per cell, with its row, column, value and rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError

MAX_PROBLEMS = 10  # listed at once when reading stops; `roster check` lists all


@dataclass(frozen=True)
class Problem:
    """One problem in one cell. `row` is the spreadsheet row (the header's row + 1 for the first person)."""

    row: int
    column: str  # the roster column (id, township, birth_date, ...)
    header: str  # the file's own header for it (出生年月, ...)
    value: str  # the cell as read
    rule: str  # short rule id, e.g. duplicate-id, impossible-date
    message: str
    severity: str = "error"  # "error" stops reading; "warning" is for the clerk to look at
    index: int = -1  # position among the data rows

    @property
    def label(self) -> str:
        """The column as the file names it, with the roster column when that differs."""
        if self.header.lower() == self.column or not self.header:
            return self.column
        return f"{self.header} ({self.column})"

    def line(self) -> str:
        """One line: row, column and message."""
        return f"row {self.row}, column {self.label}: {self.message}"


class Problems:
    """Problems of one table, collected cell by cell and reported together."""

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray, headers: Mapping[str, str]) -> None:
        self.frame = frame  # the data rows as read, one column per roster column
        self.rows = rows  # spreadsheet row of each data row
        self.headers = dict(headers)  # roster column -> the file's header
        self.items: list[Problem] = []

    def flag(
        self,
        mask: np.ndarray,
        column: str,
        describe: Callable[[int], str],
        rule: str,
        severity: str = "error",
    ) -> None:
        """Record a problem in `column` for every data row where `mask` is true."""
        values = self.frame[column] if column in self.frame.columns else None
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)).tolist():
            value = "" if values is None else str(values.iat[i])
            header = self.headers.get(column, column)
            self.items.append(Problem(int(self.rows[i]), column, header, value, rule, describe(i), severity, i))

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop reading, in row order then column order."""
        return self.sorted([p for p in self.items if p.severity == "error"])

    def sorted(self, items: list[Problem] | None = None) -> list[Problem]:
        """Problems in row order, then in the order of the roster's columns."""
        order = {c: k for k, c in enumerate(self.headers)}
        chosen = self.items if items is None else items
        return sorted(chosen, key=lambda p: (p.row, order.get(p.column, len(order)), p.rule))

    def raise_if_any(self, source: str, what: str) -> None:
        """Raise one InputError listing the first MAX_PROBLEMS errors and the count of the rest."""
        errors = self.errors
        if not errors:
            return
        plural = "s" if len(errors) > 1 else ""
        lines = [f"{len(errors)} problem{plural} in the {what}:", *(f"  {p.line()}" for p in errors[:MAX_PROBLEMS])]
        if len(errors) > MAX_PROBLEMS:
            lines.append(f"  ... and {len(errors) - MAX_PROBLEMS} more")
        raise InputError("\n".join(lines), source=source)


def shown(value: str) -> str:
    """A cell for a message: quoted, or 'an empty cell'."""
    return "an empty cell" if value == "" else repr(value)


def month_text(month: int) -> str:
    """An absolute month as YYYY-MM."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"

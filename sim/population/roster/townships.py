"""The optional townships file (names, class, old establishment) and the Townships a roster builds."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.population.roster.frame import load_frame
from sim.population.roster.headers import REQUIRED_TOWNSHIP_COLUMNS, TOWNSHIP_COLUMNS, TOWNSHIP_SYNONYMS
from sim.population.roster.problems import Problems, shown
from sim.population.table import SECTORS, Townships
from sim.scenario.schema import Scenario


class Listed(NamedTuple):
    """The townships file: names, class index, establishment per sector (-1 where blank)."""

    names: tuple[str, ...]
    klass: np.ndarray
    establishment_admin: np.ndarray
    establishment_institution: np.ndarray


def read_township_names(path: Path) -> tuple[str, ...]:
    """Only the township names of a townships file (for `roster check` without a scenario)."""
    frame = load_frame(path, TOWNSHIP_SYNONYMS, ("township",), "townships file")
    names = frame.data["township"]
    return tuple(dict.fromkeys(str(n) for n in names if n != ""))


def read_townships_file(path: Path, scenario: Scenario) -> Listed:
    """Read and validate the townships file against the scenario's township classes."""
    what = "townships file"
    frame = load_frame(path, TOWNSHIP_SYNONYMS, REQUIRED_TOWNSHIP_COLUMNS, what)
    df, rows = frame.data, frame.rows
    problems = Problems(df, rows, {c: frame.header.texts.get(c, c) for c in TOWNSHIP_COLUMNS})
    names = df["township"]
    problems.flag(
        (names == "").to_numpy(), "township", lambda i: "expected a township name, found an empty cell", "empty"
    )
    first = pd.Series(np.arange(len(df))).groupby(names.to_numpy()).transform("min").to_numpy()
    problems.flag(
        (names.duplicated(keep="first") & (names != "")).to_numpy(),
        "township",
        lambda i: f"township {names.iat[i]!r} is listed twice: also in row {int(rows[first[i]])}",
        "duplicate-township",
    )
    class_names = [c.name for c in scenario.township_classes]
    klass = pd.Index(class_names).get_indexer(df["class"])
    expected = "one of the scenario's township classes (" + ", ".join(map(repr, class_names)) + ")"
    problems.flag(
        klass < 0, "class", lambda i: f"expected {expected}, found {shown(df['class'].iat[i])}", "unknown-value"
    )
    est_a, est_i = (_establishment(df, name, problems) for name in TOWNSHIP_COLUMNS[2:])
    problems.raise_if_any(str(path), what)
    return Listed(tuple(str(n) for n in names), klass.astype(np.int64), est_a, est_i)


def _establishment(df: pd.DataFrame, name: str, problems: Problems) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), -1, dtype=np.int64)
    col = df[name]
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    blank = (col == "").to_numpy()
    bad = ~blank & ~(np.isfinite(values) & (values >= 0) & (values == np.round(values)))
    expected = "a whole number of posts ≥ 0 or an empty cell"
    problems.flag(bad, name, lambda i: f"expected {expected}, found {col.iat[i]!r}", "not-a-number")
    return np.where(blank | bad, -1, np.nan_to_num(values)).astype(np.int64)


def _fill(given: np.ndarray, class_value: np.ndarray, employed: np.ndarray) -> np.ndarray:
    """Take the establishment as given, else the class's, else the staff actually employed."""
    fallback = np.where(class_value >= 0, class_value, employed)
    return np.where(given >= 0, given, fallback).astype(np.int64)


def _class_establishment(scenario: Scenario, attr: str, klass: np.ndarray) -> np.ndarray:
    values = [getattr(c, attr) for c in scenario.township_classes]
    return np.array([-1 if v is None else v for v in values], dtype=np.int64)[klass]


def build_townships(
    names: tuple[str, ...],
    township: np.ndarray,
    sector: np.ndarray,
    listed: Listed | None,
    scenario: Scenario,
) -> Townships:
    """Build the townships: listed ones, or the roster's own (class 0, nothing given)."""
    employed = np.zeros((len(names), len(SECTORS)), dtype=np.int64)
    np.add.at(employed, (township, sector), 1)
    if listed is None:
        blank = np.full(len(names), -1, dtype=np.int64)
        listed = Listed(names, np.zeros(len(names), dtype=np.int64), blank, blank)
    est_a, est_i = (
        _fill(
            getattr(listed, attr),
            _class_establishment(scenario, attr, listed.klass),
            employed[:, k],
        )
        for k, attr in enumerate(TOWNSHIP_COLUMNS[2:])
    )
    return Townships(names, listed.klass, est_a, est_i)

"""Reading a real-name roster (编制实名制花名册) into a Population, every cell checked.

The format is documented in docs/roster-format.md. Every user mistake raises `InputError`
naming the file, the spreadsheet row and the column; `parse_roster` keeps them all instead,
for `fenliu roster check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.population.roster.frame import Frame, load_frame
from sim.population.roster.headers import (
    POST_HEADERS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    SYNONYMS,
    ColumnMap,
    load_column_map,
    normalise,
)
from sim.population.roster.problems import Problems, month_text, shown
from sim.population.roster.townships import Listed, build_townships, read_township_names, read_townships_file
from sim.population.roster.values import DATE_EXPECTED, parse_dates, parse_numbers
from sim.population.roster.vocabulary import (
    APPRAISAL_WORDS,
    EDUCATION_EXPECTED,
    EDUCATION_WORDS,
    FLAG_WORDS,
    SECTOR_EXPECTED,
    SECTOR_WORDS,
    SEX_WORDS,
    STATUS_WORDS,
    is_leader_post,
    word,
)
from sim.population.table import Population
from sim.scenario.schema import Scenario

MIN_ENTRY_AGE_MONTHS = 16 * 12


@dataclass(frozen=True)
class RosterReading:
    """A roster as read: its rows, every problem found, notes on how it was read, and the converted columns."""

    frame: Frame
    problems: Problems
    notes: tuple[str, ...]
    columns: dict[str, np.ndarray]  # converted per-person columns (0 / False where a cell was bad)
    township: np.ndarray  # township index per row
    township_names: tuple[str, ...]
    townships_source: str | None  # the file the township names were checked against
    listed: Listed | None
    posts: dict[str, bool]  # post names read from a post column -> leader post or not

    @property
    def ok(self) -> bool:
        """True when no problem stops reading."""
        return not self.problems.errors

    def population(self, scenario: Scenario) -> Population:
        """The month-0 Population; raises InputError listing the problems if there are any."""
        self.problems.raise_if_any(self.frame.source, "roster")
        townships = build_townships(self.township_names, self.township, self.columns["sector"], self.listed, scenario)
        return Population(township=self.township, townships=townships, **self.columns)


def column_map_of(scenario: Scenario, columns: str | Path | ColumnMap | None) -> ColumnMap:
    """The column map given, else the scenario's population.roster_columns, else none."""
    if isinstance(columns, ColumnMap):
        return columns
    return load_column_map(columns if columns is not None else scenario.population.roster_columns)


def parse_roster(
    path: str | Path,
    scenario: Scenario,
    *,
    columns: str | Path | ColumnMap | None = None,
    townships: str | Path | None = None,
) -> RosterReading:
    """Read a roster and collect every problem (file-level mistakes still raise InputError).

    Townships are checked against the scenario's townships file, else against `townships`
    (a file whose `township` column lists the known names), else not at all.
    """
    path = Path(path)
    column_map = column_map_of(scenario, columns)
    frame = load_frame(path, SYNONYMS, REQUIRED_COLUMNS, "roster", column_map)
    headers = {c: frame.header.texts.get(c, c) for c in ROSTER_COLUMNS}
    problems = Problems(frame.data, frame.rows, headers)
    tw_file = scenario.population.townships_file
    listed = read_townships_file(Path(tw_file), scenario) if tw_file else None
    known = listed.names if listed else (read_township_names(Path(townships)) if townships else None)
    source = tw_file or (str(townships) if townships else None)
    township, names = _township_codes(frame.data["township"], known, source, problems)
    converted, notes, posts = _person_columns(frame, column_map.values, scenario.time.start_abs, problems)
    notes = [f"read as {frame.note}", *_header_notes(frame), *notes]
    if column_map.source:
        notes.insert(1, f"column map {column_map.source}")
    return RosterReading(frame, problems, tuple(notes), converted, township, names, source, listed, posts)


def read_roster(path: str | Path, scenario: Scenario, *, columns: str | Path | ColumnMap | None = None) -> Population:
    """Read and validate a real-name roster (CSV or .xlsx) into a month-0 Population."""
    return parse_roster(path, scenario, columns=columns).population(scenario)


def _header_notes(frame: Frame) -> list[str]:
    header = frame.header
    named = [f"{text} → {c}" for c, text in header.texts.items() if normalise(text) != c]
    notes = []
    if header.row:
        notes.append(f"header found in row {header.row + 1}")
    if named:
        notes.append("columns: " + ", ".join(named))
    if header.ignored:
        notes.append("ignored (another header gives the same column): " + ", ".join(header.ignored))
    return notes


def _township_codes(
    col: pd.Series, known: tuple[str, ...] | None, source: str | None, problems: Problems
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Township index of each row, and the township names in index order."""
    blank = (col == "").to_numpy()
    problems.flag(blank, "township", lambda i: "expected a township name, found an empty cell", "empty")
    if known is None:
        codes, names = pd.factorize(col.where(~blank, None), sort=False)
        return np.where(codes < 0, 0, codes).astype(np.int64), tuple(str(n) for n in names)
    codes = pd.Index(known).get_indexer(col)
    problems.flag(
        (codes < 0) & ~blank,
        "township",
        lambda i: f"township {col.iat[i]!r} is not listed in the townships file {source}",
        "unknown-township",
    )
    return np.where(codes < 0, 0, codes).astype(np.int64), known


def _words(col: pd.Series, words: Mapping[str, Any], name: str, expected: str, problems: Problems) -> np.ndarray:
    codes, uniques = pd.factorize(col)  # few distinct words: normalise each once
    mapped = pd.Series(pd.Series(uniques, dtype=object).map(word).map(words).to_numpy(dtype=object)[codes])
    mapped[codes < 0] = None
    bad = mapped.isna().to_numpy()
    problems.flag(bad, name, lambda i: f"expected {expected}, found {shown(col.iat[i])}", "unknown-value")
    return mapped.to_numpy()


def _as(mapped: np.ndarray, dtype: type) -> np.ndarray:
    """Cast mapped words to `dtype`; cells that did not map (already reported) become 0."""
    return np.where(pd.isna(mapped), 0, mapped).astype(dtype)


def _leaders(frame: Frame, extra: Mapping[str, Any], problems: Problems) -> tuple[np.ndarray, dict[str, bool]]:
    """Leader flags: yes/no words, or a post name (乡长, 副书记 are leader posts; 站长, 科员 are not)."""
    col = frame.data["leader"]
    post_column = normalise(frame.header.texts.get("leader", "leader")) in POST_HEADERS
    words = {**FLAG_WORDS, **extra}
    posts: dict[str, bool] = {}
    codes, uniques = pd.factorize(col)  # few distinct cells: read each once
    lead = np.zeros(len(uniques), dtype=bool)
    unread = np.zeros(len(uniques), dtype=bool)
    for k, cell in enumerate(uniques.tolist()):
        w = word(cell)
        if w in words:
            lead[k] = bool(words[w])
        elif w == "":
            unread[k] = not post_column
        elif post_column or any(ord(ch) > 0x2E80 for ch in w):
            lead[k] = posts.setdefault(cell, is_leader_post(w))
        else:
            unread[k] = True
    out, bad = lead[codes], unread[codes]
    expected = "0 or 1 (or true/false, 是/否) or a post name such as 乡长, 副书记, 站长"
    problems.flag(bad, "leader", lambda i: f"expected {expected}, found {shown(col.iat[i])}", "unknown-value")
    return out, posts


def _numbers(col: pd.Series, name: str, expected: str, problems: Problems, words: Mapping[str, float]) -> np.ndarray:
    values = parse_numbers(col)
    if words:
        codes, uniques = pd.factorize(col)
        graded = np.array([words.get(word(str(u)), np.nan) for u in uniques], dtype=np.float64)[codes]
        values = np.where(np.isnan(graded), values, graded)
    bad = ~np.isfinite(values)
    problems.flag(bad, name, lambda i: f"expected {expected}, found {shown(col.iat[i])}", "not-a-number")
    return np.where(bad, 0.0, values)


def _dates(col: pd.Series, name: str, problems: Problems, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Absolute months of a date column and the mask of its valid cells."""
    dates = parse_dates(col)
    problems.flag(
        dates.ambiguous,
        name,
        lambda i: (
            f"{col.iat[i]!r} could be January or October (Excel shows 1968.10 as 1968.1) and the column's other "
            "dates do not settle it; write 1968-01 or 1968-10"
        ),
        "ambiguous-month",
    )
    problems.flag(
        ~dates.ok & ~dates.ambiguous,
        name,
        lambda i: f"expected {DATE_EXPECTED}, found {shown(col.iat[i])}",
        "impossible-date",
    )
    if dates.note:
        notes.append(f"{problems.headers.get(name, name)}: {dates.note}")
    return dates.months, dates.ok


def _check_ids(ids: pd.Series, problems: Problems) -> None:
    problems.flag((ids == "").to_numpy(), "id", lambda i: "expected an id, found an empty cell", "empty")
    problems.flag(
        ids.str.fullmatch(r"\d(?:\.\d+)?[eE]\+\d+").to_numpy(),
        "id",
        lambda i: (
            f"expected an id, found {ids.iat[i]!r}: Excel stored a long number (an ID card number?) with 15 digits "
            "at most; format the column as text and type the ids again"
        ),
        "id-as-number",
    )
    dup = (ids.duplicated(keep="first") & (ids != "")).to_numpy()
    if not dup.any():
        return
    first = pd.Series(np.arange(len(ids))).groupby(ids.to_numpy()).transform("min").to_numpy()
    problems.flag(
        dup,
        "id",
        lambda i: f"duplicate id {ids.iat[i]!r}: also in row {int(problems.rows[first[i]])}",
        "duplicate-id",
    )


def _check_dates(birth: np.ndarray, entry: np.ndarray, ok: np.ndarray, start: int, problems: Problems) -> None:
    after = ok & (birth > entry)
    problems.flag(
        after,
        "birth_date",
        lambda i: f"birth date {month_text(birth[i])} is after entry date {month_text(entry[i])}",
        "birth-after-entry",
    )
    young = ok & ~after & (entry - birth < MIN_ENTRY_AGE_MONTHS)
    problems.flag(
        young,
        "entry_date",
        lambda i: (
            f"expected an age of at least 16 at entry, found {(entry[i] - birth[i]) // 12} "
            f"(born {month_text(birth[i])}, entered {month_text(entry[i])})"
        ),
        "entry-before-16",
    )
    problems.flag(
        ok & (entry > start),
        "entry_date",
        lambda i: (
            f"entry date {month_text(entry[i])} is after the scenario's month 0 (time.start = {month_text(start)})"
        ),
        "entry-after-start",
    )


def _person_columns(
    frame: Frame, values: Mapping[str, Mapping[str, Any]], start: int, problems: Problems
) -> tuple[dict[str, np.ndarray], list[str], dict[str, bool]]:
    """Validate and convert the per-person columns other than township."""
    df = frame.data
    notes: list[str] = []

    def words(name: str, base: Mapping[str, Any], expected: str) -> np.ndarray:
        return _words(df[name], {**base, **values.get(name, {})}, name, expected, problems)

    ids = df["id"]
    _check_ids(ids, problems)
    sector = words("sector", SECTOR_WORDS, SECTOR_EXPECTED)
    female = words("sex", SEX_WORDS, "M or F (男, 女)")
    birth, birth_ok = _dates(df["birth_date"], "birth_date", problems, notes)
    entry, entry_ok = _dates(df["entry_date"], "entry_date", problems, notes)
    _check_dates(birth, entry, birth_ok & entry_ok, start, problems)
    education = words("education", EDUCATION_WORDS, EDUCATION_EXPECTED)
    worker = words("status", STATUS_WORDS, "cadre or worker (干部, 工人)")
    leader, posts = _leaders(frame, values.get("leader", {}), problems)
    if "protected" in df.columns:
        flags = {**FLAG_WORDS, "": False, **values.get("protected", {})}
        protected = _as(
            _words(df["protected"], flags, "protected", "0 or 1 (or true/false, 是/否)", problems), np.bool_
        )
    else:
        protected = np.zeros(len(df), dtype=bool)
    salary = _numbers(df["salary"], "salary", "a number of yuan per month", problems, {})
    problems.flag(
        salary < 0,
        "salary",
        lambda i: f"expected a salary ≥ 0 yuan per month, found {df['salary'].iat[i]}",
        "negative-salary",
    )
    grades = {**APPRAISAL_WORDS, **values.get("appraisal", {})}
    appraisal = _numbers(
        df["appraisal"],
        "appraisal",
        "a number (appraisal points) or a grade 优秀/称职/基本称职/不称职",
        problems,
        grades,
    )
    columns = {
        "ids": ids.to_numpy(dtype=object),
        "sector": _as(sector, np.int64),
        "female": _as(female, np.bool_),
        "worker": _as(worker, np.bool_),
        "leader": leader,
        "protected": protected,
        "birth": birth,
        "entry": entry,
        "education": _as(education, np.int64),
        "salary": salary,
        "appraisal": appraisal,
    }
    return columns, notes, posts

"""Read and write real-name rosters (编制实名制): one row per person, CSV or .xlsx.

The format is documented in docs/roster-format.md. Every user mistake raises `InputError`
naming the file, the spreadsheet row (header = row 1) and the column.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.population.table import EDUCATION, SECTORS, Population, Townships
from sim.scenario.schema import Scenario
from sim.spreadsheet_cells import neutralise_cell

ROSTER_COLUMNS = (
    "id",
    "township",
    "sector",
    "sex",
    "birth_date",
    "entry_date",
    "education",
    "status",
    "leader",
    "salary",
    "appraisal",
    "protected",
)
OPTIONAL_COLUMNS = ("protected",)
REQUIRED_COLUMNS = tuple(c for c in ROSTER_COLUMNS if c not in OPTIONAL_COLUMNS)
TOWNSHIP_COLUMNS = ("township", "class", "establishment_admin", "establishment_institution")
REQUIRED_TOWNSHIP_COLUMNS = ("township", "class")
EXTENSIONS = (".csv", ".xlsx")
MAX_PROBLEMS = 10
MIN_ENTRY_AGE_MONTHS = 16 * 12

SECTOR_WORDS = {
    **{name: k for k, name in enumerate(SECTORS)},
    "行政": 0,
    "行政编制": 0,
    "事业": 1,
    "事业编制": 1,
    "临时": 2,
    "临时工": 2,
}
SEX_WORDS = {"m": False, "male": False, "男": False, "f": True, "female": True, "女": True}
STATUS_WORDS = {"cadre": False, "干部": False, "worker": True, "工人": True}
EDUCATION_WORDS = {
    **{name: k for k, name in enumerate(EDUCATION)},
    "小学": 0,
    "初中": 1,
    "高中": 2,
    "中专": 2,
    "大专": 3,
    "本科": 4,
    "研究生": 4,
}
FLAG_WORDS = {
    "0": False,
    "1": True,
    "0.0": False,
    "1.0": True,
    "false": False,
    "true": True,
    "no": False,
    "yes": True,
    "否": False,
    "是": True,
}
SECTOR_EXPECTED = "admin, institution or temporary (行政, 事业, 临时)"
EDUCATION_EXPECTED = ", ".join(EDUCATION) + " (小学, 初中, 高中/中专, 大专, 本科/研究生)"
_DATE_RE = (
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})(?:[-/](?P<d>\d{1,2}))?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


# ---------------------------------------------------------------------------- problems


class _Problems:
    """Problems found in a table, reported together (the first MAX_PROBLEMS in row order)."""

    def __init__(self, rows: np.ndarray, columns: Sequence[str]) -> None:
        self.rows = rows  # spreadsheet row number of each data row
        self.columns = list(columns)
        self.items: list[tuple[int, int, str]] = []
        self.total = 0

    def flag(self, mask: np.ndarray, column: str, describe: Callable[[int], str]) -> None:
        """Record a problem in `column` for every row where `mask` is true."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        self.total += len(idx)
        for i in idx[:MAX_PROBLEMS]:
            row = int(self.rows[i])
            text = f"row {row}, column {column}: {describe(int(i))}"
            self.items.append((row, self.columns.index(column), text))

    def raise_if_any(self, source: str, what: str) -> None:
        """Raise one InputError listing the problems, if there are any."""
        if not self.total:
            return
        shown = [text for _, _, text in sorted(self.items)[:MAX_PROBLEMS]]
        plural = "s" if self.total > 1 else ""
        lines = [f"{self.total} problem{plural} in the {what}:", *(f"  {t}" for t in shown)]
        if self.total > len(shown):
            lines.append(f"  ... and {self.total - len(shown)} more")
        raise InputError("\n".join(lines), source=source)


def _shown(value: str) -> str:
    return "an empty cell" if value == "" else repr(value)


def _month_text(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


# ---------------------------------------------------------------------------- reading


def _read_table(path: Path, what: str) -> pd.DataFrame:
    """Read a CSV or the first sheet of an .xlsx as stripped strings, with lower-case headers."""
    source = str(path)
    if not path.is_file():
        raise InputError(f"file not found (expected a {what})", source=source)
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        found = repr(ext) if ext else "no extension"
        raise InputError(f"expected a .csv or .xlsx {what}, found {found}", source=source)
    try:
        if ext == ".csv":
            df = pd.read_csv(path, dtype=str, na_filter=False, skip_blank_lines=False, encoding="utf-8-sig")
        else:
            df = pd.read_excel(path, sheet_name=0, dtype=str, na_filter=False, engine="openpyxl")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"expected UTF-8 text (save it as 'CSV UTF-8'), found a byte that is not UTF-8 at position {exc.start}",
            source=source,
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(
            f"the file is empty; expected a header row and one row per {what} entry", source=source
        ) from None
    except Exception as exc:  # openpyxl and the CSV parser raise many kinds
        kind = "CSV file" if ext == ".csv" else ".xlsx workbook"
        raise InputError(f"not a readable {kind}: {exc}", source=source) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    twice = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if twice:
        raise InputError(
            f"column {twice[0]!r} appears more than once (headers are read without case: e.g. 'id' and 'ID'); "
            "expected each column once",
            source=source,
        )
    return df.astype(str).apply(lambda col: col.str.strip())


def _check_columns(df: pd.DataFrame, required: Sequence[str], source: str, what: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = ", ".join(df.columns) or "none"
        raise InputError(
            f"the {what} lacks required column(s) {', '.join(missing)} (header is row 1; found columns: {found})",
            source=source,
        )


def _data_rows(df: pd.DataFrame, source: str, what: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop wholly blank rows; return the rest and their spreadsheet row numbers."""
    rows = np.arange(len(df), dtype=np.int64) + 2
    keep = (df != "").any(axis=1).to_numpy() if len(df.columns) else np.zeros(len(df), bool)
    if not keep.any():
        raise InputError(f"the {what} has no data rows (only a header)", source=source)
    return df[keep].reset_index(drop=True), rows[keep]


def _words(col: pd.Series, words: dict[str, object], name: str, expected: str, problems: _Problems) -> np.ndarray:
    mapped = col.str.lower().map(words)
    bad = mapped.isna().to_numpy()
    problems.flag(bad, name, lambda i: f"expected {expected}, found {_shown(col.iat[i])}")
    return mapped.to_numpy()


def _flags(col: pd.Series, name: str, problems: _Problems, blank: bool | None = None) -> np.ndarray:
    words = FLAG_WORDS if blank is None else {**FLAG_WORDS, "": blank}
    out = _words(col, words, name, "0 or 1 (or true/false)", problems)
    return np.where(pd.isna(out), False, out).astype(bool)


def _numbers(col: pd.Series, name: str, expected: str, problems: _Problems) -> np.ndarray:
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    bad = ~np.isfinite(values)
    problems.flag(bad, name, lambda i: f"expected {expected}, found {_shown(col.iat[i])}")
    values[bad] = 0.0
    return values


def _dates(col: pd.Series, name: str, problems: _Problems) -> tuple[np.ndarray, np.ndarray]:
    """Parse dates to absolute months (day ignored) with a mask of the valid cells."""
    codes, uniques = pd.factorize(col)  # a roster holds few distinct dates: parse each once
    month_abs, valid = _parse_dates(pd.Series(uniques, dtype=object).astype(str))
    ok = valid[codes]
    problems.flag(~ok, name, lambda i: f"expected a date as YYYY-MM or YYYY-MM-DD, found {_shown(col.iat[i])}")
    return month_abs[codes], ok


def _parse_dates(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    parts = texts.str.extract(_DATE_RE)
    year = pd.to_numeric(parts["y"], errors="coerce").to_numpy(dtype=np.float64)
    month = pd.to_numeric(parts["m"], errors="coerce").to_numpy(dtype=np.float64)
    day = pd.to_numeric(parts["d"], errors="coerce").to_numpy(dtype=np.float64)
    ok = np.isfinite(year) & (month >= 1) & (month <= 12)
    m = np.where(ok, month, 1).astype(np.int64)
    y = np.where(ok, year, 2000).astype(np.int64)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    days = _DAYS[m - 1] + ((m == 2) & leap)
    ok &= np.isnan(day) | ((day >= 1) & (day <= days))
    return np.where(ok, y * 12 + m - 1, 0).astype(np.int64), ok


def _check_ids(ids: pd.Series, problems: _Problems) -> None:
    problems.flag((ids == "").to_numpy(), "id", lambda i: "expected an id, found an empty cell")
    named = ids != ""
    first = pd.Series(np.arange(len(ids))).groupby(ids.to_numpy()).transform("min").to_numpy()
    dup = (ids.duplicated(keep="first") & named).to_numpy()
    problems.flag(
        dup,
        "id",
        lambda i: f"duplicate id {ids.iat[i]!r}: also in row {int(problems.rows[first[i]])}",
    )


def _check_dates(birth: np.ndarray, entry: np.ndarray, ok: np.ndarray, start: int, problems: _Problems) -> None:
    after = ok & (birth > entry)
    problems.flag(
        after,
        "birth_date",
        lambda i: f"birth date {_month_text(birth[i])} is after entry date {_month_text(entry[i])}",
    )
    young = ok & ~after & (entry - birth < MIN_ENTRY_AGE_MONTHS)
    problems.flag(
        young,
        "entry_date",
        lambda i: (
            f"expected an age of at least 16 at entry, found {(entry[i] - birth[i]) // 12} "
            f"(born {_month_text(birth[i])}, entered {_month_text(entry[i])})"
        ),
    )
    late = ok & (entry > start)
    problems.flag(
        late,
        "entry_date",
        lambda i: (
            f"entry date {_month_text(entry[i])} is after the scenario's month 0 (time.start = {_month_text(start)})"
        ),
    )


def _township_codes(
    col: pd.Series, known: tuple[str, ...] | None, townships_file: str | None, problems: _Problems
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Township index of each row, and the township names in index order."""
    blank = (col == "").to_numpy()
    problems.flag(blank, "township", lambda i: "expected a township name, found an empty cell")
    if known is None:
        codes, names = pd.factorize(col.where(~blank, None), sort=False)
        return np.where(codes < 0, 0, codes).astype(np.int64), tuple(str(n) for n in names)
    codes = pd.Index(known).get_indexer(col)
    problems.flag(
        (codes < 0) & ~blank,
        "township",
        lambda i: f"township {col.iat[i]!r} is not listed in the townships file {townships_file}",
    )
    return np.where(codes < 0, 0, codes).astype(np.int64), known


class _Listed(NamedTuple):
    """The townships file: names, class index, establishment per sector (-1 where blank)."""

    names: tuple[str, ...]
    klass: np.ndarray
    establishment_admin: np.ndarray
    establishment_institution: np.ndarray


def _load(path: Path, required: Sequence[str], what: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a table, check its header and return its data rows with their row numbers."""
    df = _read_table(path, what)
    _check_columns(df, required, str(path), what)
    return _data_rows(df, str(path), what)


def _read_townships_file(path: Path, scenario: Scenario) -> _Listed:
    """Read and validate the townships file against the scenario's township classes."""
    what = "townships file"
    df, rows = _load(path, REQUIRED_TOWNSHIP_COLUMNS, what)
    problems = _Problems(rows, TOWNSHIP_COLUMNS)
    names = df["township"]
    problems.flag(
        (names == "").to_numpy(),
        "township",
        lambda i: "expected a township name, found an empty cell",
    )
    first = pd.Series(np.arange(len(df))).groupby(names.to_numpy()).transform("min").to_numpy()
    problems.flag(
        (names.duplicated(keep="first") & (names != "")).to_numpy(),
        "township",
        lambda i: f"township {names.iat[i]!r} is listed twice: also in row {int(rows[first[i]])}",
    )
    class_names = [c.name for c in scenario.township_classes]
    klass = pd.Index(class_names).get_indexer(df["class"])
    expected = "one of the scenario's township classes (" + ", ".join(map(repr, class_names)) + ")"
    problems.flag(klass < 0, "class", lambda i: f"expected {expected}, found {_shown(df['class'].iat[i])}")
    est_a, est_i = (_establishment(df, name, problems) for name in TOWNSHIP_COLUMNS[2:])
    problems.raise_if_any(str(path), what)
    return _Listed(tuple(str(n) for n in names), klass.astype(np.int64), est_a, est_i)


def _establishment(df: pd.DataFrame, name: str, problems: _Problems) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), -1, dtype=np.int64)
    col = df[name]
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    blank = (col == "").to_numpy()
    bad = ~blank & ~(np.isfinite(values) & (values >= 0) & (values == np.round(values)))
    expected = "a whole number of posts ≥ 0 or an empty cell"
    problems.flag(bad, name, lambda i: f"expected {expected}, found {col.iat[i]!r}")
    return np.where(blank | bad, -1, np.nan_to_num(values)).astype(np.int64)


def _fill(given: np.ndarray, class_value: np.ndarray, employed: np.ndarray) -> np.ndarray:
    """Take the establishment as given, else the class's, else the staff actually employed."""
    fallback = np.where(class_value >= 0, class_value, employed)
    return np.where(given >= 0, given, fallback).astype(np.int64)


def _class_establishment(scenario: Scenario, attr: str, klass: np.ndarray) -> np.ndarray:
    values = [getattr(c, attr) for c in scenario.township_classes]
    return np.array([-1 if v is None else v for v in values], dtype=np.int64)[klass]


def _townships(
    names: tuple[str, ...],
    township: np.ndarray,
    sector: np.ndarray,
    listed: _Listed | None,
    scenario: Scenario,
) -> Townships:
    """Build the townships: listed ones, or the roster's own (class 0, nothing given)."""
    employed = np.zeros((len(names), len(SECTORS)), dtype=np.int64)
    np.add.at(employed, (township, sector), 1)
    if listed is None:
        blank = np.full(len(names), -1, dtype=np.int64)
        listed = _Listed(names, np.zeros(len(names), dtype=np.int64), blank, blank)
    est_a, est_i = (
        _fill(
            getattr(listed, attr),
            _class_establishment(scenario, attr, listed.klass),
            employed[:, k],
        )
        for k, attr in enumerate(TOWNSHIP_COLUMNS[2:])
    )
    return Townships(names, listed.klass, est_a, est_i)


def _person_columns(df: pd.DataFrame, start: int, problems: _Problems) -> dict[str, np.ndarray]:
    """Validate and convert the per-person columns other than township."""
    ids = df["id"]
    _check_ids(ids, problems)
    sector = _words(df["sector"], SECTOR_WORDS, "sector", SECTOR_EXPECTED, problems)
    female = _words(df["sex"], SEX_WORDS, "sex", "M or F (男, 女)", problems)
    birth, birth_ok = _dates(df["birth_date"], "birth_date", problems)
    entry, entry_ok = _dates(df["entry_date"], "entry_date", problems)
    _check_dates(birth, entry, birth_ok & entry_ok, start, problems)
    education = _words(df["education"], EDUCATION_WORDS, "education", EDUCATION_EXPECTED, problems)
    worker = _words(df["status"], STATUS_WORDS, "status", "cadre or worker (干部, 工人)", problems)
    leader = _flags(df["leader"], "leader", problems)
    protected = (
        _flags(df["protected"], "protected", problems, blank=False)
        if "protected" in df.columns
        else np.zeros(len(df), dtype=bool)
    )
    salary = _numbers(df["salary"], "salary", "a number of yuan per month", problems)
    problems.flag(
        salary < 0,
        "salary",
        lambda i: f"expected a salary ≥ 0 yuan per month, found {df['salary'].iat[i]}",
    )
    appraisal = _numbers(df["appraisal"], "appraisal", "a number (appraisal points)", problems)
    return {
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


def _as(mapped: np.ndarray, dtype: type) -> np.ndarray:
    """Cast mapped words to `dtype`; cells that did not map (already reported) become 0."""
    return np.where(pd.isna(mapped), 0, mapped).astype(dtype)


def read_roster(path: str | Path, scenario: Scenario) -> Population:
    """Read and validate a real-name roster (CSV or .xlsx) into a month-0 Population."""
    path = Path(path)
    df, rows = _load(path, REQUIRED_COLUMNS, "roster")
    tw_file = scenario.population.townships_file
    listed = _read_townships_file(Path(tw_file), scenario) if tw_file else None
    problems = _Problems(rows, ROSTER_COLUMNS)
    known = listed.names if listed else None
    township, names = _township_codes(df["township"], known, tw_file, problems)
    columns = _person_columns(df, scenario.time.start_abs, problems)
    problems.raise_if_any(str(path), "roster")
    townships = _townships(names, township, columns["sector"], listed, scenario)
    return Population(township=township, townships=townships, **columns)


# ---------------------------------------------------------------------------- writing


def _months_text(months: np.ndarray) -> list[str]:
    return [_month_text(m) for m in np.asarray(months, dtype=np.int64).tolist()]


def roster_frame(population: Population) -> pd.DataFrame:
    """Return the population as a roster table, with the documented columns and words."""
    p = population
    return pd.DataFrame(
        {
            "id": p.ids.astype(str),
            "township": np.asarray(p.townships.names, dtype=object)[p.township],
            "sector": np.asarray(SECTORS, dtype=object)[p.sector],
            "sex": np.where(p.female, "F", "M"),
            "birth_date": _months_text(p.birth),
            "entry_date": _months_text(p.entry),
            "education": np.asarray(EDUCATION, dtype=object)[p.education],
            "status": np.where(p.worker, "worker", "cadre"),
            "leader": p.leader.astype(np.int64),
            "salary": p.salary.astype(np.float64),
            "appraisal": p.appraisal.astype(np.float64),
            "protected": p.protected.astype(np.int64),
        },
        columns=list(ROSTER_COLUMNS),
    )


def _write_frame(df: pd.DataFrame, path: str | Path, sheet: str) -> None:
    """Write `df` to .csv or .xlsx through a temporary file replaced in one step."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        raise InputError(
            f"expected a .csv or .xlsx output file, found {ext or 'no extension'!r}",
            source=str(path),
        )
    df = df.map(neutralise_cell)  # a cell starting with = + - @ is written as text, never as a formula
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=ext, dir=path.parent)
    os.close(fd)
    try:
        if ext == ".csv":
            df.to_csv(tmp, index=False, encoding="utf-8")
        else:
            df.to_excel(tmp, index=False, sheet_name=sheet, engine="openpyxl")
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_roster(population: Population, path: str | Path) -> None:
    """Write `population` as a roster (.csv in UTF-8, or .xlsx) that read_roster reads back."""
    _write_frame(roster_frame(population), path, "roster")


def write_townships(population: Population, path: str | Path, class_names: Sequence[str]) -> None:
    """Write the population's townships file: township, class name and old establishment."""
    tw = population.townships
    df = pd.DataFrame(
        {
            "township": list(tw.names),
            "class": np.asarray(list(class_names), dtype=object)[tw.klass],
            "establishment_admin": np.asarray(tw.establishment_admin, dtype=np.int64),
            "establishment_institution": np.asarray(tw.establishment_institution, dtype=np.int64),
        },
        columns=list(TOWNSHIP_COLUMNS),
    )
    _write_frame(df, path, "townships")

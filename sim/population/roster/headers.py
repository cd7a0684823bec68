"""Roster columns and their header spellings (English and Chinese), a column map file, and the header row."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.population.roster.vocabulary import VALUE_COLUMNS, parse_value_map

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

# Header spellings per column, most specific first: when a file has two of them, the first wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "人员编号", "编号", "工号", "身份证号码", "身份证号", "公民身份号码"),
    "township": ("township", "所在乡镇", "乡镇", "乡镇名称", "所属乡镇"),
    "sector": ("sector", "编制类型", "编制性质", "人员类别", "编制类别"),
    "sex": ("sex", "性别"),
    "birth_date": ("birth_date", "出生年月", "出生日期", "出生年月日", "出生时间"),
    "entry_date": ("entry_date", "参加工作时间", "参加工作年月", "参加工作日期", "参工时间", "工作时间"),
    "education": ("education", "学历", "最高学历", "文化程度"),
    "status": ("status", "身份", "人员身份"),
    "leader": ("leader", "是否领导职务", "是否领导", "领导职务", "职务", "现任职务", "职务名称"),
    "salary": ("salary", "月工资", "工资", "月工资额", "月应发工资", "应发工资"),
    "appraisal": ("appraisal", "考核得分", "年度考核", "年度考核结果", "考核结果", "考核等次", "考核"),
    "protected": ("protected", "受保护", "军转安置", "是否军转安置"),
}
# Headers whose cells name a post (乡长, 站长, ...) rather than say yes or no: a blank cell there is no post.
POST_HEADERS = frozenset({"职务", "现任职务", "职务名称"})
TOWNSHIP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "township": SYNONYMS["township"],
    "class": ("class", "类别", "乡镇类别"),
    "establishment_admin": ("establishment_admin", "行政编制数", "行政编制"),
    "establishment_institution": ("establishment_institution", "事业编制数", "事业编制"),
}
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in exported rosters
_BRACKETS = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def normalise(text: str) -> str:
    """A header or word for matching: full-width to half-width, lower case, no spaces, brackets or '*'."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = _BRACKETS.sub("", text)
    return re.sub(r"[\s*＊:：]", "", text)


@dataclass(frozen=True)
class ColumnMap:
    """Extra header spellings and value words given by the user (a MAP.toml file)."""

    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    source: str | None = None


def load_column_map(path: str | Path | None) -> ColumnMap:
    """Read a column map: `[columns]` roster column = header (or list), `[values.COLUMN]` word = value."""
    if path is None:
        return ColumnMap()
    source = str(path)
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError("column map file not found", source=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=source) from None
    unknown = sorted(set(data) - {"columns", "values"})
    if unknown:
        raise InputError(
            f"unknown table(s) {', '.join(unknown)}; expected [columns] and [values.COLUMN]", source=source
        )
    headers = {}
    for column, spelled in _table(data, "columns", source).items():
        if column not in ROSTER_COLUMNS:
            raise InputError(
                f"columns.{column}: unknown roster column; expected one of {', '.join(ROSTER_COLUMNS)}", source=source
            )
        spellings = [spelled] if isinstance(spelled, str) else spelled
        if (
            not isinstance(spellings, list)
            or not spellings
            or not all(isinstance(s, str) and s.strip() for s in spellings)
        ):
            raise InputError(
                f"columns.{column}: expected a header text or a list of them, found {spelled!r}", source=source
            )
        headers[column] = tuple(spellings)
    values = {}
    for column, words in _table(data, "values", source).items():
        if column not in VALUE_COLUMNS:
            raise InputError(f"values.{column}: expected one of {', '.join(VALUE_COLUMNS)}", source=source)
        if not isinstance(words, dict):
            raise InputError(f"values.{column}: expected a table of word = value, found {words!r}", source=source)
        values[column] = parse_value_map(column, words, source)
    return ColumnMap(headers, values, source)


def _table(data: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise InputError(f"{key}: expected a table, found {table!r}", source=source)
    return table


@dataclass(frozen=True)
class Header:
    """Where the header row is and which file column holds each roster column."""

    row: int  # index of the header row in the grid (0 = spreadsheet row 1)
    positions: dict[str, int]  # roster column -> grid column
    texts: dict[str, str]  # roster column -> the file's header text
    found: tuple[str, ...]  # every header text in the row
    ignored: tuple[str, ...]  # header texts matched to a column another header already holds
    twice: tuple[str, ...] = ()  # known headers written twice (id and ID): which one to read is unclear


def _spellings(synonyms: Mapping[str, tuple[str, ...]], column_map: ColumnMap) -> dict[str, str]:
    """Normalised header text -> roster column; the user's spellings first."""
    out: dict[str, str] = {}
    for column, spelled in column_map.headers.items():
        for text in spelled:
            out.setdefault(normalise(text), column)
    for column, spelled in synonyms.items():
        for text in spelled:
            out.setdefault(normalise(text), column)
    return out


def locate_header(cells: pd.DataFrame, synonyms: Mapping[str, tuple[str, ...]], column_map: ColumnMap) -> Header:
    """Find the header row (the first of the top rows naming the most columns) and map its cells."""
    lookup = _spellings(synonyms, column_map)
    rank = {n: k for k, n in enumerate(lookup)}
    best: Header | None = None
    for r in range(min(HEADER_SEARCH_ROWS, len(cells))):
        texts = [str(t) for t in cells.iloc[r].tolist()]
        chosen: dict[str, tuple[int, int]] = {}  # column -> (rank, grid column)
        ignored: list[str] = []
        twice: list[str] = []
        for k, text in enumerate(texts):
            key = normalise(text)
            column = lookup.get(key)
            if column is None:
                continue
            if column in chosen and chosen[column][0] == rank[key]:
                twice.append(text)
                continue
            if column in chosen and chosen[column][0] < rank[key]:
                ignored.append(text)
                continue
            if column in chosen:
                ignored.append(texts[chosen[column][1]])
            chosen[column] = (rank[key], k)
        header = Header(
            r,
            {c: k for c, (_, k) in chosen.items()},
            {c: texts[k] for c, (_, k) in chosen.items()},
            tuple(t for t in texts if t),
            tuple(ignored),
            tuple(twice),
        )
        if best is None or len(header.positions) > len(best.positions):
            best = header
        if len(synonyms) and len(header.positions) == len(synonyms):
            break
    assert best is not None
    return best

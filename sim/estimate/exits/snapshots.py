"""Roster snapshots for exit estimation: a thin adapter over the roster reader, plus the exit columns.

A snapshot is a real-name roster as at the end of one month. Its people are read by
`sim.population.read_roster` (the one roster format); an optional exit column says why a
listed person is no longer on the payroll (retired, died, left, diverted through a channel)
and an optional exit-date column when. Rows with an exit are not at risk after that snapshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.population import read_roster
from sim.scenario.schema import CHANNEL_IDS, Scenario, parse_month

ACTIVE, RETIRED, DIED, LEFT, DIVERTED = "active", "retired", "died", "left", "diverted"
REASON_COLUMNS = ("exit_reason", "reason", "人员状态", "减员原因", "离职原因", "变动原因", "状态")
DATE_COLUMNS = ("exit_date", "减员时间", "离职时间", "变动时间", "减员日期", "离职日期")
REASON_WORDS: dict[str, tuple[str, str]] = {
    **{w: (ACTIVE, "") for w in ("", "active", "in_post", "awaiting", "rotating", "在职", "在岗", "待岗", "轮岗")},
    **{w: (RETIRED, "") for w in ("retired", "retirement", "退休", "离休")},
    **{w: (DIED, "") for w in ("died", "death", "dead", "deceased", "死亡", "病故", "去世")},
    **{
        w: (LEFT, w)
        for w in (
            "left",
            "quit",
            "resigned",
            "dismissed",
            "transferred",
            "辞职",
            "辞退",
            "调出",
            "自动离职",
            "开除",
            "解聘",
        )
    },
    **{w: (DIVERTED, "") for w in ("diverted", "分流")},
    **{c: (DIVERTED, c) for c in CHANNEL_IDS},
    "cleared": (DIVERTED, "cleared"),
    "清退": (DIVERTED, "cleared"),
    "提前退休": (DIVERTED, "early_retirement"),
    "内退": (DIVERTED, "early_retirement"),
    "教师": (DIVERTED, "teacher"),
    "公安": (DIVERTED, "police"),
    "买断": (DIVERTED, "resignation"),
}
CHANNEL_WORDS = {
    **{c: c for c in CHANNEL_IDS},
    "教师": "teacher",
    "公安": "police",
    "警察": "police",
    "提前退休": "early_retirement",
    "内退": "early_retirement",
    "买断": "resignation",
    "解聘": "termination",
    "事业空岗": "institution_vacancy",
    "事业单位": "institution_vacancy",
    "企业": "enterprise",
    "清退": "cleared",
    "cleared": "cleared",
}
REASON_EXPECTED = (
    "empty (on the payroll), retired, died, left (quit, dismissed…), diverted[:channel] or 退休/死亡/辞职/分流"
)
_MONTH = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})")


@dataclass(frozen=True)
class Snapshot:
    """One roster as at the end of month `date` (absolute month), one entry per listed person."""

    source: str
    date: int
    ids: np.ndarray  # str
    rows: np.ndarray  # spreadsheet row of each person (header = row 1)
    township: np.ndarray  # township name (str)
    sector: np.ndarray  # int: ADMIN, INSTITUTION, TEMPORARY
    female: np.ndarray
    worker: np.ndarray
    birth: np.ndarray  # absolute month
    entry: np.ndarray
    reason: np.ndarray  # ACTIVE, RETIRED, DIED, LEFT, DIVERTED
    detail: np.ndarray  # the channel of a diversion, or the roster's word for leaving
    exit_month: np.ndarray  # absolute month of the exit; -1 if not given

    def __len__(self) -> int:
        return len(self.ids)


def month_text(month: int) -> str:
    """Absolute month as YYYY-MM."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def parse_dates(text: str, count: int) -> list[int]:
    """The --dates list (YYYY-MM, comma-separated), one per roster, strictly increasing."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) != count:
        raise InputError(f"--dates: expected {count} months (one per roster, as YYYY-MM), found {len(parts)}: {text!r}")
    months = []
    for p in parts:
        try:
            months.append(parse_month(p))
        except ValueError:
            raise InputError(f"--dates: expected a month as YYYY-MM, found {p!r}") from None
    return months


def _as_of(date: int) -> Scenario:
    """A scenario whose month 0 is the snapshot's month: the roster reader checks entry dates against it."""
    return Scenario.model_validate({"time": {"start": month_text(date)}})


def _column(df: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((c for c in df.columns if c in names), None)


def _extra_columns(path: Path, ids: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The exit columns (as text) of the listed people, aligned with `ids`, and each person's sheet row."""
    try:
        if path.suffix.lower() == ".xlsx":
            df = pd.read_excel(path, sheet_name=0, dtype=str, na_filter=False, engine="openpyxl")
        else:
            try:
                df = pd.read_csv(path, dtype=str, na_filter=False, encoding="utf-8-sig")
            except UnicodeDecodeError:
                df = pd.read_csv(path, dtype=str, na_filter=False, encoding="gb18030")
    except Exception as exc:  # already read once by the roster reader: this is unexpected
        raise InputError(f"cannot read the exit columns: {exc}", source=str(path)) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    id_col = _column(df, ("id", "人员编号", "编号", "身份证号"))
    if id_col is None:
        return pd.DataFrame({"reason": [""] * len(ids), "date": [""] * len(ids)}), np.full(len(ids), -1)
    df["__row"] = np.arange(len(df)) + 2
    df = df.astype({id_col: str})
    df[id_col] = df[id_col].str.strip()
    by_id = df.drop_duplicates(id_col).set_index(id_col).reindex([str(i) for i in ids])
    reason_col, date_col = _column(df, REASON_COLUMNS), _column(df, DATE_COLUMNS)
    blank = pd.Series([""] * len(by_id), index=by_id.index)
    out = pd.DataFrame(
        {
            "reason": by_id[reason_col].fillna("").astype(str).str.strip() if reason_col else blank,
            "date": by_id[date_col].fillna("").astype(str).str.strip() if date_col else blank,
        }
    )
    return out.reset_index(drop=True), by_id["__row"].fillna(-1).astype(np.int64).to_numpy()


def _problems(source: str, what: str, rows: np.ndarray, texts: list[str]) -> None:
    if not texts:
        return
    shown = [f"  row {int(r)}: {t}" for r, t in list(zip(rows, texts, strict=True))[:10]]
    more = [f"  ... and {len(texts) - 10} more"] if len(texts) > 10 else []
    raise InputError("\n".join([f"{len(texts)} problem(s) in the {what}:", *shown, *more]), source=source)


def read_snapshot(path: str | Path, date: int) -> Snapshot:
    """Read one roster as at the end of month `date` (the roster reader's checks, then the exit columns)."""
    path = Path(path)
    try:
        pop = read_roster(path, _as_of(date))
    except InputError as exc:  # the reader speaks of a scenario's month 0: here it is the snapshot's date
        old = f"the scenario's month 0 (time.start = {month_text(date)})"
        text = str(exc).replace(old, f"the roster's date {month_text(date)}")
        if old in str(exc):
            text += "\n(are the rosters given oldest first, each with its own date in --dates?)"
        raise InputError(text) from None
    extra, rows = _extra_columns(path, pop.ids)
    if (rows < 0).any() and (extra["reason"] != "").any():  # the reader's ids are not the sheet's as typed
        raise InputError(
            f"cannot line up the exit column with {int((rows < 0).sum())} of the roster's ids "
            f"(first: {pop.ids[np.flatnonzero(rows < 0)[0]]!r}); expected an id column",
            source=str(path),
        )
    words = extra["reason"].str.lower().map(REASON_WORDS)
    channel = extra["reason"].str.lower().str.extract(r"^(?:diverted|分流)\s*[:：]\s*(\S+)$")[0]
    known = words.notna() | channel.notna()
    _problems(
        str(path),
        "exit column",
        rows[~known.to_numpy()],
        [f"expected {REASON_EXPECTED}, found {v!r}" for v in extra["reason"][~known]],
    )
    reason = np.array([w[0] if isinstance(w, tuple) else DIVERTED for w in words], dtype=object)
    detail = np.array(
        [
            w[1] if isinstance(w, tuple) else CHANNEL_WORDS.get(str(c), str(c))
            for w, c in zip(words, channel, strict=True)
        ],
        dtype=object,
    )
    exit_month, bad = _exit_months(extra["date"])
    _problems(str(path), "exit-date column", rows[bad], [f"expected YYYY-MM, found {v!r}" for v in extra["date"][bad]])
    late = (exit_month > date) | ((exit_month >= 0) & (reason == ACTIVE))
    _problems(
        str(path),
        "exit-date column",
        rows[late],
        [
            f"exit date {month_text(m)} "
            + (f"is after the roster's date {month_text(date)}" if m > date else "without an exit reason")
            for m in exit_month[late]
        ],
    )
    return Snapshot(
        source=str(path),
        date=date,
        ids=np.asarray(pop.ids, dtype=str).astype(object),
        rows=rows,
        township=np.asarray(pop.townships.names, dtype=object)[pop.township],
        sector=pop.sector.astype(np.int64),
        female=pop.female.astype(bool),
        worker=pop.worker.astype(bool),
        birth=pop.birth.astype(np.int64),
        entry=pop.entry.astype(np.int64),
        reason=reason,
        detail=detail,
        exit_month=exit_month,
    )


def _exit_months(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    out = np.full(len(texts), -1, dtype=np.int64)
    bad = np.zeros(len(texts), dtype=bool)
    for k, text in enumerate(texts.tolist()):
        if not text:
            continue
        m = _MONTH.match(text)
        if m and 1 <= int(m.group(2)) <= 12:
            out[k] = int(m.group(1)) * 12 + int(m.group(2)) - 1
        else:
            bad[k] = True
    return out, bad


def check_order(snapshots: list[Snapshot]) -> None:
    """Snapshots in date order, each sharing people with the one before."""
    for a, b in zip(snapshots[:-1], snapshots[1:], strict=True):
        if b.date <= a.date:
            raise InputError(
                f"rosters out of order: {b.source} is dated {month_text(b.date)}, not after {a.source} "
                f"({month_text(a.date)}); give the rosters oldest first with --dates in the same order"
            )
        active = set(a.ids[a.reason == ACTIVE].tolist())
        if not active & set(b.ids.tolist()):
            raise InputError(
                f"no id of the {len(active)} people on the payroll in {a.source} ({month_text(a.date)}) appears in "
                f"{b.source} (rows 2-{len(b) + 1}): expected rosters of the same staff with the same ids"
            )

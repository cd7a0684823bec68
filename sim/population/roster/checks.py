"""The data-quality report of `fenliu roster check`: every problem, warnings a clerk should look at, a summary.

Errors are what stops `read_roster`; warnings are rows that read but look wrong: the
statutory retirement age already passed at month 0, a salary far from its sector's median,
a township spelled two ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.population.roster.headers import ColumnMap
from sim.population.roster.problems import Problem, month_text
from sim.population.roster.reader import RosterReading, parse_roster
from sim.population.table import EDUCATION, SECTORS
from sim.scenario.schema import Scenario

SALARY_FACTOR = 3.0  # a salary above 3× or below ⅓ of its sector's median is flagged
SALARY_MIN_GROUP = 5  # fewer people in a sector: compare with the whole roster's median
AGE_BANDS = (
    (0, 30, "<30"),
    (30, 40, "30-39"),
    (40, 50, "40-49"),
    (50, 55, "50-54"),
    (55, 60, "55-59"),
    (60, 200, "60+"),
)
UNREADABLE = "(unreadable)"
_TOWNSHIP_SUFFIX = re.compile(r"(镇|乡|街道|街道办事处|办事处|town|township)$")


@dataclass(frozen=True)
class RosterCheck:
    """What `fenliu roster check` found: the reading, every problem in row order, and the summary tables."""

    reading: RosterReading
    problems: list[Problem]
    summary: dict[str, pd.DataFrame]

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the roster from being read."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems for the clerk to look at; the roster still reads."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def bad_rows(self) -> list[int]:
        """Data-row positions with at least one problem, in file order."""
        return sorted({p.index for p in self.problems})


def check_roster(
    path: str | Path,
    scenario: Scenario,
    *,
    columns: str | Path | ColumnMap | None = None,
    townships: str | Path | None = None,
) -> RosterCheck:
    """Read a roster, keep every problem, add the warnings and summarise it."""
    # The engine's statutory-retirement rule, so that the check and the model agree (imported here:
    # the population stage does not otherwise depend on the engine).
    from sim.engine.attrition import retirement_abs_month

    reading = parse_roster(path, scenario, columns=columns, townships=townships)
    valid = _valid(reading)
    c = reading.columns
    start = scenario.time.start_abs
    problems = reading.problems
    if scenario.attrition.retirement:
        retire = retirement_abs_month(scenario.attrition, c["birth"], c["female"], c["worker"])
        ages = np.where(c["female"], np.where(c["worker"], "women workers", "women cadres"), "men")
        problems.flag(
            valid["birth_date"] & valid["sex"] & valid["status"] & (retire <= start),
            "birth_date",
            lambda i: (
                f"the statutory retirement age ({ages[i]}) was reached in {month_text(retire[i])}, "
                f"before month 0 ({month_text(start)}): retired, or a wrong birth date?"
            ),
            "retirement-passed",
            "warning",
        )
    ids = reading.frame.data["id"]
    repeated = ids.duplicated(keep=False) & ~ids.duplicated(keep="first") & (ids != "")
    later = {i: [int(reading.frame.rows[k]) for k in np.flatnonzero((ids == i).to_numpy())[1:]] for i in ids[repeated]}
    problems.flag(
        repeated.to_numpy(),
        "id",
        lambda i: f"id {ids.iat[i]!r} is used again in row(s) {', '.join(map(str, later[ids.iat[i]]))}",
        "duplicate-id",
        "warning",
    )
    _salary_outliers(reading, valid["salary"] & valid["sector"])
    if reading.townships_source is None:
        _township_spellings(reading)
    return RosterCheck(reading, problems.sorted(), summarise(reading, scenario))


def _valid(reading: RosterReading) -> dict[str, np.ndarray]:
    """Per roster column, the rows whose cell in it has no error."""
    n = len(reading.frame.data)
    out = {}
    for column in reading.problems.headers:
        mask = np.ones(n, dtype=bool)
        for p in reading.problems.items:
            if p.column == column and p.severity == "error":
                mask[p.index] = False
        out[column] = mask
    return out


def _salary_outliers(reading: RosterReading, ok: np.ndarray) -> None:
    salary, sector = reading.columns["salary"], reading.columns["sector"]
    overall = float(np.median(salary[ok])) if ok.any() else 0.0
    median = np.full(len(salary), overall)
    group = np.full(len(salary), "the roster", dtype=object)
    for k, name in enumerate(SECTORS):
        members = ok & (sector == k)
        if members.sum() >= SALARY_MIN_GROUP:
            median[members] = np.median(salary[members])
            group[members] = f"{name} staff"
    if overall <= 0:
        return
    high, low = ok & (salary > SALARY_FACTOR * median), ok & (salary < median / SALARY_FACTOR)
    reading.problems.flag(
        high | low,
        "salary",
        lambda i: (
            f"salary {salary[i]:g} is {'more than 3 times' if high[i] else 'less than a third of'} the median "
            f"of {group[i]} ({median[i]:g} yuan a month): a typing slip?"
        ),
        "salary-outlier",
        "warning",
    )


def _township_spellings(reading: RosterReading) -> None:
    """Without a townships file: warn of a township written two ways (枫桥 and 枫桥镇), on the rarer spelling."""
    col = reading.frame.data["township"]
    counts = col[col != ""].value_counts()
    stems: dict[str, list[str]] = {}
    for name in counts.index:
        stems.setdefault(_TOWNSHIP_SUFFIX.sub("", re.sub(r"\s+", "", str(name)).lower()), []).append(str(name))
    rarer: dict[str, str] = {}
    for names in stems.values():
        if len(names) > 1:
            common = max(names, key=lambda n: (counts[n], n))
            rarer.update({n: common for n in names if n != common})
    reading.problems.flag(
        col.isin(list(rarer)).to_numpy(),
        "township",
        lambda i: (
            f"township {col.iat[i]!r} may be {rarer[col.iat[i]]!r}, as {int(counts[rarer[col.iat[i]]])} rows write it"
        ),
        "unknown-township",
        "warning",
    )


def _labelled(values: np.ndarray, names: tuple[str, ...] | list[str], ok: np.ndarray) -> pd.Series:
    labels = np.asarray(list(names), dtype=object)[np.where(ok, values, 0)]
    return pd.Series(np.where(ok, labels, UNREADABLE))


def summarise(reading: RosterReading, scenario: Scenario) -> dict[str, pd.DataFrame]:
    """Counts by township (and sector), sector, age band at month 0, and education; unreadable cells apart."""
    valid = _valid(reading)
    c = reading.columns
    sector = _labelled(c["sector"], SECTORS, valid["sector"])
    township = pd.Series(reading.frame.data["township"].replace("", UNREADABLE))
    by_township = pd.crosstab(township, sector).reindex(columns=[*SECTORS, UNREADABLE], fill_value=0)
    by_township = by_township.loc[:, (by_township.sum() > 0) | by_township.columns.isin(SECTORS)]
    by_township.insert(0, "staff", by_township.sum(axis=1))
    by_township = by_township.reindex(list(dict.fromkeys(township))).rename_axis("township").reset_index()
    age = (scenario.time.start_abs - c["birth"]) // 12
    band = np.full(len(age), UNREADABLE, dtype=object)
    for lo, hi, name in AGE_BANDS:
        band[valid["birth_date"] & (age >= lo) & (age < hi)] = name
    order = [name for _, _, name in AGE_BANDS] + [UNREADABLE]
    return {
        "township": by_township,
        "sector": _counts(sector, [*SECTORS, UNREADABLE], "sector"),
        "age band": _counts(pd.Series(band), order, f"age at {month_text(scenario.time.start_abs)}"),
        "education": _counts(
            _labelled(c["education"], EDUCATION, valid["education"]), [*EDUCATION, UNREADABLE], "education"
        ),
        "leader posts": _posts(reading),
    }


def _counts(values: pd.Series, order: list[str], name: str) -> pd.DataFrame:
    counts = values.value_counts().reindex(order, fill_value=0)
    counts = counts[(counts > 0) | (counts.index != UNREADABLE)]
    return pd.DataFrame({name: counts.index, "staff": counts.to_numpy()})


def _posts(reading: RosterReading) -> pd.DataFrame:
    """Post names read from a post column (职务), with whether each counts as a leader post and how many hold it."""
    col = reading.frame.data["leader"]
    rows = [
        (name, "leader" if lead else "not a leader post", int((col == name).sum()))
        for name, lead in reading.posts.items()
    ]
    rows.sort(key=lambda r: (r[1] != "leader", -r[2], r[0]))
    return pd.DataFrame(rows, columns=["post", "read as", "staff"])

"""Writing a population as a roster (and its townships file) in the documented English columns."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.population.roster.encoding import EXTENSIONS
from sim.population.roster.headers import ROSTER_COLUMNS, TOWNSHIP_COLUMNS
from sim.population.roster.problems import month_text
from sim.population.table import EDUCATION, SECTORS, Population
from sim.spreadsheet_cells import neutralise_cell


def _months_text(months: np.ndarray) -> list[str]:
    return [month_text(m) for m in np.asarray(months, dtype=np.int64).tolist()]


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


def replace_atomically(path: Path, write: Callable[[str], None]) -> None:
    """Call `write(tmp)` on a temporary file beside `path`, then put it in place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_frame(df: pd.DataFrame, path: str | Path, sheet: str) -> None:
    """Write `df` to .csv or .xlsx through a temporary file replaced in one step."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        raise InputError(
            f"expected a .csv or .xlsx output file, found {ext or 'no extension'!r}",
            source=str(path),
        )

    df = df.map(neutralise_cell)  # a cell starting with = + - @ is written as text (the reader removes the quote)

    def write(tmp: str) -> None:
        if ext == ".csv":
            df.to_csv(tmp, index=False, encoding="utf-8")
        else:
            df.to_excel(tmp, index=False, sheet_name=sheet, engine="openpyxl")

    replace_atomically(path, write)


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

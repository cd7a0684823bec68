"""A roster or townships file as a table of its data rows, one column per known column, with row numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.population.roster.encoding import SAVE_HINT, read_grid
from sim.population.roster.headers import ColumnMap, Header, locate_header

FORMULA_ESCAPES = ("'=", "'+", "'-", "'@")  # cells neutralised by our own bad-rows workbook


@dataclass(frozen=True)
class Frame:
    """The data rows of a file under its known columns (stripped text), and where they came from."""

    source: str
    data: pd.DataFrame  # one column per known column found, named by the roster column
    rows: np.ndarray  # spreadsheet row of each data row
    header: Header
    encoding: str
    note: str  # how the file was decoded
    labels: tuple[str, ...]  # the header row as written, every column
    cells: pd.DataFrame  # the data rows as written, every column (positional), for the bad-rows workbook


def load_frame(
    path: Path,
    synonyms: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    what: str,
    column_map: ColumnMap | None = None,
) -> Frame:
    """Read a file, find its header row, check the required columns and keep the non-blank rows."""
    source = str(path)
    grid = read_grid(path, what)
    header = locate_header(grid.cells, synonyms, column_map or ColumnMap())
    if header.twice:
        raise InputError(
            f"column {header.twice[0]!r} appears more than once in the header (row {header.row + 1}; headers are "
            "read without case or width: e.g. 'id' and 'ID'); expected each column once",
            source=source,
        )
    missing = [c for c in required if c not in header.positions]
    if missing:
        found = ", ".join(header.found) or "none"
        lines = [
            f"the {what} lacks required column(s) {', '.join(missing)} "
            f"(header is row {header.row + 1}; found columns: {found})"
        ]
        if grid.encoding == "gb18030":
            lines.append(f"the file was read as {grid.note}; if it is in another encoding, {SAVE_HINT}")
        lines.append("other header spellings can be given in a column map (--columns MAP.toml; docs/roster-format.md)")
        raise InputError("; ".join(lines), source=source)
    body = grid.cells.iloc[header.row + 1 :]
    data = pd.DataFrame({c: _unescape(body.iloc[:, k]) for c, k in header.positions.items()})
    labels = tuple(str(t) for t in grid.cells.iloc[header.row].tolist())
    rows = body.index.to_numpy(dtype=np.int64) + 1
    keep = (body != "").any(axis=1).to_numpy() if body.shape[1] else np.zeros(len(body), bool)
    if not keep.any():
        raise InputError(f"the {what} has no data rows (only a header)", source=source)
    return Frame(
        source,
        data[keep].reset_index(drop=True),
        rows[keep],
        header,
        grid.encoding,
        grid.note,
        labels,
        body[keep].reset_index(drop=True),
    )


def _unescape(col: pd.Series) -> pd.Series:
    """Undo the quote our bad-rows workbook puts before a cell starting like a formula."""
    quoted = col.str.startswith(FORMULA_ESCAPES)
    return col.where(~quoted, col.str[1:]) if quoted.any() else col

"""Reading a CSV or .xlsx file as a grid of text cells, detecting a CSV's encoding (UTF-8 or GBK/GB18030)."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from sim.errors import InputError

EXTENSIONS = (".csv", ".xlsx")
SAVE_HINT = "save it from Excel as 'CSV UTF-8' (or as .xlsx) and try again"
_WIDE_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16 (Excel's 'Unicode text')",
    codecs.BOM_UTF16_BE: "UTF-16 (Excel's 'Unicode text')",
}


class Grid(NamedTuple):
    """A file's cells as stripped text (no header taken yet) and how the file was decoded."""

    cells: pd.DataFrame
    encoding: str  # utf-8, utf-8-sig, gb18030 or xlsx
    note: str  # how it was read, for the output


def decode(raw: bytes, source: str) -> tuple[str, str, str]:
    """Decode a CSV's bytes: UTF-8 (with or without BOM), else GBK/GB18030; refuse anything else."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig", "UTF-8 with BOM"
    for bom, name in _WIDE_BOMS.items():
        if raw.startswith(bom):
            raise InputError(f"the file is {name} text, which fenliu does not read; {SAVE_HINT}", source=source)
    if b"\x00" in raw[:4096]:
        raise InputError(f"the file holds NUL bytes (UTF-16 text or a binary file?); {SAVE_HINT}", source=source)
    try:
        return raw.decode("utf-8"), "utf-8", "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the file is neither UTF-8 (a byte that is not UTF-8 at position {utf8_error}) nor GBK/GB18030 "
            f"(a byte that is not GB18030 at position {exc.start}); {SAVE_HINT}",
            source=source,
        ) from None
    return text, "gb18030", "GBK/GB18030 (detected: the file is not valid UTF-8 but is valid GB18030)"


def csv_cells(text: str) -> pd.DataFrame:
    """Parse CSV text into a rectangle of cells (short rows padded), keeping blank lines as rows."""
    # The fast parser needs the widest row up front: commas per line bound it (quoted commas
    # only widen the bound; empty columns beyond the real width are dropped).
    width = max((line.count(",") for line in text.splitlines()), default=0) + 1
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            header=None,
            names=list(range(width)),
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        ).fillna("")
    except (pd.errors.ParserError, ValueError):  # a row wider than the bound (newlines in quotes)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        width = max((len(r) for r in rows), default=0)
        cells = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)
    filled = [k for k in range(cells.shape[1]) if (cells.iloc[:, k] != "").any()]
    return cells.iloc[:, : (filled[-1] + 1 if filled else 1)]


def read_grid(path: Path, what: str) -> Grid:
    """Read a CSV or the first sheet of an .xlsx as a grid of stripped text cells."""
    source = str(path)
    if not path.is_file():
        raise InputError(f"file not found (expected a {what})", source=source)
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        found = repr(ext) if ext else "no extension"
        raise InputError(f"expected a .csv or .xlsx {what}, found {found}", source=source)
    try:
        if ext == ".csv":
            text, encoding, note = decode(path.read_bytes(), source)
            cells = csv_cells(text)
        else:
            encoding, note = "xlsx", "an .xlsx workbook, first sheet"
            cells = pd.read_excel(path, sheet_name=0, header=None, dtype=str, na_filter=False, engine="openpyxl")
    except InputError:
        raise
    except Exception as exc:  # openpyxl and the CSV parser raise many kinds
        kind = "CSV file" if ext == ".csv" else ".xlsx workbook"
        raise InputError(f"not a readable {kind}: {exc}", source=source) from None
    if cells.empty:
        raise InputError(f"the file is empty; expected a header row and one row per {what} entry", source=source)
    cells = cells.astype(str).apply(lambda col: col.str.strip())
    if encoding == "xlsx":  # a date cell comes as '1968-10-01 00:00:00': show it as the date
        cells = cells.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True)
    return Grid(cells.reset_index(drop=True), encoding, note)


def describe_encoding(path: str | Path) -> str:
    """How a roster file would be decoded (for a line in a command's output); empty if it cannot be."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return "an .xlsx workbook, first sheet"
    try:
        return decode(path.read_bytes(), str(path))[2]
    except (OSError, InputError):
        return ""  # reading the roster itself reports the problem

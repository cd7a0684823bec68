"""The bad-rows workbook of `fenliu roster check --out`: rows to fix (re-readable as a roster), problems, summary.

Sheet 1 holds the rows with a problem under the file's own headers, every cell as text
(formula-like text neutralised), the problem cells coloured, the original row number and
the problems beside them; fixed and re-submitted, it reads back as a roster. Sheet 2 lists
every problem, sheet 3 the summary, sheet 4 how the file was read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sim.errors import InputError
from sim.population.roster.checks import RosterCheck
from sim.population.roster.values import DOT_ONE
from sim.population.roster.writer import replace_atomically
from sim.spreadsheet_cells import neutralise_cell

ROW_HEADER = "原行号 row"
PROBLEMS_HEADER = "问题 problems"
FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
BOLD = Font(bold=True)


def _text(value: Any) -> Any:
    return neutralise_cell(value if isinstance(value, int | float) else str(value))


def _put(ws: Worksheet, row: int, values: list[Any], *, bold: bool = False, text: bool = False) -> None:
    for k, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=k, value=_text(value))
        if text:
            cell.number_format = "@"  # typed edits stay text: Excel keeps 1968.10 as written
        if bold:
            cell.font = BOLD


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for k, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = width


def _bad_rows_sheet(ws: Worksheet, check: RosterCheck) -> None:
    reading = check.reading
    frame = reading.frame
    bad_cells = {(p.index, p.column) for p in check.errors}
    labels = list(frame.labels)
    _put(ws, 1, [ROW_HEADER, *labels, PROBLEMS_HEADER], bold=True)
    by_row: dict[int, list[Any]] = {}
    for p in check.problems:
        by_row.setdefault(p.index, []).append(p)
    for out_row, i in enumerate(check.bad_rows, start=2):
        cells = [str(v) for v in frame.cells.iloc[i].tolist()]
        for column, months in (("birth_date", reading.columns["birth"]), ("entry_date", reading.columns["entry"])):
            k = frame.header.positions[column]
            if DOT_ONE.match(cells[k]) and (i, column) not in bad_cells:
                # 1968.1 was read from its column's other dates: write what was read, so it reads alone
                cells[k] = f"{months[i] // 12}.{months[i] % 12 + 1:02d}"
        found = by_row[i]
        _put(ws, out_row, [int(frame.rows[i]), *cells, "; ".join(f"{p.label}: {p.message}" for p in found)], text=True)
        ws.cell(row=out_row, column=1).number_format = "0"
        worst: dict[int, str] = {}
        for p in found:
            position = frame.header.positions.get(p.column)
            if position is None:
                continue
            cell = ws.cell(row=out_row, column=position + 2)
            worst[position] = "error" if "error" in (p.severity, worst.get(position)) else p.severity
            cell.fill = FILLS[worst[position]]
            note = f"{p.rule}: {p.message}"
            cell.comment = Comment(note if cell.comment is None else f"{cell.comment.text}\n{note}", "fenliu")
    ws.freeze_panes = "B2"
    _widths(ws, [10, *([14] * len(labels)), 80])


def _problems_sheet(ws: Worksheet, check: RosterCheck) -> None:
    _put(ws, 1, ["行 row", "列 column", "值 value", "规则 rule", "级别 severity", "说明 problem"], bold=True)
    for out_row, p in enumerate(check.problems, start=2):
        _put(ws, out_row, [p.row, p.label, p.value, p.rule, p.severity, p.message])
    ws.freeze_panes = "A2"
    _widths(ws, [8, 24, 18, 20, 10, 100])


def _summary_sheet(ws: Worksheet, summary: dict[str, pd.DataFrame]) -> None:
    row = 1
    for name, table in summary.items():
        _put(ws, row, [f"by {name}"], bold=True)
        _put(ws, row + 1, [str(c) for c in table.columns], bold=True)
        for k, values in enumerate(table.itertuples(index=False), start=row + 2):
            _put(ws, k, [v.item() if hasattr(v, "item") else v for v in values])
        row += len(table) + 3
    _widths(ws, [24, 12, 12, 12, 12, 12])


def write_check_workbook(check: RosterCheck, path: str | Path) -> None:
    """Write the bad-rows workbook (.xlsx) in one step."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(
            f"expected an .xlsx file for the bad rows, found {path.suffix or 'no extension'!r}", source=str(path)
        )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "待修改 rows to fix"
    _bad_rows_sheet(ws, check)
    _problems_sheet(wb.create_sheet("问题 problems"), check)
    _summary_sheet(wb.create_sheet("汇总 summary"), check.summary)
    notes = wb.create_sheet("说明 notes")
    lines = [
        f"roster: {check.reading.frame.source}",
        *check.reading.notes,
        f"{len(check.errors)} errors, {len(check.warnings)} warnings in {len(check.bad_rows)} rows",
        "Fix the coloured cells on the first sheet and check it again: "
        "fenliu roster check THIS.xlsx (the row and problems columns are ignored when it is read).",
    ]
    for k, line in enumerate(lines, start=1):
        _put(notes, k, [line])
    replace_atomically(path, lambda tmp: wb.save(tmp))

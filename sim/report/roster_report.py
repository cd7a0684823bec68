"""The data-quality report of a roster (`fenliu roster check --html`): counts, every problem, the summary tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.population.roster.checks import RosterCheck
from sim.report.html import Card, Cell, Page, write_page


def _cells(table: pd.DataFrame) -> list[list[Cell | str]]:
    rows: list[list[Cell | str]] = []
    for values in table.itertuples(index=False):
        rows.append([Cell(str(v), float(v), True) if pd.api.types.is_number(v) else str(v) for v in values])
    return rows


def roster_check_page(check: RosterCheck) -> Page:
    """The report as a Page: headline counts, how the file was read, the problems, the summary."""
    reading = check.reading
    source = reading.frame.source
    page = Page(Path(source).name, "roster check 花名册检查", "zh", source)
    townships = len(set(reading.frame.data["township"]) - {""})
    page.cards(
        "counts",
        "roster 花名册",
        [
            Card("staff 人数", str(len(reading.frame.data)), (f"{townships} townships 乡镇",)),
            Card("errors 错误", str(len(check.errors)), ("the roster is not read until they are fixed",)),
            Card("warnings 提示", str(len(check.warnings)), ("for the clerk to look at",)),
            Card("rows with a problem 问题行", str(len(check.bad_rows))),
        ],
    )
    page.table("read", "how the file was read 读取说明", ["note"], [[n] for n in reading.notes])
    header: list[Cell | str] = ["row 行", "column 列", "value 值", "rule 规则", "severity 级别", "problem 说明"]
    rows: list[list[Cell | str]] = [
        [Cell(str(p.row), p.row, True), p.label, p.value, p.rule, p.severity, p.message] for p in check.problems
    ]
    page.table("problems", "problems 问题", header, rows, "every problem, in row order", sortable=True)
    for name, table in check.summary.items():
        if len(table):
            page.table(
                name.replace(" ", "-"), f"by {name}", [str(c) for c in table.columns], _cells(table), sortable=True
            )
    return page


def write_roster_check_report(check: RosterCheck, path: str | Path) -> Path:
    """Write the data-quality report as one offline HTML file."""
    return write_page(roster_check_page(check).render(), path)

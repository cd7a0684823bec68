"""`fenliu roster check ROSTER`: list every problem of a roster, summarise it, write the rows to fix."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.population.roster.checks import RosterCheck, check_roster
from sim.population.roster.workbook import write_check_workbook
from sim.report.roster_report import write_roster_check_report
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import build_scenario


def _width(text: str) -> int:
    """Terminal columns taken by `text` (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(table: pd.DataFrame, indent: str = "  ") -> list[str]:
    """A table as aligned text lines (numbers right-aligned), Chinese characters counted double."""
    cells = [[str(c) for c in table.columns]] + [[str(v) for v in row] for row in table.itertuples(index=False)]
    widths = [max(_width(r[k]) for r in cells) for k in range(len(table.columns))]
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    lines = []
    for row in cells:
        parts = [
            " " * (w - _width(v)) + v if num else v + " " * (w - _width(v))
            for v, w, num in zip(row, widths, numeric, strict=True)
        ]
        lines.append(indent + "  ".join(parts).rstrip())
    return lines


def report_lines(check: RosterCheck) -> list[str]:
    """The terminal report: how the file was read, every problem, then the summary."""
    reading = check.reading
    source = reading.frame.source
    lines = [f"{source}: {reading.notes[0]}", *(f"  {n}" for n in reading.notes[1:])]
    staff = len(reading.frame.data)
    lines.append(
        f"{staff} staff in {len(set(reading.frame.data['township']) - {''})} townships; "
        f"{len(check.errors)} errors, {len(check.warnings)} warnings, in {len(check.bad_rows)} rows"
    )
    if reading.townships_source is None:
        lines.append("  townships not checked against a list (give --townships FILE or a scenario's townships_file)")
    for p in check.problems:
        lines.append(f"  {p.severity} [{p.rule}] {p.line()} (value {p.value!r})")
    for name, table in check.summary.items():
        if len(table):
            lines.append(f"by {name}:")
            lines.extend(format_table(table))
    return lines


def _scenario(args: argparse.Namespace) -> Scenario:
    if args.check_scenario:
        return load_scenario(args.check_scenario, args.overrides)
    return build_scenario([], args.overrides)


def roster_check(args: argparse.Namespace) -> int:
    """Check a roster; exit 1 when it has errors (it would not be read), 0 otherwise."""
    scenario = _scenario(args)
    roster = args.roster_file or scenario.population.roster
    if not roster:
        raise InputError("roster check: expected a roster file (fenliu roster check ROSTER) or --scenario with one")
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() != ".xlsx":
        raise InputError(f"--out {args.out!r}: expected an .xlsx file name for the rows to fix")
    html = Path(args.html) if args.html else None
    if html is not None and html.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--html {args.html!r}: expected an .html file name")
    check = check_roster(roster, scenario, columns=args.columns, townships=args.townships)
    print("\n".join(report_lines(check)))
    if out is not None:
        write_check_workbook(check, out)
        print(f"wrote {len(check.bad_rows)} rows to fix, every problem and the summary to {out}")
    if html is not None:
        write_roster_check_report(check, html)
        print(f"wrote the report to {html}")
    return 1 if check.errors else 0

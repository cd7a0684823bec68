"""`fenliu export`: the Excel workbook of a saved run, comparison or sweep."""

from __future__ import annotations

import argparse

from sim.cli.common import default_lang
from sim.cli.run_cmd import check_xlsx_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the export command."""
    p = sub.add_parser(
        "export",
        help="write an Excel workbook of a results folder (run, comparison or sweep)",
        description="Read a results folder (never rerunning the model) and write a formatted workbook: the finding, "
        "headline outcomes with bands, yearly cost by component and payer, channel flows, risk, results by township "
        "and every parameter with its source.",
    )
    p.add_argument("results", metavar="RESULTS_DIR", help="folder written by fenliu run, compare or sweep")
    p.add_argument("--xlsx", required=True, metavar="FILE", help="workbook to write (.xlsx)")
    p.add_argument("--lang", choices=("en", "zh"), default=None, help="language of the headers (default: the locale)")
    p.set_defaults(handler=export_command)


def export_command(args: argparse.Namespace) -> int:
    """Write the workbook and say where it is."""
    from sim.report.workbook import write_workbook

    target = check_xlsx_path(args.xlsx)
    assert target is not None
    path = write_workbook(args.results, target, args.lang or default_lang())
    print(f"workbook in {path}")
    return 0

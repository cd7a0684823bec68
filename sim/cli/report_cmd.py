"""`fenliu report`: the interactive HTML report of a saved run, comparison or sweep."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import InputError
from sim.experiment.sensitivity import add_sobol_rows
from sim.folders import check_file_output, clean_file_temporaries, verify
from sim.report import LANGS, read_manifest, report, sweep_report
from sim.report.load import load_sweep
from sim.report.sweep_data import sweep_choice


def register(sub: argparse._SubParsersAction) -> None:
    """Add the report command."""
    p = sub.add_parser(
        "report",
        help="write the offline HTML report of a results folder (run, comparison or sweep)",
        description="Read a results folder (never rerunning the model) and write one self-contained HTML file.",
    )
    p.add_argument("results", metavar="RESULTS_DIR", help="folder written by fenliu run, compare or sweep")
    p.add_argument("--lang", default="en", help=f"language of the report: {' or '.join(LANGS)} (default: en)")
    p.add_argument("--out", default=None, metavar="FILE", help="HTML file to write (default: RESULTS_DIR/report.html)")
    p.add_argument("--metric", default=None, help="sweeps only: the metric to show (default: the sweep's)")
    p.add_argument(
        "--month",
        type=int,
        default=None,
        help="sweeps only: the month to show (default: the sweep's own, else the deadline, else the last summarised)",
    )
    p.set_defaults(handler=report_command)


def report_command(args: argparse.Namespace) -> int:
    """Write the report and say where it is (refusing a folder whose files disagree with its manifest)."""
    if args.out is not None:
        check_file_output(args.out)
    if not Path(args.results).is_dir():
        raise InputError(f"RESULTS_DIR {args.results!r}: no such folder (expected a results folder written by fenliu)")
    clean_file_temporaries(Path(args.results))  # e.g. a report.html of a killed `fenliu report`
    if not verify(args.results) and read_manifest(args.results).get("kind") != "optimise":
        # an optimisation's folder keeps its live study (resumable), so its manifest records no hashes
        print(
            f"fenliu: warning: {args.results}: the manifest records no file hashes (written by an older fenliu); "
            "its files cannot be checked against it",
            file=sys.stderr,
        )
    if args.metric is not None or args.month is not None:
        kind = read_manifest(args.results).get("kind", "run")
        if kind != "sweep":
            raise InputError(f"--metric and --month apply to sweep results; {args.results} holds a {kind}")
        metric, month = sweep_choice(load_sweep(args.results), args.metric, args.month)  # checked before any work
        add_sobol_rows(args.results, metric, month)  # Sobol indices of that month, kept in sobol.parquet
        path = sweep_report(args.results, args.out, args.lang, metric=metric, month=month)
    else:
        path = report(args.results, args.out, args.lang)
    print(f"report in {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def write_report(folder: Path, lang: str = "en") -> Path | None:
    """report.html in a results folder just saved; a failing report warns, the results stay."""
    try:
        return report(folder, folder / "report.html", lang)
    except Exception as exc:  # noqa: BLE001 - the results are saved whatever the report does
        print(f"fenliu: report not written ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None

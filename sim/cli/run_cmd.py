"""`fenliu run`: replications of one scenario, saved to a results folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.cli.common import add_output_args, add_scenario_args, check_replications, default_lang, scenario_from
from sim.cli.report_cmd import write_report
from sim.errors import InputError
from sim.expected import expected
from sim.experiment import run
from sim.experiment.executors import check_workers
from sim.folders import OutputFolder, check_file_output
from sim.population.roster.encoding import describe_encoding


def register(sub: argparse._SubParsersAction) -> None:
    """Add the run command."""
    p = sub.add_parser("run", help="run a scenario's replications and save the results")
    add_scenario_args(p)
    p.add_argument("--replications", "-n", type=int, default=None, help="replications (default: run.replications)")
    p.add_argument("--seed", type=int, default=None, help="root seed (default: run.seed)")
    p.add_argument("--out", default=None, help="output folder (default: results/<scenario name>/)")
    p.add_argument("--events", action="store_true", help="also write the per-person event log")
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument("--force", action="store_true", help="replace --out even if fenliu did not write it")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes to run the replications on (default 1; the results are the same for any number)",
    )
    add_output_args(p)
    p.add_argument(
        "--engine",
        choices=("des", "expected"),
        default="des",
        help="des: the discrete-event simulation (default); expected: the deterministic expected-value twin "
        "(one replication, no queue binds)",
    )
    p.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Validate everything, run, then write the folder and print a summary."""
    scenario = scenario_from(args)
    lang = args.lang or default_lang()
    check_replications(args.replications)
    check_workers(args.workers)
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed: expected a non-negative whole number, found {args.seed}")
    out = Path(args.out) if args.out else Path("results") / scenario.name
    xlsx = check_xlsx_path(args.xlsx)
    if args.engine == "expected" and args.events:
        raise InputError("--events: the expected-value engine has no people to log; use --engine des")
    with OutputFolder(out, force=args.force) as folder:  # checked and locked before simulating
        if args.engine == "expected":
            results = expected(scenario, seed=args.seed)
        else:
            progress = False if args.quiet or args.json else None
            results = run(
                scenario,
                replications=args.replications,
                seed=args.seed,
                events=args.events or None,
                progress=progress,
                workers=args.workers,
            )
        results.write(folder.staging)
        if not args.no_report:
            write_report(folder.staging, lang)
    ms = f"{results.timings.get('per_replication_s', 0.0) * 1000:.0f}"
    processes = int(results.timings.get("workers", 1))
    replications = results.replications
    del results  # the summary reads the saved folder back: the run's own tables need not stay in memory too
    from sim.report.load import load_run
    from sim.report.terminal import print_line, print_run_summary, run_payload
    from sim.report.words import word

    data = load_run(out)  # the summary reads what was saved, as the report and the workbook do
    payload = run_payload(data, lang)
    if xlsx is not None:
        from sim.report.workbook import write_workbook

        write_workbook(out, xlsx, lang)
    if processes > 1:
        done = word("t_results_workers", lang, out=out, n=replications, w=processes, ms=ms)
    else:
        done = word("t_results", lang, out=out, n=replications, ms=ms)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=1))
        print(done, file=sys.stderr)
    else:
        print_run_summary(payload, lang)
        if scenario.population.source == "roster" and scenario.population.roster:
            print_line(f"roster {scenario.population.roster}: read as {describe_encoding(scenario.population.roster)}")
        print_line(done)
    return 0


def check_xlsx_path(path: str | None) -> Path | None:
    """The --xlsx file, checked before any run: an .xlsx name whose folder exists or can be made."""
    if path is None:
        return None
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise InputError(f"--xlsx {path!r}: expected a file name ending in .xlsx")
    if target.exists() and target.is_dir():
        raise InputError(f"--xlsx {path!r} is a folder; expected a file name ending in .xlsx")
    check_file_output(target, "--xlsx")
    return target

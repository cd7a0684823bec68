"""`fenliu compare`: scenarios side by side on common random numbers, paired against the first."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

from sim.cli.common import default_lang
from sim.cli.run_cmd import check_xlsx_path
from sim.errors import InputError
from sim.experiment.compare import Comparison, compare
from sim.experiment.executors import EXECUTORS, make_executor
from sim.experiment.results import summary_months
from sim.scenario import load_scenario

HEADLINE = ("headcount_total", "state_awaiting", "state_diverted", "hires_cumulative", "cost_government")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the compare command."""
    p = sub.add_parser(
        "compare",
        help="run scenarios on the same seeds and report paired differences against the first",
        description="Run every scenario with the same seed and replications (common random numbers) and report "
        "each one's bands and its paired difference from the first, with confidence intervals.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files (TOML); the first is the reference")
    p.add_argument(
        "--replications", "-n", type=int, default=None, help="replications (default: the first's run.replications)"
    )
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the first's run.seed)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a dotted key in every scenario (repeatable)",
    )
    p.add_argument("--out", default=None, help="output folder (default: results/compare-<first>-vs-<second>…/)")
    p.add_argument("--workers", "-w", type=int, default=None, help="worker processes (default: the CPUs available)")
    p.add_argument(
        "--executor", choices=EXECUTORS, default="local", help="local process pool (default), dask, inprocess"
    )
    p.add_argument("--scheduler", default=None, metavar="ADDR", help="Dask scheduler address (with --executor dask)")
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument(
        "--lang", choices=("en", "zh"), default=None, help="language of the finding and report (default: the locale)"
    )
    p.add_argument("--xlsx", default=None, metavar="FILE", help="also write an Excel workbook of the comparison")
    p.set_defaults(handler=compare_command)


def compare_command(args: argparse.Namespace) -> int:
    """Validate, run, save, print the headline differences."""
    if len(args.scenarios) < 2:
        raise InputError(f"compare needs at least two scenario files, found {len(args.scenarios)}")
    scenarios = [load_scenario(path, args.overrides) for path in args.scenarios]
    if args.replications is not None and args.replications < 1:
        raise InputError(f"--replications: expected a whole number of at least 1, found {args.replications}")
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed: expected a non-negative whole number, found {args.seed}")
    make_executor(args.executor, args.workers, args.scheduler)  # checks the arguments before any run
    xlsx = check_xlsx_path(args.xlsx)
    lang = args.lang or default_lang()
    names = "-vs-".join(re.sub(r"[^\w.-]+", "_", s.name) for s in scenarios)
    out = Path(args.out) if args.out else Path("results") / f"compare-{names}"
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} exists and is not a folder")
    result = compare(
        scenarios,
        args.replications,
        args.seed,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=None,
    )
    result.save(out)
    print(format_differences(result))
    from sim.report.load import load_compare
    from sim.report.terminal import print_compare_finding

    print()
    print_compare_finding(load_compare(out), lang)
    if not args.no_report:
        write_compare_report(out, lang)
    if xlsx is not None:
        from sim.report.workbook import write_workbook

        print(f"workbook in {write_workbook(out, xlsx, lang)}")
    print(f"\nresults in {out}/ ({result.replications} replications per scenario, seed {result.seed})")
    return 0


def write_compare_report(folder: Path, lang: str = "en") -> Path | None:
    """report.html in the comparison folder; a failing report is a warning, never a lost comparison."""
    from sim.report import compare_report

    try:
        return Path(compare_report(folder, folder / "report.html", lang))
    except Exception as exc:  # noqa: BLE001 - the results are saved whatever the report does
        print(f"compare: report not written ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None


def format_differences(result: Comparison) -> str:
    """Reference mean, then each scenario's paired difference and 95% interval, at the summary months."""
    horizon = result.scenarios[0].time.horizon_months
    months = summary_months(horizon)
    metrics = [m for m in HEADLINE if m in result.metrics()]
    bands = result.bands(months)
    diffs = result.differences(months)
    blocks = []
    for metric in metrics:
        rows = {}
        ref = bands[(bands["scenario"] == result.names[0]) & (bands["metric"] == metric)].set_index("month")
        rows[f"{result.names[0]} (mean)"] = {f"month {m}": f"{ref.loc[m, 'mean']:,.1f}" for m in months}
        for name in result.names[1:]:
            d = diffs[(diffs["scenario"] == name) & (diffs["metric"] == metric)].set_index("month")
            rows[f"{name} − ref"] = {
                f"month {m}": f"{d.loc[m, 'mean']:+,.1f} [{d.loc[m, 'ci_low']:+,.1f}, {d.loc[m, 'ci_high']:+,.1f}]"
                for m in months
            }
        blocks.append(f"{metric}\n" + pd.DataFrame(rows).T.to_string())
    head = (
        f"paired differences against {result.names[0]!r}: mean [95% CI] over {result.replications} replications "
        f"on common random numbers"
    )
    return head + "\n\n" + "\n\n".join(blocks)

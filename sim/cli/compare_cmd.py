"""`fenliu compare`: scenarios side by side on common random numbers, paired against the first."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sim.analysis.worlds import world_warning
from sim.cli.common import check_replications, default_lang
from sim.cli.run_cmd import check_xlsx_path
from sim.errors import InputError
from sim.experiment.compare import Comparison, compare
from sim.experiment.executors import EXECUTORS, make_executor
from sim.experiment.results import summary_months
from sim.folders import OutputFolder
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
    p.add_argument("--force", action="store_true", help="replace --out even if fenliu did not write it")
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
    check_replications(args.replications)
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed: expected a non-negative whole number, found {args.seed}")
    make_executor(args.executor, args.workers, args.scheduler)  # checks the arguments before any run
    xlsx = check_xlsx_path(args.xlsx)
    lang = args.lang or default_lang()
    names = "-vs-".join(re.sub(r"[^\w.-]+", "_", s.name) for s in scenarios)
    out = Path(args.out) if args.out else Path("results") / f"compare-{names}"
    with OutputFolder(out, force=args.force) as folder:  # checked and locked before simulating
        result = compare(
            scenarios,
            args.replications,
            args.seed,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=None,
        )
        result.write(folder.staging)
        if not args.no_report:
            write_compare_report(folder.staging, lang)
    warning = different_worlds(result)
    if warning:
        print(warning, file=sys.stderr)
    print_differences(result, lang)
    from sim.report.load import load_compare
    from sim.report.terminal import print_compare_finding

    print()
    print_compare_finding(load_compare(out), lang)
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


def different_worlds(result: Comparison) -> str:
    """The warning to print when the compared scenarios describe different worlds, else ''."""
    bands = result.bands([0])
    heads = bands[bands["metric"] == "headcount_total"].set_index("scenario")["mean"]
    scenarios = [s.model_dump(mode="json") for s in result.scenarios]
    return world_warning(result.names, scenarios, [float(heads.get(n, float("nan"))) for n in result.names])


def print_differences(result: Comparison, lang: str) -> None:
    """Reference mean, then each scenario's paired difference and 95% interval, at the key months.

    One small table per metric, laid out with rich to fit the terminal (down to 80 columns);
    the months are the summary months with the deadline, shown as calendar months.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from sim.report.dates import month_label
    from sim.report.i18n import metric_label
    from sim.report.workbook import workbook_unit

    first = result.scenarios[0]
    months = summary_months(first.time.horizon_months, first.reform.deadline_month)
    metrics = [m for m in HEADLINE if m in result.metrics()]
    bands = result.bands(months)
    diffs = result.differences(months)
    console = Console(highlight=False, emoji=False)
    zh = lang == "zh"
    console.print(
        f"与 {result.names[0]} 的配对差异:均值 [95% 区间],{result.replications} 次重复模拟,共同随机数"
        if zh
        else f"paired differences against {result.names[0]!r}: mean [95% CI] over {result.replications} "
        "replications on common random numbers",
        overflow="fold",
    )

    def signed(value: float) -> str:
        return ("0" if round(value / scale) == 0 else f"{value / scale:+,.0f}").replace("-", "−")

    for metric in metrics:
        money = metric.startswith(("cost_", "savings_", "pool_paid", "pool_balance"))
        unit = workbook_unit(lang) if money else None
        scale = unit.divisor if unit is not None else 1.0
        title = metric_label(metric, lang) + (f" ({unit.name})" if unit is not None else "")
        table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        table.add_column("", overflow="fold", ratio=2)
        for m in months:
            tag = ("期限" if zh else "deadline") if m == first.reform.deadline_month else ""
            table.add_column(f"{month_label(first.time.start, m)}\n{tag}".rstrip(), justify="right", overflow="fold")
        ref = bands[(bands["scenario"] == result.names[0]) & (bands["metric"] == metric)].set_index("month")
        means = [f"{ref.loc[m, 'mean'] / scale:,.0f}".replace("-", "−") for m in months]
        table.add_row(f"{result.names[0]} ({'均值' if zh else 'mean'})", *means)
        for name in result.names[1:]:
            d = diffs[(diffs["scenario"] == name) & (diffs["metric"] == metric)].set_index("month")
            cells = [
                f"{signed(d.loc[m, 'mean'])}\n[{signed(d.loc[m, 'ci_low'])}, {signed(d.loc[m, 'ci_high'])}]"
                for m in months
            ]
            table.add_row(f"{name} − {result.names[0]}", *cells)
        console.print(table)

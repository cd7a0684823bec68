"""`fenliu run`: replications of one scenario, saved to a results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.cli.common import add_scenario_args, scenario_from
from sim.cli.report_cmd import write_report
from sim.errors import InputError
from sim.expected import expected
from sim.experiment import Results, run
from sim.folders import OutputFolder
from sim.population.roster.encoding import describe_encoding

HEADLINE = (
    "headcount_total",
    "establishment_total",
    "state_awaiting",
    "state_diverted",
    "pool_paid_cumulative",
    "cost_government",
    "savings_cumulative_government",
    "returned_cumulative",
    "overquota_hires_cumulative",
    "mean_age",
    "share_secondary_plus",
)


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
    if args.replications is not None and args.replications < 1:
        raise InputError(f"--replications: expected a whole number of at least 1, found {args.replications}")
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed: expected a non-negative whole number, found {args.seed}")
    if args.engine == "expected" and args.events:
        raise InputError("--events: the expected-value engine has no people to log; use --engine des")
    out = Path(args.out) if args.out else Path("results") / scenario.name
    with OutputFolder(out, force=args.force) as folder:  # checked and locked before simulating
        if args.engine == "expected":
            results = expected(scenario, seed=args.seed)
        else:
            results = run(scenario, replications=args.replications, seed=args.seed, events=args.events or None)
        results.write(folder.staging)
        if not args.no_report:
            write_report(folder.staging)
    print(format_summary(results))
    if scenario.population.source == "roster" and scenario.population.roster:
        print(f"roster {scenario.population.roster}: read as {describe_encoding(scenario.population.roster)}")
    print(
        f"\nresults in {out}/ ({results.replications} replication{'s' if results.replications != 1 else ''}, "
        f"{results.timings['per_replication_s'] * 1000:.0f} ms each)"
    )
    return 0


def format_summary(results: Results) -> str:
    """A short text table: mean and P5-P95 of the headline metrics at the summary months."""
    summary = results.summary()
    summary = summary[summary["metric"].isin(HEADLINE)]
    rows = []
    for metric, group in summary.groupby("metric", sort=False):
        cells = {}
        for _, r in group.iterrows():
            fmt = "{:.3f}" if metric.startswith("share") else "{:,.1f}" if metric == "mean_age" else "{:,.0f}"
            cells[f"month {int(r['month'])}"] = (
                f"{fmt.format(r['mean'])} [{fmt.format(r['p5'])}–{fmt.format(r['p95'])}]"
            )
        rows.append(pd.Series(cells, name=metric))
    table = pd.DataFrame(rows)
    risk = results.risk()
    lines = [
        f"  {r.figure} (month {r.month}): {r.estimate:,.3g} ± {r.se:,.2g}"
        + (f"  [P50 {r.p50:,.4g}, P90 {r.p90:,.4g}]" if r.figure.startswith("payback") else "")
        for r in risk.itertuples()
    ]
    return (
        f"{results.scenario.name}: mean [P5–P95] over replications\n{table.to_string()}\n\n"
        "risk figures (estimate ± Monte Carlo standard error):\n" + "\n".join(lines)
    )

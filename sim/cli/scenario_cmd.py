"""Commands on scenario files: validate, show, roster (write one, or `roster check` a file)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import add_scenario_args, scenario_from
from sim.cli.roster_check_cmd import roster_check
from sim.errors import InputError
from sim.experiment.roster_at import roster_at, write_frame
from sim.folders import check_file_output
from sim.population import build_population, write_roster
from sim.population.build import check_population
from sim.population.roster import parse_roster, write_townships
from sim.population.table import Population
from sim.scenario import Scenario
from sim.scenario.render import to_toml

ROSTER_USAGE = """
  fenliu roster SCENARIO --out FILE [--seed N] [--townships FILE] [--month M [--replication R] [--exits]]
                         [--set KEY=VALUE ...]
  fenliu roster check ROSTER [--out bad.xlsx] [--html check.html] [--scenario SCENARIO] [--columns MAP.toml]
                             [--townships FILE]"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add validate, show and roster."""
    p = sub.add_parser("validate", help="check a scenario file (and its roster) without running it")
    add_scenario_args(p)
    p.set_defaults(handler=validate)
    p = sub.add_parser("show", help="print the resolved scenario as TOML with each value's source")
    add_scenario_args(p)
    p.add_argument("--no-sources", action="store_true", help="plain TOML without source comments")
    p.set_defaults(handler=show)
    p = sub.add_parser(
        "roster",
        help="write the staff a scenario would use (roster SCENARIO --out FILE), or check a roster (roster check FILE)",
        usage=ROSTER_USAGE,
    )
    add_scenario_args(p)
    p.add_argument("roster_file", nargs="?", metavar="ROSTER", help="with 'check': the roster file to check")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="roster file to write (.csv or .xlsx); with 'check': workbook of the rows to fix (.xlsx)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of a synthetic population (default: run.seed)")
    p.add_argument(
        "--townships",
        default=None,
        metavar="FILE",
        help="also write the townships file (CSV) here; with 'check': townships to check against",
    )
    p.add_argument(
        "--scenario",
        dest="check_scenario",
        default=None,
        metavar="SCENARIO",
        help="with 'check': scenario to check against",
    )
    p.add_argument(
        "--columns", default=None, metavar="MAP.toml", help="with 'check': column map (TOML) for other header spellings"
    )
    p.add_argument("--html", default=None, metavar="FILE", help="with 'check': also write the report as HTML")
    p.add_argument(
        "--month", type=int, default=None, help="write the payroll at this month of a run (default: month 0)"
    )
    p.add_argument("--replication", type=int, default=0, help="with --month: the replication to run (default 0)")
    p.add_argument("--exits", action="store_true", help="with --month: also list who left, with exit_reason, exit_date")
    p.set_defaults(handler=roster)


def validate(args: argparse.Namespace) -> int:
    """Load and check the scenario and its population."""
    scenario = scenario_from(args)
    if scenario.population.source == "roster" and scenario.population.roster:
        reading = parse_roster(scenario.population.roster, scenario)
        population = check_population(reading.population(scenario), scenario, scenario.population.roster)
        print(f"roster {scenario.population.roster}: " + "; ".join(reading.notes))
    else:
        population = build_population(scenario, scenario.run.seed)
    print(
        f"{args.scenario}: valid ({scenario.name!r}, {len(population)} staff in "
        f"{len(population.townships)} townships, {scenario.time.horizon_months} months)"
    )
    return 0


def show(args: argparse.Namespace) -> int:
    """Print the resolved scenario."""
    print(to_toml(scenario_from(args), with_sources=not args.no_sources), end="")
    return 0


def roster(args: argparse.Namespace) -> int:
    """Write the population as a roster file (and optionally its townships file), or check a roster."""
    if args.scenario == "check":
        return roster_check(args)
    if args.roster_file or args.check_scenario or args.columns or args.html:
        extra = args.roster_file or ("--scenario" if args.check_scenario else "--columns" if args.columns else "--html")
        raise InputError(f"roster: unexpected {extra!r}; usage: {ROSTER_USAGE.strip()}")
    if not args.out:
        raise InputError("roster: --out FILE is required to write a roster (or use: fenliu roster check ROSTER)")
    scenario = scenario_from(args)
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"--out {args.out!r}: expected a .csv or .xlsx file name")
    check_file_output(out)
    if args.townships:
        check_file_output(args.townships, "--townships")
    seed = scenario.run.seed if args.seed is None else args.seed
    population = build_population(scenario, seed)
    if args.month is not None:
        return _roster_at(args, scenario, population, seed, out)
    write_roster(population, out)
    if args.townships:
        write_townships(population, Path(args.townships), [c.name for c in scenario.township_classes])
    print(f"wrote {len(population)} staff to {out}")
    return 0


def _roster_at(args: argparse.Namespace, scenario: Scenario, population: Population, seed: int, out: Path) -> int:
    """`roster --month M`: the payroll of one replication at month M (and who left, with --exits)."""
    horizon = scenario.time.horizon_months
    if not 0 <= args.month <= horizon:
        raise InputError(f"--month: expected a month from 0 to the horizon ({horizon}), found {args.month}")
    if args.replication < 0:
        raise InputError(f"--replication: expected a whole number ≥ 0, found {args.replication}")
    frame = roster_at(scenario, population, seed, args.month, args.replication, args.exits)
    write_frame(frame, out)
    if args.townships:
        write_townships(population, Path(args.townships), [c.name for c in scenario.township_classes])
    listed = int((frame["exit_reason"] == "").sum()) if args.exits else len(frame)
    print(f"wrote {listed} staff on the payroll at month {args.month} (replication {args.replication}) to {out}")
    return 0

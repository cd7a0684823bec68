"""Commands on scenario files: validate, show, roster."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import add_scenario_args, scenario_from
from sim.errors import InputError
from sim.folders import check_file_output
from sim.population import build_population, write_roster
from sim.population.roster import write_townships
from sim.scenario.render import to_toml


def register(sub: argparse._SubParsersAction) -> None:
    """Add validate, show and roster."""
    p = sub.add_parser("validate", help="check a scenario file (and its roster) without running it")
    add_scenario_args(p)
    p.set_defaults(handler=validate)
    p = sub.add_parser("show", help="print the resolved scenario as TOML with each value's source")
    add_scenario_args(p)
    p.add_argument("--no-sources", action="store_true", help="plain TOML without source comments")
    p.set_defaults(handler=show)
    p = sub.add_parser("roster", help="write the staff population a scenario would use (CSV or .xlsx)")
    add_scenario_args(p)
    p.add_argument("--out", required=True, help="roster file to write (.csv or .xlsx)")
    p.add_argument("--seed", type=int, default=None, help="seed of a synthetic population (default: run.seed)")
    p.add_argument("--townships", default=None, help="also write the townships file (CSV) here")
    p.set_defaults(handler=roster)


def validate(args: argparse.Namespace) -> int:
    """Load and check the scenario and its population."""
    scenario = scenario_from(args)
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
    """Write the population as a roster file (and optionally its townships file)."""
    scenario = scenario_from(args)
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"--out {args.out!r}: expected a .csv or .xlsx file name")
    check_file_output(out)
    if args.townships:
        check_file_output(args.townships, "--townships")
    seed = scenario.run.seed if args.seed is None else args.seed
    population = build_population(scenario, seed)
    write_roster(population, out)
    if args.townships:
        write_townships(population, Path(args.townships), [c.name for c in scenario.township_classes])
    print(f"wrote {len(population)} staff to {out}")
    return 0

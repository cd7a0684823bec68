"""Arguments and helpers shared by several commands."""

from __future__ import annotations

import argparse

from sim.scenario import Scenario, load_scenario


def add_scenario_args(parser: argparse.ArgumentParser) -> None:
    """SCENARIO and repeated --set KEY=VALUE."""
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a dotted key, value as a TOML literal (repeatable)",
    )


def scenario_from(args: argparse.Namespace) -> Scenario:
    """Load the scenario named on the command line with its overrides."""
    return load_scenario(args.scenario, args.overrides)

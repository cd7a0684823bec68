"""Arguments and helpers shared by several commands."""

from __future__ import annotations

import argparse
import os

from sim.errors import InputError
from sim.scenario import Scenario, load_scenario
from sim.scenario.section import MAX_REPLICATIONS


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


def default_lang() -> str:
    """'zh' when the locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE) is Chinese, else 'en'."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def add_output_args(parser: argparse.ArgumentParser) -> None:
    """--lang, --json and --xlsx: how a command's results are shown and exported."""
    parser.add_argument(
        "--lang", choices=("en", "zh"), default=None, help="language of the terminal summary (default: from the locale)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    parser.add_argument("--xlsx", default=None, metavar="FILE", help="also write an Excel workbook of the results")


def check_replications(value: int | None, least: int = 1, flag: str = "--replications") -> None:
    """A replication count from the command line: a whole number from `least` to MAX_REPLICATIONS."""
    if value is not None and not least <= value <= MAX_REPLICATIONS:
        raise InputError(
            f"{flag}: expected a whole number from {least} to {MAX_REPLICATIONS:,}, found {value:,}"
            + (" (a city replication takes about 0.45 CPU s and 0.6 MB)" if value > MAX_REPLICATIONS else "")
        )

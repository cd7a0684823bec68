"""Entry point: parse arguments, dispatch to a command, turn user mistakes into exit code 2."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sim.cli import (
    calibrate_cmd,
    compare_cmd,
    exits_cmd,
    export_cmd,
    library_cmd,
    optimise_cmd,
    report_cmd,
    run_cmd,
    scenario_cmd,
    sweep_cmd,
    validate_model_cmd,
)
from sim.errors import InputError, RunFailed
from sim.version import __version__

COMMANDS = (
    scenario_cmd,
    run_cmd,
    compare_cmd,
    sweep_cmd,
    report_cmd,
    calibrate_cmd,
    validate_model_cmd,
    library_cmd,
    exits_cmd,
    export_cmd,
    optimise_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command's subparser."""
    parser = argparse.ArgumentParser(
        prog="fenliu", description="Simulate township institutional reform (乡镇机构改革): cuts, diversion, rebound."
    )
    parser.add_argument("--version", action="version", version=f"fenliu {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad input, 1 for a run that could not finish)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except (InputError, RunFailed) as exc:
        print(f"fenliu: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fenliu: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output (`| head`) went away: stop quietly, as shell tools do;
        # point stdout at /dev/null so that the interpreter's final flush does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        if exc.filename is None:
            raise
        # a path the user gave that cannot be read or written: one message, no traceback
        print(f"fenliu: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2

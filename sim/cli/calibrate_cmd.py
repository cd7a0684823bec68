"""`fenliu calibrate`: fit free parameters of a scenario to target figures and write the calibrated file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import add_scenario_args, check_replications
from sim.errors import InputError
from sim.folders import check_file_output


def register(sub: argparse._SubParsersAction) -> None:
    """Add the calibrate command."""
    p = sub.add_parser(
        "calibrate",
        help="fit free parameters (acceptances, places, weights, rates) to target figures; write the calibrated TOML",
        description=(
            "Fit the free parameters named in a targets file (or chosen with --free) by minimising the sum of "
            "squared scaled residuals over replicated runs with common random numbers: a Sobol or Latin "
            "hypercube design, then a local optimiser from scipy. Prints the fit and its residuals and writes a "
            "scenario that extends SCENARIO with the fitted values (see docs/scenarios.md)."
        ),
    )
    add_scenario_args(p)
    p.add_argument("--targets", required=True, metavar="TARGETS.toml", help="targets file (see docs/scenarios.md)")
    p.add_argument(
        "--free",
        nargs="+",
        action="extend",
        default=None,
        metavar="KEY[=LOW,HIGH]",
        help="fit only these keys (default: every key of the targets file's [free] table); "
        "KEY=LOW,HIGH gives bounds for a key the file does not list",
    )
    p.add_argument("--budget", type=int, default=None, help="evaluations in all (default: the targets file's)")
    p.add_argument("--replications", "-n", type=int, default=None, help="replications per evaluation")
    p.add_argument("--seed", type=int, default=None, help="root seed shared by every evaluation")
    p.add_argument("--design-points", type=int, default=None, help="points of the space-filling start")
    p.add_argument("--method", choices=("nelder-mead", "powell"), default=None, help="local optimiser")
    p.add_argument("--out", default=None, help="calibrated scenario to write (default: SCENARIO_calibrated.toml)")
    p.add_argument("--history", default=None, metavar="CSV", help="also write every evaluation to this CSV file")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress line per evaluation")
    p.set_defaults(handler=calibrate_command)


def parse_free(items: list[str] | None) -> dict[str, tuple[float, float] | None] | None:
    """--free arguments as {key: bounds or None}."""
    if items is None:
        return None
    out: dict[str, tuple[float, float] | None] = {}
    for item in items:
        key, sep, bounds = item.partition("=")
        key = key.strip()
        if not key:
            raise InputError(f"--free {item!r}: expected KEY or KEY=LOW,HIGH")
        if not sep:
            out[key] = None
            continue
        parts = bounds.split(",")
        try:
            low, high = (float(x) for x in parts)
        except ValueError:
            raise InputError(f"--free {item!r}: expected KEY=LOW,HIGH with two numbers, e.g. {key}=0,1") from None
        out[key] = (low, high)
    return out


def calibrate_command(args: argparse.Namespace) -> int:
    """Check the arguments, fit, print the report, write the calibrated scenario."""
    import sim

    for name in ("budget", "replications", "design_points"):
        value = getattr(args, name)
        least = 0 if name == "design_points" else 1
        if value is not None and value < least:
            flag = "--" + name.replace("_", "-")
            raise InputError(f"{flag}: expected a whole number of at least {least}, found {value}")
    check_replications(args.replications)
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed: expected a non-negative whole number, found {args.seed}")
    scenario = Path(args.scenario)
    out = Path(args.out) if args.out else scenario.with_name(f"{scenario.stem}_calibrated.toml")
    if out.resolve() == scenario.resolve():
        raise InputError(f"--out {str(out)!r} would overwrite the scenario being calibrated")
    if out.exists() and out.is_dir():
        raise InputError(f"--out {str(out)!r} is a folder; expected a .toml file name")
    check_file_output(out)  # both outputs checked before the (long) fit
    if args.history:
        check_file_output(args.history, "--history")
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    cal = sim.calibrate(
        scenario,
        args.targets,
        parse_free(args.free),
        overrides=args.overrides,
        budget=args.budget,
        replications=args.replications,
        seed=args.seed,
        design_points=args.design_points,
        method=args.method,
        progress=progress,
    )
    print(cal.report())
    cal.write(out)
    print(f"\nwrote {out}")
    if args.history:
        from sim.experiment.storage import write_csv

        write_csv(cal.history, Path(args.history))
        print(f"wrote {args.history}")
    return 0

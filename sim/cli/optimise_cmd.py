"""`fenliu optimise`: search a spec's levers for the cheapest policies under its risk constraints."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.experiment.executors import EXECUTORS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the optimise command."""
    p = sub.add_parser(
        "optimise",
        help="search levers for the best policies under risk constraints (Optuna, confirmed by the simulation)",
        description="Search the levers of an optimisation spec (TOML) with Optuna on common random numbers, "
        "confirm the best candidates by the simulation, and write the Pareto table, a report and scenario "
        "exports to results/<name>/. Exit 2 for a bad spec, 1 when no candidate meets every constraint.",
    )
    p.add_argument(
        "spec", metavar="SPEC", help="optimisation spec (TOML), e.g. scenarios/optimise/hengyang-cheapest.toml"
    )
    p.add_argument("--workers", "-w", type=int, default=None, help="worker processes (default: the CPUs available)")
    p.add_argument(
        "--executor", choices=EXECUTORS, default="local", help="local process pool (default), dask, inprocess"
    )
    p.add_argument("--scheduler", default=None, metavar="ADDR", help="Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--connect-timeout", type=float, default=10.0, metavar="S", help="seconds to reach the scheduler")
    p.add_argument("--out", default=None, help="results folder (default: results/<spec name>/)")
    p.add_argument("--resume", action="store_true", help="continue the search held in --out")
    p.add_argument("--force", action="store_true", help="with --resume: resume even if the spec changed")
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the report")
    p.add_argument(
        "--export",
        type=int,
        default=None,
        metavar="N",
        help="do not search: write point N of the finished search (-1: the start) as a scenario file",
    )
    p.add_argument("--to", default=None, metavar="FILE", help="with --export: the file (default: <out>/point-N.toml)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(handler=optimise_command)


def _show(result: object) -> None:
    from sim.optimise.results import OptimiseResult

    assert isinstance(result, OptimiseResult)
    plan = result.plan
    cols = ["point", *plan.spec.levers, *plan.spec.objectives]
    for name in plan.spec.constraints:
        cols += [name, f"{name}_se"]
    cols += ["feasible", "replications"]
    with pd.option_context("display.width", 200, "display.max_columns", 40):
        print(result.pareto[cols].to_string(index=False))


def optimise_command(args: argparse.Namespace) -> int:
    """Search (or export a point); 1 when the problem is infeasible."""
    from sim.optimise import optimise, plan_optimise
    from sim.optimise.results import load_result

    if args.force and not args.resume:
        raise InputError("--force only makes sense with --resume")
    if args.to is not None and args.export is None:
        raise InputError("--to needs --export N")
    if args.export is not None:
        plan = plan_optimise(args.spec, out=args.out)
        result = load_result(plan)
        target = Path(args.to) if args.to else plan.out / f"point-{args.export}.toml"
        result.export(args.export, target)
        print(f"{plan.spec.name}: point {args.export} written to {target}; reproduce it with: fenliu run {target}")
        return 0
    say = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    result = optimise(
        args.spec,
        out=args.out,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        connect_timeout=args.connect_timeout,
        resume=args.resume,
        force=args.force,
        report=not args.no_report,
        lang=args.lang,
        progress=say,
    )
    _show(result)
    name, out = result.plan.spec.name, result.plan.out
    if result.status == "infeasible":
        kept = result.chosen is not None  # the start meets the constraints (its levers outside the ranges)
        print(
            f"{name}: no candidate meets every constraint (confirmed by the simulation); the least-violating "
            f"candidates are listed above and in {out}/pareto.csv"
            + ("; the starting scenario does meet them (point -1): keep it" if kept else ""),
            file=sys.stderr,
        )
        return 1
    chosen = result.chosen
    assert chosen is not None
    unsure = [c for c in result.plan.spec.constraints if not chosen.get(f"{c}_within_error", True)]
    if unsure:
        print(
            f"{name}: warning: for the chosen point the standard error of {', '.join(unsure)} is still above its "
            f"target after {int(chosen['replications'])} replications: whether it meets the constraint is uncertain "
            "(raise budget.confirm_replications)",
            file=sys.stderr,
        )
    if int(chosen["point"]) == -1:
        print(f"{name}: no candidate does better than the starting scenario, which is chosen (point -1)")
    print(f"{name}: chosen point {int(chosen['point'])}; results in {out}/ (export: --export N)")
    return 0

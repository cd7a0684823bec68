"""`fenliu sweep`: run a sweep spec on an executor into a resumable results folder."""

from __future__ import annotations

import argparse
import sys

from sim.cli.common import default_lang
from sim.cli.run_cmd import check_xlsx_path
from sim.errors import InputError
from sim.experiment.executors import EXECUTORS, make_executor
from sim.experiment.jobs import Context
from sim.experiment.sweep import check_resumable, finish_outputs, plan_sweep, run_plan


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sweep command."""
    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep (grid, Latin hypercube, Sobol, Morris) into a results folder",
        description="Run every point of a sweep spec (TOML) with its replications. Jobs that fail are "
        "recorded and the sweep goes on; the exit code is 1 if any failed, 2 for bad input.",
    )
    p.add_argument(
        "spec", metavar="SPEC", help="sweep spec file (TOML), e.g. scenarios/sweeps/freeze-and-enforcement.toml"
    )
    p.add_argument("--workers", "-w", type=int, default=None, help="worker processes (default: the CPUs available)")
    p.add_argument(
        "--executor", choices=EXECUTORS, default="local", help="local process pool (default), dask, or inprocess"
    )
    p.add_argument("--scheduler", default=None, metavar="ADDR", help="Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--connect-timeout", type=float, default=10.0, metavar="S", help="seconds to reach the scheduler")
    p.add_argument("--out", default=None, help="results folder (default: results/<spec name>/)")
    p.add_argument("--resume", action="store_true", help="continue a sweep in --out, skipping finished jobs")
    p.add_argument("--force", action="store_true", help="with --resume: resume even if the spec or code changed")
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.add_argument("--xlsx", default=None, metavar="FILE", help="also write an Excel workbook of the sweep")
    p.add_argument(
        "--lang", choices=("en", "zh"), default=None, help="language of the workbook headers (default: the locale)"
    )
    p.set_defaults(handler=sweep_command)


def sweep_command(args: argparse.Namespace) -> int:
    """Check everything, run, summarise; 1 if any job failed."""
    if args.force and not args.resume:
        raise InputError("--force only makes sense with --resume")
    xlsx = check_xlsx_path(args.xlsx)
    plan = plan_sweep(args.spec, out=args.out)
    previous = check_resumable(plan, args.resume, args.force)
    executor = make_executor(args.executor, args.workers, args.scheduler, args.connect_timeout)
    design = plan.design
    print(
        f"{plan.spec.name}: {design.kind} design, {design.n_points} points "
        f"({design.n_policies} policies × {design.n_worlds} worlds) × {plan.replications} replications "
        f"= {plan.n_jobs} jobs on {executor.name} ({executor.workers} workers) → {plan.out}/",
        file=sys.stderr,
    )
    executor.start(Context.of([plan.base], plan.seed, plan.model))
    try:
        results = run_plan(
            plan, executor, args.resume, args.force, progress=False if args.quiet else None, previous=previous
        )
    finally:
        executor.close()
    failed = results.failed
    done = len(results.points_done())
    finish_outputs(results, report=not args.no_report)
    print(f"{plan.spec.name}: {done} of {design.n_points} points complete; results in {plan.out}/")
    if xlsx is not None and done:
        from sim.report.workbook import write_workbook

        print(f"workbook in {write_workbook(plan.out, xlsx, args.lang or default_lang())}")
    if len(failed):
        print(
            f"{plan.spec.name}: {len(failed)} of {plan.n_jobs} jobs failed (tracebacks in {plan.out}/jobs.parquet); "
            f"rerun with --resume to retry them",
            file=sys.stderr,
        )
        return 1
    return 0

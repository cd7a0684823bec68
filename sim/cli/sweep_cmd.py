"""`fenliu sweep`: run a sweep spec on an executor into a resumable results folder."""

from __future__ import annotations

import argparse
import sys

from sim.cli.common import default_lang
from sim.cli.run_cmd import check_xlsx_path
from sim.experiment.executors import CONNECT_TIMEOUT, EXECUTORS, make_executor
from sim.experiment.jobs import Context
from sim.experiment.sweep import open_sweep_folder, plan_sweep, publish_sweep, run_plan


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
    p.add_argument(
        "--connect-timeout",
        type=float,
        default=CONNECT_TIMEOUT,
        metavar="S",
        help=f"seconds to reach the Dask scheduler and find a worker (default {CONNECT_TIMEOUT:g})",
    )
    p.add_argument("--out", default=None, help="results folder (default: results/<spec name>/)")
    p.add_argument("--resume", action="store_true", help="continue a sweep in --out, skipping finished jobs")
    p.add_argument(
        "--force",
        action="store_true",
        help="with --resume: resume even if the spec or code changed; without: start over, replacing --out",
    )
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.add_argument("--xlsx", default=None, metavar="FILE", help="also write an Excel workbook of the sweep")
    p.add_argument(
        "--lang", choices=("en", "zh"), default=None, help="language of the workbook headers (default: the locale)"
    )
    p.set_defaults(handler=sweep_command)


def sweep_command(args: argparse.Namespace) -> int:
    """Check everything, run, summarise; 1 if any job failed."""
    xlsx = check_xlsx_path(args.xlsx)
    plan = plan_sweep(args.spec, out=args.out)
    executor = make_executor(args.executor, args.workers, args.scheduler, args.connect_timeout)
    design = plan.design
    with open_sweep_folder(plan, args.resume, args.force) as (folder, previous):
        try:
            executor.start(Context.of([plan.base], plan.seed, plan.model))  # first: a cluster's worker count
            print(
                f"{plan.spec.name}: {design.kind} design, {design.n_points} points "
                f"({design.n_policies} policies × {design.n_worlds} worlds) × {plan.replications} replications "
                f"= {plan.n_jobs} jobs on {executor.name} ({executor.workers} workers) → {plan.out}/",
                file=sys.stderr,
            )
            results = run_plan(
                plan,
                executor,
                args.resume,
                args.force,
                progress=False if args.quiet else None,
                previous=previous,
                root=folder.staging,
            )
        finally:
            executor.close()
        failed = results.failed
        done = len(results.points_done())
        results = publish_sweep(results, folder, report=not args.no_report)
    if len(failed):
        print(f"{plan.spec.name}: {done} of {design.n_points} points complete; unfinished sweep in {folder.staging}/")
        print(
            f"{plan.spec.name}: {len(failed)} of {plan.n_jobs} jobs failed (tracebacks in "
            f"{folder.staging}/jobs.parquet); rerun with --resume to retry them",
            file=sys.stderr,
        )
        return 1
    print(f"{plan.spec.name}: {done} of {design.n_points} points complete; results in {plan.out}/")
    if xlsx is not None and done:
        from sim.report.workbook import write_workbook

        print(f"workbook in {write_workbook(plan.out, xlsx, args.lang or default_lang())}")
    return 0

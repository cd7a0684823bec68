"""Running parameter sweeps: a plan's jobs on an executor into a resumable folder, then published.

A spec becomes a plan (`sweep_plan`), jobs run on an executor, and the folder is written as
they finish (`sweep_folder`); this module drives them and re-exports their public names.

Everything is checked before anything is written: the spec, every dotted key, every point's
scenario, the executor (a Dask scheduler must answer). Then jobs (point × replications) run
on the executor, each finished job is saved as a part file and journalled, and a point's
file is written once all its replications are in. An interrupted sweep resumes from the
files: finished jobs are never run again, and the final files are byte for byte those of an
uninterrupted run.

Seeds: every point uses the sweep's seed (common random numbers across points), so
replication r of any point draws from `SeedSequence(seed, spawn_key=(r, stream))`: two
points differ only by their parameters, and the replication index is the same "world of
chance" everywhere — which is what lets sensitivity analysis treat it as an input.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.engine.model import simulate
from sim.errors import InputError
from sim.experiment.executors import CONNECT_TIMEOUT, Executor, make_executor
from sim.experiment.jobs import Context, Job, Simulate
from sim.experiment.progress import Progress
from sim.experiment.spec import SweepSpec
from sim.experiment.storage import write_json
from sim.experiment.sweep_folder import JOB_COLUMNS, KEY_MONTH_KEYS, SweepFolder, key_months, point_table
from sim.experiment.sweep_plan import (
    EXTRA_DEPENDENCIES,
    SweepPlan,
    all_versions,
    check_resumable,
    model_name,
    plan_sweep,
)
from sim.experiment.sweep_results import DESIGN, MANIFEST, PARTS, POINTS, SweepResults
from sim.folders import OutputFolder
from sim.scenario.schema import Scenario

__all__ = [
    "EXTRA_DEPENDENCIES",
    "JOB_COLUMNS",
    "KEY_MONTH_KEYS",
    "SweepFolder",
    "SweepPlan",
    "all_versions",
    "check_resumable",
    "finish_outputs",
    "key_months",
    "model_name",
    "open_sweep_folder",
    "plan_sweep",
    "point_table",
    "publish_sweep",
    "run_plan",
    "sweep",
    "write_sweep_report",
]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def _job_stream(todo: dict[int, list[Job]]) -> Iterator[Job]:
    for jobs in todo.values():
        yield from jobs


def _short_error(error: str | None) -> str:
    lines = [ln for ln in (error or "").strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "unknown error"


def run_plan(
    plan: SweepPlan,
    executor: Executor,
    resume: bool = False,
    force: bool = False,
    progress: bool | None = None,
    previous: dict[str, Any] | None = None,
    root: Path | None = None,
) -> SweepResults:
    """Run a planned sweep on a started executor, writing its folder (`root`, by default the plan's
    target; `sweep` passes its staging folder); returns the reader.
    """
    root = plan.out if root is None else root
    folder = SweepFolder(plan, len((previous or {}).get("sessions", [])) + 1, root)
    root.mkdir(parents=True, exist_ok=True)
    (root / POINTS).mkdir(exist_ok=True)
    (root / PARTS).mkdir(exist_ok=True)
    folder.load()
    sessions = list((previous or {}).get("sessions", []))
    session: dict[str, Any] = {
        "session": folder.session,
        "started": _now(),
        "finished": None,
        **executor.describe(),
        "resumed": previous is not None,
        "forced": bool(force and previous is not None),
        "argv": sys.argv,
        "jobs_run": 0,
        "jobs_failed": 0,
    }
    manifest = {**plan.manifest(), "status": "running", "columns": (previous or {}).get("columns")}
    manifest["started"] = (previous or {}).get("started", session["started"])
    manifest["finished"] = None
    manifest["sessions"] = [*sessions, session]
    write_json(manifest, root / MANIFEST)
    if previous is None or force or not (root / DESIGN).is_file():
        folder.write_design()
    folder.drop_merged_parts()
    complete_parts, todo = folder.pending_jobs()
    for p in complete_parts:
        folder.finish_point(p)
    remaining = {p: len(jobs) for p, jobs in todo.items()}
    failed_points: set[int] = set()
    n_todo = sum(remaining.values())
    bar = Progress(plan.n_jobs, plan.n_jobs - n_todo, label=plan.spec.name, enabled=progress)
    status = "interrupted"
    folder.open_journal()
    try:
        for outcome in executor.run(_job_stream(todo)):
            folder.record(outcome)
            point = outcome.job.point
            session["jobs_run"] += 1
            if not outcome.ok:
                session["jobs_failed"] += 1
                failed_points.add(point)
                print(
                    f"{plan.spec.name}: job {outcome.job.id} (point {point}) failed: {_short_error(outcome.error)}",
                    file=sys.stderr,
                )
            remaining[point] -= 1
            if remaining[point] == 0 and point not in failed_points:
                folder.finish_point(point)
            bar.update(outcome.ok)
        status = "failed" if session["jobs_failed"] else "complete"
    finally:
        bar.close()
        folder.close_journal()
        folder.write_jobs_table()
        n_summarised = folder.write_summary()
        if status == "complete" and n_summarised < plan.design.n_points:
            status = "failed"  # failures from an earlier session that this one did not retry cannot happen; be safe
        session["finished"] = _now()
        manifest["status"] = status
        manifest["finished"] = session["finished"]
        manifest["columns"] = folder.columns or manifest.get("columns")
        write_json(manifest, root / MANIFEST)
    return SweepResults(root)


def sweep(
    spec: str | Path | Mapping[str, Any] | SweepSpec,
    *,
    base: Scenario | str | Path | None = None,
    out: str | Path | None = None,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool | None = None,
    report: bool = True,
    connect_timeout: float = CONNECT_TIMEOUT,
    model: Simulate = simulate,
) -> SweepResults:
    """Run a sweep and return its results folder, read lazily.

    `spec` is a TOML file, a dict of the same shape, or a SweepSpec; `base` replaces the
    spec's base scenario. `executor` is 'local' (a process pool of `workers`, the default),
    'dask' (`scheduler` address, or a LocalCluster of `workers`) or 'inprocess'. With
    `resume`, finished jobs in `out` are kept; a changed spec, base scenario or fenliu
    version is refused unless `force`. Failed jobs are recorded (see `.failed`), not raised.
    `model` is the replication function (default `sim.engine.simulate`), module-level so
    that workers can import it.
    """
    plan = plan_sweep(spec, base=base, out=out, model=model)
    runner = make_executor(executor, workers, scheduler, connect_timeout)
    with open_sweep_folder(plan, resume, force) as (folder, previous):
        runner.start(Context.of([plan.base], plan.seed, model))  # may raise InputError: nothing written yet
        try:
            results = run_plan(
                plan, runner, resume=resume, force=force, progress=progress, previous=previous, root=folder.staging
            )
        finally:
            runner.close()
        return publish_sweep(results, folder, report)


@contextmanager
def open_sweep_folder(plan: SweepPlan, resume: bool, force: bool) -> Iterator[tuple[OutputFolder, Any]]:
    """Lock the sweep's folder and prepare its persistent staging folder (`.name.partial`): kept to resume,
    emptied to start over, or a copy of the finished sweep when that is resumed. Yields it with the
    manifest resumed from (None for a fresh start).
    """
    with OutputFolder(plan.out, force=force, persistent=True) as folder:
        try:
            previous = check_resumable(plan, resume, force, folder.staging)
        except InputError:  # refused: leave nothing behind (the staging folder was made empty on entering)
            if folder.staging.is_dir() and not any(folder.staging.iterdir()):
                folder.staging.rmdir()
            raise
        if previous is None:
            folder.discard_staging()
            folder.staging.mkdir()
        elif not (folder.staging / MANIFEST).is_file():  # resuming the published sweep: work on a copy
            folder.discard_staging()
            shutil.copytree(plan.out, folder.staging, ignore=shutil.ignore_patterns(".*"))
        yield folder, previous


def publish_sweep(results: SweepResults, folder: OutputFolder, report: bool = True) -> SweepResults:
    """A complete sweep: sobol.parquet and report.html, then swapped into its target; else left to resume."""
    if not results.complete:
        return results
    finish_outputs(results, report)
    return SweepResults(folder.publish())


def finish_outputs(results: SweepResults, report: bool = True) -> None:
    """After a complete sweep: sobol.parquet (Sobol designs) and report.html (unless `report` is false)."""
    if not results.complete:
        return
    from sim.experiment.sensitivity import write_sobol_table

    write_sobol_table(results)
    if report:
        write_sweep_report(results)


def write_sweep_report(results: SweepResults) -> Path | None:
    """report.html in the sweep's folder; a failing report is a warning, never a lost sweep."""
    from sim.report import sweep_report

    path = results.folder / "report.html"
    try:
        return Path(sweep_report(results.folder, path))
    except Exception as exc:  # noqa: BLE001 - the results are saved whatever the report does
        print(f"{results.name}: report not written ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None

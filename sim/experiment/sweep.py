"""Parameter sweeps: a spec → a design → jobs on an executor → a resumable results folder.

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

import json
import platform
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engine.model import simulate
from sim.errors import InputError
from sim.experiment.design import Design, build_design
from sim.experiment.executors import CONNECT_TIMEOUT, Executor, make_executor
from sim.experiment.jobs import Context, Job, Outcome, Simulate, point_scenario
from sim.experiment.progress import Progress
from sim.experiment.results import FORMAT_VERSION, versions
from sim.experiment.spec import SweepSpec, base_path, load_spec
from sim.experiment.storage import atomic_write, write_json, write_parquet
from sim.experiment.sweep_results import (
    DESIGN,
    JOBS,
    JOURNAL,
    MANIFEST,
    PARTS,
    POINTS,
    STATISTICS,
    SUMMARY,
    SweepResults,
    band_cube_summary,
    point_file,
    summary_month_list,
)
from sim.folders import OutputFolder
from sim.scenario.loader import load_scenario, scenario_hash, scenario_sources, with_overrides
from sim.scenario.schema import Scenario
from sim.version import __version__

EXTRA_DEPENDENCIES = ("dask", "distributed", "SALib", "scipy", "tqdm")
JOB_COLUMNS = (
    "job",
    "point",
    "first_replication",
    "replications",
    "status",
    "session",
    "started",
    "finished",
    "seconds",
    "worker",
    "error",
)
JOBS_TABLE_EVERY_S = 30.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def all_versions() -> dict[str, str]:
    """Versions of Python, fenliu, its dependencies and the experiment layer's."""
    out = versions()
    for dep in EXTRA_DEPENDENCIES:
        try:
            out[dep] = metadata.version(dep)
        except metadata.PackageNotFoundError:
            out[dep] = "absent"
    return out


def model_name(model: Simulate) -> str:
    """'module:qualname' of the replication function."""
    return f"{getattr(model, '__module__', '?')}:{getattr(model, '__qualname__', repr(model))}"


# ----- planning: everything checked, nothing written -----------------------------------------
@dataclass
class SweepPlan:
    """A validated sweep, ready to run."""

    spec: SweepSpec
    source: str
    base: Scenario
    base_file: str | None
    seed: int
    replications: int
    design: Design
    out: Path
    model: Simulate

    def jobs_of(self, point: int) -> list[Job]:
        """The jobs of one point, in replication order."""
        per = self.spec.replications_per_job
        overrides = tuple(self.design.overrides(point).items())
        return [
            Job(point, first, min(per, self.replications - first), overrides)
            for first in range(0, self.replications, per)
        ]

    @property
    def n_jobs(self) -> int:
        """Jobs in the whole sweep."""
        return self.design.n_points * -(-self.replications // self.spec.replications_per_job)

    def manifest(self) -> dict[str, Any]:
        """The manifest's fixed part."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": "sweep",
            "name": self.spec.name,
            "description": self.spec.description,
            "spec_file": self.source,
            "spec": self.spec.model_dump(mode="json"),
            "spec_sha256": self.spec.fingerprint(),
            "base_file": self.base_file,
            "base_scenario": self.base.model_dump(mode="json"),
            "base_scenario_sources": scenario_sources(self.base),
            "base_scenario_sha256": scenario_hash(self.base),
            "design": self.design.describe(),
            "parameters": [*self.design.levers, *self.design.parameters],
            "seed": self.seed,
            "seeds": (
                f"common random numbers: every point uses seed {self.seed}; replication r of any point draws from "
                f"SeedSequence({self.seed}, spawn_key=(r, stream)); the population from (point scenario, seed)"
            ),
            "replications": self.replications,
            "replications_per_job": self.spec.replications_per_job,
            "jobs": self.n_jobs,
            "model": model_name(self.model),
            "versions": all_versions(),
            "platform": platform.platform(),
        }


def _check_keys(base: Scenario, spec: SweepSpec, design: Design, source: str) -> None:
    """Each varied key must exist and accept its extreme values (the error names the key and the spec)."""
    data = base.model_dump(mode="json")
    for key, par in spec.parameters.items():
        values = [w[key] for w in design.worlds]
        for value in (min(values), max(values)) if par.values is None else par.values:
            point_scenario(data, {key: value}, origin=f"{source} [parameters]")
    for key, lever in spec.levers.items():
        for value in lever.values:
            point_scenario(data, {key: value}, origin=f"{source} [levers]")


def plan_sweep(
    spec: str | Path | Mapping[str, Any] | SweepSpec,
    base: Scenario | str | Path | None = None,
    out: str | Path | None = None,
    model: Simulate = simulate,
) -> SweepPlan:
    """Validate a sweep completely without writing anything (InputError on bad input)."""
    spec_obj, spec_file = load_spec(spec)
    source = str(spec_file) if spec_file else "sweep spec"
    base_file: str | None = None
    if base is None:
        path = base_path(spec_obj, spec_file)
        if path is None:
            raise InputError("key 'base': the sweep needs a base scenario file", source=source)
        if not path.is_file():
            raise InputError(
                f"key 'base': scenario file {spec_obj.base!r} not found (looked for {path})", source=source
            )
        base_file = str(path)
        scenario = load_scenario(path)
    elif isinstance(base, Scenario):
        scenario = base
    else:
        base_file = str(Path(base).resolve())
        scenario = load_scenario(base)
    if spec_obj.set:
        scenario = with_overrides(scenario, spec_obj.set, origin=f"{source} [set]")
    seed = scenario.run.seed if spec_obj.seed is None else spec_obj.seed
    replications = scenario.run.replications if spec_obj.replications is None else spec_obj.replications
    design = build_design(spec_obj, seed)
    _check_keys(scenario, spec_obj, design, source)
    data = scenario.model_dump(mode="json")
    for p in range(design.n_points):
        overrides = design.overrides(p)
        try:
            point_scenario(data, overrides, origin=f"{source} point {p}")
        except InputError as exc:
            raise InputError(f"point {p} ({overrides}) is not a valid scenario: {exc}", source=source) from None
    folder = Path(out) if out is not None else Path("results") / spec_obj.name
    return SweepPlan(spec_obj, source, scenario, base_file, seed, replications, design, folder, model)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"cannot read {path}: expected a JSON object")
    return data


def check_resumable(plan: SweepPlan, resume: bool, force: bool, work: Path | None = None) -> dict[str, Any] | None:
    """The manifest to resume from (the interrupted sweep in `work`, else the finished one in the target),
    or None to start afresh; InputError if the folder cannot be used.

    `work` is the sweep's persistent staging folder (`OutputFolder(..., persistent=True).staging`).
    Without --resume, --force starts over.
    """
    folder = plan.out
    manifest_path = folder / MANIFEST
    if work is not None and (work / MANIFEST).is_file():
        if not resume:
            if force:
                return None
            raise InputError(
                f"--out {str(folder)!r}: an unfinished sweep waits in {str(work)!r}; pass --resume to continue it, "
                "or --force to start over"
            )
        manifest_path = work / MANIFEST
    elif not manifest_path.is_file():
        return None
    elif not resume:
        if force:
            return None
        raise InputError(
            f"--out {str(folder)!r} already holds a sweep; pass --resume to continue it, --force to replace it, "
            "or choose another folder"
        )
    old = _read_manifest(manifest_path)
    changes = []
    if old.get("spec_sha256") != plan.spec.fingerprint():
        changes.append("the sweep spec changed")
    if old.get("base_scenario_sha256") != scenario_hash(plan.base):
        changes.append("the resolved base scenario changed (its sha256 differs)")
    old_version = old.get("versions", {}).get("fenliu")
    if old_version != __version__:
        changes.append(f"the fenliu version changed ({old_version} → {__version__})")
    if old.get("model") not in (None, model_name(plan.model)):
        changes.append(f"the model function changed ({old.get('model')} → {model_name(plan.model)})")
    if (old.get("seed"), old.get("replications")) != (plan.seed, plan.replications):
        changes.append("the seed or the number of replications changed")
    if changes and not force:
        raise InputError(
            f"cannot resume {str(folder)!r}: " + "; ".join(changes) + ". Results would mix two different sweeps; "
            "run it into a new --out folder, or pass --force to resume anyway"
        )
    return old


# ----- running -------------------------------------------------------------------------------
class _Folder:
    """Writes a sweep's folder as jobs finish; knows what is already done."""

    def __init__(self, plan: SweepPlan, session: int, root: Path) -> None:
        self.plan = plan
        self.root = root
        self.session = session
        self.records: dict[str, dict[str, Any]] = {}
        self.columns: list[str] | None = None
        self._fresh: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}  # parts written this session, by job id
        self._failed_points: set[int] = set()
        self._journal: Any = None
        self._last_table = time.monotonic()

    # -- state on disk
    def load(self) -> None:
        """Read the journal (ignoring a torn last line) and check which points and parts exist."""
        path = self.root / JOURNAL
        if path.is_file():
            for line in path.read_text("utf-8").splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                self.records[rec["job"]] = rec

    def part_path(self, job: Job) -> Path:
        """Where a finished job's replications wait for the rest of their point (raw arrays, fast to write)."""
        return self.root / PARTS / f"{job.id}.npz"

    def pending_jobs(self) -> tuple[list[int], dict[int, list[Job]]]:
        """Points to finish, and for each the jobs still to run (finished parts are kept)."""
        todo: dict[int, list[Job]] = {}
        complete_parts: list[int] = []
        for p in range(self.plan.design.n_points):
            if point_file(self.root, p).is_file():
                continue
            jobs = [j for j in self.plan.jobs_of(p) if not self.part_path(j).is_file()]
            if jobs:
                todo[p] = jobs
            else:
                complete_parts.append(p)
        return complete_parts, todo

    # -- writing
    def open_journal(self) -> None:
        """Open the journal for appending."""
        self._journal = (self.root / JOURNAL).open("a", encoding="utf-8")

    def close_journal(self) -> None:
        """Close the journal."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def record(self, outcome: Outcome) -> None:
        """Save a finished job's part (if it succeeded) and journal it."""
        job = outcome.job
        if outcome.ok:
            monthly = np.stack(outcome.tables)
            columns = np.asarray(outcome.columns, dtype=str)
            atomic_write(self.part_path(job), lambda tmp: _save_part(tmp, monthly, columns))
            if job.point not in self._failed_points:
                self._fresh[job.id] = (tuple(outcome.columns), monthly)
            if self.columns is None:
                self.columns = list(outcome.columns)
        else:  # the point cannot complete this session: keep its parts on disk only
            self._failed_points.add(job.point)
            for other in self.plan.jobs_of(job.point):
                self._fresh.pop(other.id, None)
        rec = {
            "job": job.id,
            "point": job.point,
            "first_replication": job.first,
            "replications": job.count,
            "status": "done" if outcome.ok else "failed",
            "session": self.session,
            "started": outcome.started,
            "finished": outcome.finished,
            "seconds": outcome.finished - outcome.started,
            "worker": outcome.worker,
            "error": outcome.error,
        }
        self.records[job.id] = rec
        assert self._journal is not None
        self._journal.write(json.dumps(rec, ensure_ascii=False) + "\n")
        self._journal.flush()
        if time.monotonic() - self._last_table > JOBS_TABLE_EVERY_S:
            self.write_jobs_table()

    def finish_point(self, point: int) -> None:
        """Merge a complete point's parts into its file (sorted by replication, month), then drop the parts."""
        jobs = self.plan.jobs_of(point)
        reps: list[int] = []
        tables: list[np.ndarray] = []
        columns: tuple[str, ...] = ()
        for job in jobs:
            fresh = self._fresh.pop(job.id, None)
            if fresh is None:  # written by an earlier session: read it back (npz round-trips exactly)
                with np.load(self.part_path(job), allow_pickle=False) as part:
                    fresh = (tuple(str(c) for c in part["columns"]), part["monthly"])
            columns = fresh[0]
            reps.extend(job.replications)
            tables.extend(fresh[1])
        table = point_table(point, reps, columns, tables)
        atomic_write(point_file(self.root, point), lambda tmp: pq.write_table(table, tmp))
        if self.columns is None:
            self.columns = list(columns)
        for job in jobs:
            self.part_path(job).unlink(missing_ok=True)

    def write_design(self) -> None:
        """design.parquet: one row per point."""
        table = self.plan.design.table()
        for col in table.columns:
            if table[col].dtype == object and len({type(v) for v in table[col]}) > 1:
                table[col] = table[col].map(str)
        write_parquet(table, self.root / DESIGN)

    def write_jobs_table(self) -> None:
        """jobs.parquet: every job's latest status (pending if never run)."""
        rows = []
        for p in range(self.plan.design.n_points):
            point_done = point_file(self.root, p).is_file()
            for job in self.plan.jobs_of(p):
                rec = self.records.get(job.id)
                done_on_disk = point_done or self.part_path(job).is_file()
                if rec is None or (done_on_disk and rec["status"] != "done"):
                    rec = {
                        "job": job.id,
                        "point": p,
                        "first_replication": job.first,
                        "replications": job.count,
                        "status": "done" if done_on_disk else "pending",
                    }
                rows.append(rec)
        frame = pd.DataFrame(rows, columns=list(JOB_COLUMNS))
        for col in ("started", "finished"):
            frame[col] = pd.to_datetime(frame[col].astype("float64"), unit="s", utc=True)
        frame["seconds"] = frame["seconds"].astype("float64")
        frame["session"] = frame["session"].astype("Int64")
        for col in ("point", "first_replication", "replications"):
            frame[col] = frame[col].astype("int64")
        for col in ("job", "status", "worker", "error"):
            frame[col] = frame[col].astype(object)
        write_parquet(frame, self.root / JOBS)
        self._last_table = time.monotonic()

    def write_summary(self) -> int:
        """summary.parquet from the point files, streamed one point at a time; returns the points summarised."""
        months = summary_month_list(
            self.plan.spec.summary_months, self.plan.base.time.horizon_months, key_months(self.plan)
        )
        schema = pa.schema(
            [("point", pa.int64()), ("metric", pa.string()), ("month", pa.int64())]
            + [(s, pa.float64()) for s in STATISTICS]
        )
        count = 0

        def write(tmp: Path) -> None:
            nonlocal count
            with pq.ParquetWriter(tmp, schema) as writer:
                for p in range(self.plan.design.n_points):
                    path = point_file(self.root, p)
                    if not path.is_file():
                        continue
                    writer.write_table(pa.Table.from_pandas(_point_summary(path, p, months), schema=schema))
                    count += 1

        atomic_write(self.root / SUMMARY, write)
        return count


KEY_MONTH_KEYS = ("reform.month", "reform.deadline_month")


def key_months(plan: SweepPlan) -> set[int]:
    """The reform month and the deadline of the base and of every point that varies them."""
    base = plan.base.reform
    months = {int(base.month), int(base.deadline_month)}
    for p in range(plan.design.n_points):
        for key, value in plan.design.overrides(p).items():
            if key in KEY_MONTH_KEYS and isinstance(value, int | float):
                months.add(int(value))
    return months


def point_table(point: int, reps: list[int], columns: tuple[str, ...], tables: list[np.ndarray]) -> pa.Table:
    """A point's monthly results as an Arrow table: point, replication, month, metrics; by replication, month."""
    order = np.argsort(reps, kind="stable")
    stacked = np.concatenate([tables[k] for k in order]).astype(np.float64, copy=False)
    months = tables[0].shape[0]
    data: dict[str, np.ndarray] = {
        "point": np.full(len(stacked), point, dtype=np.int64),
        "replication": np.repeat(np.asarray(reps, dtype=np.int64)[order], months),
        "month": np.tile(np.arange(months, dtype=np.int64), len(reps)),
    }
    for k, name in enumerate(columns):
        data[name] = np.ascontiguousarray(stacked[:, k])
    return pa.table(data)


def _point_summary(path: Path, point: int, months: list[int] | None) -> pd.DataFrame:
    """Bands of one point file, read without going through pandas for the monthly table."""
    table = pq.read_table(path)
    metrics = [c for c in table.column_names if c not in ("point", "replication", "month")]
    reps = len(np.unique(table.column("replication").to_numpy()))
    all_months = np.unique(table.column("month").to_numpy())
    cube = np.column_stack([table.column(m).to_numpy() for m in metrics]).reshape(reps, len(all_months), len(metrics))
    frame = band_cube_summary(cube, all_months, metrics, months)
    frame.insert(0, "point", np.int64(point))
    return frame


def _save_part(path: Path, monthly: np.ndarray, columns: np.ndarray) -> None:
    with path.open("wb") as fh:
        np.savez(fh, monthly=monthly, columns=columns)


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
    folder = _Folder(plan, len((previous or {}).get("sessions", [])) + 1, root)
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
        previous = check_resumable(plan, resume, force, folder.staging)
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

"""A sweep's results folder as it is written: part files, the journal, point files, the job table, the summary."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment.jobs import Job, Outcome
from sim.experiment.storage import atomic_write, write_parquet
from sim.experiment.sweep_plan import SweepPlan
from sim.experiment.sweep_results import (
    DESIGN,
    JOBS,
    JOURNAL,
    PARTS,
    STATISTICS,
    SUMMARY,
    band_cube_summary,
    point_file,
    summary_month_list,
)

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


class SweepFolder:
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

    def drop_merged_parts(self) -> None:
        """Remove parts that a session killed after writing their point's file left behind (its
        temporaries are removed by `OutputFolder.clean_stale`).
        """
        for p in range(self.plan.design.n_points):
            if point_file(self.root, p).is_file():
                for job in self.plan.jobs_of(p):
                    self.part_path(job).unlink(missing_ok=True)

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

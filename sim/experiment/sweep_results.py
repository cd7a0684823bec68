"""A sweep's results folder: its layout, the band statistics, and a lazy reader.

Layout of `results/<name>/` (every file written to a temporary name and renamed)::

    manifest.json                 spec, resolved base scenario and hash, design, seeds, versions, sessions
    design.parquet                one row per point: point, policy, world, lever and parameter values
    jobs.parquet                  one row per job: status, times, worker, error (traceback)
    jobs.jsonl                    append-only journal of finished jobs (what --resume trusts)
    points/point-00017.parquet    all replications of point 17: point, replication, month, metrics…
    parts/p00017-r0003.npz        a finished job of a point not yet complete (merged, then removed)
    summary.parquet               point, metric, month, mean, p5, p50, p95 (summary_months)
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.experiment.design import UNIT_PREFIX
from sim.experiment.results import QUANTILES

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
JOBS = "jobs.parquet"
JOURNAL = "jobs.jsonl"
SUMMARY = "summary.parquet"
POINTS = "points"
PARTS = "parts"
STATISTICS = ("mean", *QUANTILES)
ID_COLUMNS = ("point", "replication", "month")


def point_file(folder: Path, point: int) -> Path:
    """Where point `point`'s monthly results live."""
    return folder / POINTS / f"point-{point:05d}.parquet"


def band_statistics(values: np.ndarray) -> np.ndarray:
    """Mean, P5, P50, P95 over axis 0 (replications), ignoring NaN; shape (4, ...)."""
    probs = list(QUANTILES.values())
    out = np.empty((1 + len(probs), *values.shape[1:]))
    out[0] = values.mean(axis=0)
    out[1:] = np.quantile(values, probs, axis=0)
    gaps = np.isnan(values).any(axis=0)
    if gaps.any():  # slow path only where some replication has no value (e.g. mean_age of nobody)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[0][gaps] = np.nanmean(values[:, gaps], axis=0)
            out[1:, gaps] = np.nanquantile(values[:, gaps], probs, axis=0)
    return out


def band_summary(monthly: pd.DataFrame, months: list[int] | None = None) -> pd.DataFrame:
    """Mean, P5, P50, P95 over replications of every metric at `months` (all when None).

    Columns metric, month, mean, p5, p50, p95, as `Results.summary()`; rows in metric order, then month.
    """
    metrics = [c for c in monthly.columns if c not in ID_COLUMNS]
    frame = monthly.sort_values(["replication", "month"], kind="stable")
    reps = frame["replication"].nunique()
    all_months = np.sort(frame["month"].unique())
    cube = frame[metrics].to_numpy(dtype=np.float64).reshape(reps, len(all_months), len(metrics))
    return band_cube_summary(cube, all_months, metrics, months)


def band_cube_summary(
    cube: np.ndarray, all_months: np.ndarray, metrics: list[str], months: list[int] | None = None
) -> pd.DataFrame:
    """Band summary of a (replications × months × metrics) array; see `band_summary`."""
    chosen = all_months if months is None else np.array(sorted(set(months) & set(all_months.tolist())), dtype=np.int64)
    stats = band_statistics(cube[:, np.searchsorted(all_months, chosen), :])  # (4, months, metrics)
    stats = stats.transpose(2, 1, 0).reshape(len(metrics) * len(chosen), len(STATISTICS))
    out = pd.DataFrame(stats, columns=list(STATISTICS))
    out.insert(0, "month", np.tile(chosen.astype(np.int64), len(metrics)))
    out.insert(0, "metric", np.repeat(np.asarray(metrics, dtype=object), len(chosen)))
    return out


def long_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """A band summary melted to one row per statistic: …, metric, month, statistic, value."""
    ids = [c for c in summary.columns if c not in STATISTICS]
    frame = summary.reset_index(drop=True).assign(_row=np.arange(len(summary)))
    out = frame.melt(id_vars=[*ids, "_row"], value_vars=list(STATISTICS), var_name="statistic", value_name="value")
    out["_s"] = out["statistic"].map({s: k for k, s in enumerate(STATISTICS)})
    return out.sort_values(["_row", "_s"]).drop(columns=["_row", "_s"]).reset_index(drop=True)


def summary_month_list(choice: Any, horizon: int, key_months: Iterable[int] = ()) -> list[int] | None:
    """The months a sweep summarises: 'all' (None), 'yearly', or an explicit list, always with `key_months`.

    `key_months` are the months a planner asks about whatever was listed: the reform and the
    deadline (every value of them that the sweep uses), so a report can show them.
    """
    if choice == "all":
        return None
    keys = {int(m) for m in key_months if 0 <= int(m) <= horizon}
    if choice == "yearly":
        return sorted({*range(0, horizon + 1, 12), horizon, *keys})
    return sorted({int(m) for m in choice if 0 <= int(m) <= horizon} | keys)


class SweepResults:
    """A sweep's results folder, read lazily: nothing is loaded until asked for."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not (self.folder / MANIFEST).is_file():
            raise InputError(f"{str(self.folder)!r} is not a sweep results folder (no {MANIFEST})")

    def __repr__(self) -> str:
        m = self.manifest
        return (
            f"SweepResults({str(self.folder)!r}: {m['design']['points']} points × {m['replications']} replications, "
            f"status {m.get('status')!r})"
        )

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """The manifest (spec, base scenario, design, seeds, versions, sessions)."""
        return json.loads((self.folder / MANIFEST).read_text("utf-8"))

    @property
    def name(self) -> str:
        """The sweep's name."""
        return str(self.manifest["name"])

    @property
    def metrics(self) -> list[str]:
        """The metric columns of the monthly tables."""
        return list(self.manifest.get("columns") or [])

    @property
    def parameters(self) -> list[str]:
        """Dotted keys the design samples."""
        return list(self.manifest["design"]["parameters"])

    @property
    def levers(self) -> list[str]:
        """Dotted keys of the policy levers."""
        return list(self.manifest["design"]["levers"])

    def design(self, unit: bool = False) -> pd.DataFrame:
        """One row per point; `unit=True` adds the unit-cube coordinates of the parameters."""
        frame = pd.read_parquet(self.folder / DESIGN)
        if not unit:
            frame = frame[[c for c in frame.columns if not c.startswith(UNIT_PREFIX)]]
        return frame

    @property
    def jobs(self) -> pd.DataFrame:
        """One row per job: status ('done', 'failed', 'pending'), times, worker, error."""
        return pd.read_parquet(self.folder / JOBS)

    @property
    def failed(self) -> pd.DataFrame:
        """The failed jobs with their tracebacks."""
        jobs = self.jobs
        return jobs[jobs["status"] == "failed"].reset_index(drop=True)

    @property
    def complete(self) -> bool:
        """Whether every point has all its replications."""
        return len(self.points_done()) == int(self.manifest["design"]["points"])

    def points_done(self) -> list[int]:
        """Points whose monthly file is written."""
        return sorted(int(p.stem.split("-")[1]) for p in (self.folder / POINTS).glob("point-*.parquet"))

    def monthly(self, point: int) -> pd.DataFrame:
        """All replications of one point: columns point, replication, month and the metrics."""
        path = point_file(self.folder, point)
        if not path.is_file():
            raise KeyError(f"point {point} has no results (not run yet, or a job of it failed)")
        return pd.read_parquet(path)

    def iter_monthly(self) -> Iterator[tuple[int, pd.DataFrame]]:
        """(point, monthly table) for every finished point, one at a time."""
        for point in self.points_done():
            yield point, self.monthly(point)

    def summary(self, long: bool = False, with_design: bool = False) -> pd.DataFrame:
        """Bands per point, metric and month: mean, p5, p50, p95 columns, or with `long` one row per statistic."""
        frame = pd.read_parquet(self.folder / SUMMARY)
        if long:
            frame = long_summary(frame)
        if with_design:
            frame = frame.merge(self.design(), on="point", how="left")
        return frame

    def at_month(self, metrics: list[str], month: int) -> pd.DataFrame:
        """Metrics at one month for every finished point and replication (columns point, replication, metrics)."""
        unknown = [m for m in metrics if self.metrics and m not in self.metrics]
        if unknown:
            raise InputError(
                f"metric {unknown[0]!r}: not a column of this sweep; expected one of {', '.join(self.metrics)}"
            )
        frames = []
        for point in self.points_done():
            table = pq.read_table(
                point_file(self.folder, point),
                columns=["point", "replication", "month", *metrics],
                filters=[("month", "=", month)],
            ).to_pandas()
            frames.append(table)
        if not frames:
            return pd.DataFrame(columns=["point", "replication", *metrics])
        out = pd.concat(frames, ignore_index=True)
        if out.empty:
            raise InputError(f"month {month}: outside the sweep's months (0 to {self.horizon})")
        return out.drop(columns="month")

    def values(self, metric: str, month: int) -> pd.DataFrame:
        """One metric at one month for every finished point and replication: point, replication, value."""
        return self.at_month([metric], month).rename(columns={metric: "value"})

    @property
    def horizon(self) -> int:
        """The last month simulated."""
        return int(self.manifest["base_scenario"]["time"]["horizon_months"])


def open_sweep(folder: str | Path) -> SweepResults:
    """Open an existing sweep results folder."""
    return SweepResults(folder)

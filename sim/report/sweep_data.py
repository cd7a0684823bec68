"""A sweep's numbers at any metric and month: from the summary table, else from the point files.

`summary.parquet` holds the bands at the summary months (yearly, the reform and the deadline);
the point files (`points/point-*.parquet`) hold every month of every replication, so a report
of a month the summary lacks reads them instead of refusing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.report.load import SweepData

# What a planner asks first of a sweep: who still waits at the deadline; then money, then headcount.
PREFERRED_SWEEP_METRICS = ("state_awaiting", "savings_cumulative_government", "headcount_total")


def _points_folder(sw: SweepData) -> Path | None:
    if sw.folder is None or not (Path(sw.folder) / "points").is_dir():
        return None
    return Path(sw.folder)


def base_setting(sw: SweepData, dotted: str, default: Any = None) -> Any:
    """A value of the sweep's base scenario by dotted key."""
    node: Any = sw.manifest.get("base_scenario") or {}
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def horizon(sw: SweepData) -> int:
    """The last month of the sweep."""
    value = base_setting(sw, "time.horizon_months")
    return int(value) if value is not None else int(sw.summary["month"].max())


def deadline(sw: SweepData) -> int | None:
    """The base scenario's deadline (None when the manifest does not say)."""
    value = base_setting(sw, "reform.deadline_month")
    return int(value) if value is not None else None


def summary_months(sw: SweepData, metric: str) -> list[int]:
    """Months the summary table holds for `metric`."""
    s = sw.summary
    return sorted({int(m) for m in s.loc[s["metric"] == metric, "month"]})


def can_read_any_month(sw: SweepData) -> bool:
    """Whether the point files are there to give any month."""
    return _points_folder(sw) is not None


def sweep_choice(sw: SweepData, metric: str | None = None, month: int | None = None) -> tuple[str, int]:
    """The metric and month a report shows: as given, else the manifest's, else waiting at the deadline.

    A month outside the summary is accepted when the point files can give it.
    """
    available = list(dict.fromkeys(sw.summary["metric"]))
    metric = metric or sw.manifest.get("metric")
    if metric is None:
        metric = next((m for m in PREFERRED_SWEEP_METRICS if m in available), available[0])
    if metric not in available:
        raise InputError(f"sweep metric {metric!r} is not in the summary table (it has {', '.join(available)})")
    months = summary_months(sw, metric)
    month = month if month is not None else sw.manifest.get("month")
    if month is None:
        due = deadline(sw)
        month = due if due is not None and due in months else max(months)
    month = int(month)
    if month in months:
        return str(metric), month
    if can_read_any_month(sw) and 0 <= month <= horizon(sw):
        return str(metric), month
    raise InputError(f"sweep month {month} is not summarised for {metric!r} (months: {months})")


def point_values(sw: SweepData, metric: str, month: int) -> pd.DataFrame | None:
    """The metric at `month` per point and replication (point, replication, value), or None without point files."""
    folder = _points_folder(sw)
    if folder is None:
        return None
    import pyarrow.parquet as pq

    frames = []
    for path in sorted((folder / "points").glob("point-*.parquet")):
        table = pq.read_table(path, columns=["point", "replication", "month", metric], filters=[("month", "=", month)])
        frames.append(table.to_pandas())
    if not frames:
        return None
    out = pd.concat(frames, ignore_index=True).drop(columns="month")
    return out.rename(columns={metric: "value"})


def point_stats(sw: SweepData, metric: str, month: int) -> pd.DataFrame:
    """Mean, P5, P50, P95 over replications per point at `month` (columns point, mean, p5, p50, p95)."""
    s = sw.summary
    rows = s[(s["metric"] == metric) & (s["month"].astype(int) == month)]
    if len(rows):
        return rows[["point", "mean", "p5", "p50", "p95"]].reset_index(drop=True)
    values = point_values(sw, metric, month)
    if values is None:
        raise InputError(f"sweep month {month} is not summarised for {metric!r} and the point files are missing")
    g = values.groupby("point")["value"]
    q = g.quantile([0.05, 0.5, 0.95]).unstack()
    return pd.DataFrame(
        {"point": g.mean().index, "mean": g.mean().to_numpy(), "p5": q[0.05].to_numpy(),
         "p50": q[0.5].to_numpy(), "p95": q[0.95].to_numpy()}
    )  # fmt: skip


def sweep_points(sw: SweepData, metric: str, month: int) -> pd.DataFrame:
    """Design points with the metric's mean, P5, P50 and P95 at `month`."""
    cols = ["point", *[c for c in ("policy", "world") if c in sw.design.columns], *sw.parameters]
    cols = list(dict.fromkeys(cols))
    return sw.design[cols].merge(point_stats(sw, metric, month), on="point", how="inner")


def month_table(sw: SweepData, metrics: list[str], months: list[int]) -> dict[str, dict[int, list[float | None]]]:
    """Point means for a selector: {metric: {month: [mean of each design point, in design order]}}."""
    s = sw.summary
    order = sw.design["point"].to_numpy()
    out: dict[str, dict[int, list[float | None]]] = {}
    for metric in metrics:
        rows = s[(s["metric"] == metric) & s["month"].astype(int).isin(months)]
        wide = rows.pivot_table(index="point", columns="month", values="mean", aggfunc="mean")
        out[metric] = {
            int(m): [_num(v) for v in wide[m].reindex(order).to_numpy()] for m in wide.columns if int(m) in months
        }
    return out


def _num(value: float) -> float | None:
    v = float(value)
    return float(f"{v:.4g}") if math.isfinite(v) else None


def key_months(sw: SweepData) -> list[int]:
    """Months a selector offers: the summary's months for any metric."""
    return sorted({int(m) for m in np.unique(sw.summary["month"])})

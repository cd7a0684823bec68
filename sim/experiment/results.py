"""Results of a set of replications: the monthly table, the event log, summaries, saving."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.risk import risk_table
from sim.experiment.storage import write_csv, write_json, write_parquet
from sim.scenario.loader import scenario_hash, scenario_sources
from sim.scenario.schema import Scenario
from sim.version import __version__

QUANTILES = {"p5": 0.05, "p50": 0.50, "p95": 0.95}
SUMMARY_COLUMNS = ("metric", "month", "mean", "se", "p5", "p50", "p95")
DEPENDENCIES = ("simpy", "numpy", "pandas", "pyarrow", "pydantic", "plotly")
FORMAT_VERSION = 1
RUN_COLUMNS = ("pool_unpaid",)  # written beside the engine's columns by monthly_table


def summary_months(horizon: int, deadline: int | None = None) -> list[int]:
    """The months that summaries report: 0, 12, 24, 60, the deadline (when given) and the horizon."""
    extra = () if deadline is None else (deadline,)
    return sorted({m for m in (0, 12, 24, 60, *extra, horizon) if 0 <= m <= horizon})


def summarise(monthly: pd.DataFrame, months: list[int] | None = None) -> pd.DataFrame:
    """Mean, P5, P50 and P95 over replications of every metric at the given months (long format)."""
    horizon = int(monthly["month"].max())
    months = summary_months(horizon) if months is None else months
    metrics = [c for c in monthly.columns if c not in ("replication", "month")]
    sub = monthly[monthly["month"].isin(months)]
    grouped = sub.groupby("month")[metrics]
    parts = {"mean": grouped.mean(), "se": grouped.sem()}
    for name, q in QUANTILES.items():
        parts[name] = grouped.quantile(q)
    long = pd.concat({k: v.stack(future_stack=True) for k, v in parts.items()}, axis=1)
    long.index.names = ["month", "metric"]
    long = long.reset_index()[["metric", "month", "mean", "se", *QUANTILES]]
    order = {m: k for k, m in enumerate(metrics)}
    return long.sort_values(
        ["metric", "month"], key=lambda s: s.map(order) if s.name == "metric" else s, kind="stable"
    ).reset_index(drop=True)


def versions() -> dict[str, str]:
    """Versions of Python, fenliu and its main dependencies."""
    out = {"python": platform.python_version(), "fenliu": __version__}
    for dep in DEPENDENCIES:
        try:
            out[dep] = metadata.version(dep)
        except metadata.PackageNotFoundError:
            out[dep] = "absent"
    return out


@dataclass
class Results:
    """Replications of one scenario: `.monthly` is one row per replication and month."""

    scenario: Scenario
    seed: int
    replications: int
    monthly: pd.DataFrame
    events: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    engine: str = "des"  # "des" (the SimPy model) or "expected" (the expected-value twin)
    by_township: pd.DataFrame | None = None  # see township_frame
    by_channel: pd.DataFrame | None = None  # see channel_frame

    def summary(self) -> pd.DataFrame:
        """Mean (with its SE), P5, P50, P95 of each metric at months 0, 12, 24, 60, the deadline and
        the horizon, followed by the risk figures (mean = estimate, with SE and P50; their P90 is in risk.csv).
        """
        risk = self.risk().rename(columns={"figure": "metric", "estimate": "mean"})
        risk = risk.drop(columns=["replications", "p90"])
        horizon = int(self.monthly["month"].max())
        months = summary_months(horizon, self.scenario.reform.deadline_month)
        frames = [summarise(self.monthly, months), risk]
        return pd.concat(frames, ignore_index=True)[list(SUMMARY_COLUMNS)]

    def risk(self) -> pd.DataFrame:
        """Risk figures with Monte Carlo standard errors (see sim.analysis.risk)."""
        reform = self.scenario.reform
        return risk_table(self.monthly, reform.month, reform.deadline_month)

    def metric(self, name: str) -> pd.DataFrame:
        """One metric as a (month × replication) table."""
        return self.monthly.pivot(index="month", columns="replication", values=name)

    def manifest(self) -> dict[str, Any]:
        """What is needed to reproduce these results."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": "run",
            "engine": self.engine,
            "scenario_name": self.scenario.name,
            "scenario": self.scenario.model_dump(mode="json"),
            "scenario_sources": scenario_sources(self.scenario),
            "scenario_sha256": scenario_hash(self.scenario),
            "seed": self.seed,
            "replications": self.replications,
            "versions": versions(),
            "platform": platform.platform(),
            "argv": sys.argv,
            "timings": self.timings,
        }

    def save(self, folder: str | Path) -> Path:
        """Write monthly.parquet, summary.csv, risk.csv, manifest.json (and events, by_township, by_channel)."""
        folder = Path(folder)
        write_parquet(self.monthly, folder / "monthly.parquet")
        write_csv(self.summary(), folder / "summary.csv")
        write_csv(self.risk(), folder / "risk.csv")
        if self.events is not None:
            write_parquet(self.events, folder / "events.parquet")
        if self.by_township is not None:
            write_parquet(self.by_township, folder / "by_township.parquet")
        if self.by_channel is not None:
            write_parquet(self.by_channel, folder / "by_channel.parquet")
        write_json(self.manifest(), folder / "manifest.json")
        return folder


def monthly_table(result: Any) -> tuple[tuple[str, ...], np.ndarray]:
    """A replication's metric columns and table, with `pool_unpaid` (the funding gap in yuan) when it has one."""
    columns, table = tuple(result.columns), np.asarray(result.monthly, dtype=np.float64)
    unpaid = getattr(result, "pool_unpaid", None)
    if unpaid is not None:
        columns, table = (*columns, "pool_unpaid"), np.column_stack([table, unpaid])
    return columns, table


def monthly_frame(replication_tables: list[tuple[int, tuple[str, ...], np.ndarray]]) -> pd.DataFrame:
    """Stack per-replication metric arrays into one long DataFrame."""
    frames = []
    for rep, columns, table in replication_tables:
        months = np.arange(table.shape[0])
        frame = pd.DataFrame(table, columns=list(columns))
        frame.insert(0, "month", months.astype(np.int64))
        frame.insert(0, "replication", np.full(len(months), rep, dtype=np.int64))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def township_frame(tables: list[tuple[int, np.ndarray]], names: tuple[str, ...]) -> pd.DataFrame:
    """Stack per-replication township tables (sim.engine.by_township) into one long DataFrame.

    Columns: replication, level ('township'; counties come with the province work), unit (the
    township's name), month, then staff, establishment, awaiting, over_establishment (people)
    and one_time_cost (yuan, paid so far).
    """
    from sim.engine.by_township import TOWNSHIP_OUTCOMES

    frames = []
    for rep, table in tables:
        frame = pd.DataFrame(table[:, 2:], columns=list(TOWNSHIP_OUTCOMES))
        frame.insert(0, "month", table[:, 1].astype(np.int64))
        frame.insert(0, "unit", [names[int(k)] for k in table[:, 0]])
        frame.insert(0, "level", "township")
        frame.insert(0, "replication", np.int64(rep))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def channel_frame(tables: list[tuple[int, np.ndarray]]) -> pd.DataFrame:
    """One-time cost paid per channel and replication: replication, channel, one_time_cost (yuan), people_paid."""
    from sim.scenario.schema import CHANNEL_IDS

    frames = [
        pd.DataFrame(
            {
                "replication": np.int64(rep),
                "channel": list(CHANNEL_IDS),
                "one_time_cost": table[:, 0],
                "people_paid": table[:, 1].astype(np.int64),
            }
        )
        for rep, table in tables
    ]
    return pd.concat(frames, ignore_index=True)

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

from sim.analysis.by_county import county_risk
from sim.analysis.risk import REGROWTH_THRESHOLD, risk_table
from sim.errors import InputError
from sim.experiment.storage import write_csv, write_json, write_parquet
from sim.folders import OutputFolder
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
    by_county: pd.DataFrame | None = None  # see county_frame; only for scenarios with counties

    def summary(self, by: str | None = None) -> pd.DataFrame:
        """Mean (with its SE), P5, P50, P95 of each metric at months 0, 12, 24, 60, the deadline and
        the horizon, followed by the risk figures (mean = estimate, with SE and P50; their P90 is in risk.csv).

        `by="county"`: mean, SE and quantiles of each county's outcomes (sim.engine.by_county), per county.
        """
        if by is not None:
            frame = self._by(by)
            parts = []
            for unit, sub in frame.groupby("unit", sort=False):
                table = summarise(sub.drop(columns=["level", "unit"]))
                table.insert(0, "unit", unit)
                parts.append(table)
            return pd.concat(parts, ignore_index=True)
        risk = self.risk().rename(columns={"figure": "metric", "estimate": "mean"})
        risk = risk.drop(columns=["replications", "p90"])
        horizon = int(self.monthly["month"].max())
        months = summary_months(horizon, self.scenario.reform.deadline_month)
        frames = [summarise(self.monthly, months), risk]
        return pd.concat(frames, ignore_index=True)[list(SUMMARY_COLUMNS)]

    def risk(self, regrowth_threshold: float = REGROWTH_THRESHOLD, by: str | None = None) -> pd.DataFrame:
        """Risk figures with Monte Carlo standard errors (see sim.analysis.risk); `regrowth_threshold`
        is the re-growth share that `p_regrowth_share_over_<pct>pct` asks about (default 5%).

        `by="county"`: each county's risk figures (sim.analysis.by_county.county_risk).
        """
        if by is not None:
            return county_risk(self._by(by), self.scenario.model_dump(mode="json"))
        reform = self.scenario.reform
        return risk_table(self.monthly, reform.month, reform.deadline_month, regrowth_threshold)

    def _by(self, by: str) -> pd.DataFrame:
        """The table of a geographic level, refusing a level it does not have with a clear message."""
        if by != "county":
            raise InputError(f"by: expected 'county', found {by!r}")
        if self.by_county is None:
            raise InputError(
                "by='county': these results have no counties (the scenario lists no [[counties]] and draws none "
                "with geography.counties)"
            )
        return self.by_county

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

    def save(self, folder: str | Path, force: bool = False) -> Path:
        """Write monthly.parquet, summary.csv, risk.csv, manifest.json (and events, by_township, by_channel;
        by_county.parquet, risk_by_county.csv and summary_by_county.csv for a scenario with counties).

        The folder is replaced whole and atomically (`sim.folders.OutputFolder`); a folder that
        fenliu did not write is refused unless `force`.
        """
        with OutputFolder(folder, force=force, option="folder") as out:
            self.write(out.staging)
        return Path(folder)

    def write(self, folder: str | Path) -> Path:
        """Write the files into an existing (staging) folder; `save` is the atomic way."""
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
        if self.by_county is not None:
            write_parquet(self.by_county, folder / "by_county.parquet")
            write_csv(self.risk(by="county"), folder / "risk_by_county.csv")
            write_csv(self.summary(by="county"), folder / "summary_by_county.csv")
        write_json(self.manifest(), folder / "manifest.json")
        return folder


class MonthlyStack:
    """Replications' monthly tables gathered into one preallocated array: no frame per replication."""

    def __init__(self, replications: int) -> None:
        self.capacity = max(replications, 1)
        self.replications: list[int] = []
        self.columns: tuple[str, ...] = ()
        self.months = 0
        self.data = np.empty((0, 0))

    def add(self, replication: int, columns: tuple[str, ...], table: np.ndarray) -> None:
        """Copy one replication's (months × columns) table in."""
        if not self.replications:
            self.columns, self.months = tuple(columns), table.shape[0]
            self.data = np.empty((self.capacity * self.months, len(columns)))
        elif tuple(columns) != self.columns or table.shape[0] != self.months:
            raise ValueError(f"replication {replication}: its monthly table differs in shape from the first one's")
        k = len(self.replications)
        if k == self.capacity:  # more than announced: double the room
            self.capacity *= 2
            self.data = np.concatenate([self.data, np.empty_like(self.data)])
        self.data[k * self.months : (k + 1) * self.months] = table
        self.replications.append(replication)

    def frame(self) -> pd.DataFrame:
        """One long DataFrame: replication, month, then the metric columns."""
        n, m = len(self.replications), self.months
        frame = pd.DataFrame(self.data[: n * m], columns=list(self.columns), copy=False)
        frame.insert(0, "month", np.tile(np.arange(m, dtype=np.int64), n))
        frame.insert(0, "replication", np.repeat(np.asarray(self.replications, dtype=np.int64), m))
        return frame


def monthly_table(result: Any) -> tuple[tuple[str, ...], np.ndarray]:
    """A replication's metric columns and table, with `pool_unpaid` (the funding gap in yuan) when it has one."""
    columns, table = tuple(result.columns), np.asarray(result.monthly, dtype=np.float64)
    unpaid = getattr(result, "pool_unpaid", None)
    if unpaid is not None:
        columns, table = (*columns, "pool_unpaid"), np.column_stack([table, unpaid])
    return columns, table


def monthly_frame(replication_tables: list[tuple[int, tuple[str, ...], np.ndarray]]) -> pd.DataFrame:
    """Stack per-replication metric arrays into one long DataFrame."""
    if not replication_tables:
        raise ValueError("no replications to gather")
    stack = MonthlyStack(len(replication_tables))
    for rep, columns, table in replication_tables:
        stack.add(rep, columns, table)
    return stack.frame()


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


def county_frame(tables: list[tuple[int, np.ndarray]], names: tuple[str, ...]) -> pd.DataFrame:
    """Stack per-replication county tables (sim.engine.by_county) into one long DataFrame.

    Columns: replication, level ('county'), unit (the county's name), month, then the outcomes of
    `sim.engine.by_county.COUNTY_OUTCOMES` (the shape of by_township.parquet).
    """
    from sim.engine.by_county import COUNTY_OUTCOMES

    frames = []
    for rep, table in tables:
        months, counties = table.shape[0], table.shape[1]
        frame = pd.DataFrame(table.reshape(months * counties, -1), columns=list(COUNTY_OUTCOMES))
        frame.insert(0, "month", np.repeat(np.arange(months, dtype=np.int64), counties))
        frame.insert(0, "unit", np.tile(np.asarray(names, dtype=object), months))
        frame.insert(0, "level", "county")
        frame.insert(0, "replication", np.int64(rep))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)

"""Reading saved results for a report, with clear errors for anything that is not one.

A report reads only files: it never reruns the model. `as_run` also accepts what is already
in memory (a `sim.Results`, a monthly DataFrame), so notebooks can plot without saving.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import risk_table
from sim.errors import InputError
from sim.report import aggregate
from sim.report.aggregate import KEYS

# The results format this reader understands; sim/experiment/results.py writes FORMAT_VERSION.
FORMAT_VERSIONS = (1,)


@dataclass
class RunData:
    """The replications of one scenario as a report sees them: monthly table and manifest."""

    monthly: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None
    label: str | None = None  # a display name that overrides the scenario's (e.g. in a comparison)
    by_township: pd.DataFrame | None = None  # by_township.parquet, when the run wrote it
    by_channel: pd.DataFrame | None = None  # by_channel.parquet, when the run wrote it
    by_county: pd.DataFrame | None = None  # by_county.parquet, when the run has counties

    @property
    def name(self) -> str:
        """The name shown: the label, else the scenario's name."""
        return self.label or str(self.manifest.get("scenario_name") or self.scenario.get("name") or "scenario")

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario as a plain dict (empty when unknown)."""
        return self.manifest.get("scenario") or {}

    def setting(self, dotted: str, default: Any = None) -> Any:
        """A scenario value by dotted key, e.g. 'reform.deadline_month'."""
        node: Any = self.scenario
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def horizon(self) -> int:
        """The last month of the table."""
        return int(self.monthly["month"].max())

    @property
    def reform_month(self) -> int:
        """The reform month (0 when the scenario does not say)."""
        return min(int(self.setting("reform.month", 0)), self.horizon)

    @property
    def deadline(self) -> int:
        """The month the diversion drive ends (the horizon when the scenario does not say)."""
        return min(int(self.setting("reform.deadline_month", self.horizon)), self.horizon)

    @property
    def start(self) -> str:
        """Calendar month of model month 0, 'YYYY-MM'."""
        return str(self.setting("time.start", "2000-01"))

    @property
    def replications(self) -> int:
        """Number of replications in the table."""
        return int(self.monthly["replication"].nunique())

    @property
    def columns(self) -> list[str]:
        """Metric columns."""
        return aggregate.metric_columns(self.monthly)

    def has(self, *columns: str) -> bool:
        """Whether every named metric column exists."""
        return all(c in self.monthly.columns for c in columns)

    @cached_property
    def bands(self) -> dict[str, pd.DataFrame]:
        """Mean and quantile bands of every metric, computed once."""
        return aggregate.bands(self.monthly)

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """Headline outcomes per replication, computed once."""
        return aggregate.outcomes(self.monthly, self.deadline, self.reform_month)

    @cached_property
    def risk(self) -> pd.DataFrame:
        """The risk figures of `sim.analysis.risk_table` (indexed by figure and month)."""
        with warnings.catch_warnings():  # quantiles over runs that never pay back (inf) warn; the result is right
            warnings.simplefilter("ignore", RuntimeWarning)
            table = risk_table(self.monthly, self.reform_month, self.deadline)
        return table.set_index(["figure", "month"])

    def risk_estimate(self, figure: str, month: int | None = None) -> float:
        """One risk figure's estimate (NaN when absent); `month` defaults to the figure's only row."""
        rows = self.risk.xs(figure, level="figure") if figure in self.risk.index.get_level_values(0) else None
        if rows is None or len(rows) == 0:
            return float("nan")
        if month is None:
            return float(rows["estimate"].iloc[-1])
        return float(rows["estimate"].get(month, float("nan")))


@dataclass
class SweepData:
    """A sweep as a report sees it.

    `design`: one row per point, column `point` and one column per varied parameter.
    `summary`: columns point, metric, month, mean, p5, p50, p95.
    `sobol` (optional): columns parameter, S1, S1_conf, ST, ST_conf (and optionally metric).
    """

    design: pd.DataFrame
    summary: pd.DataFrame
    sobol: pd.DataFrame | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    def __post_init__(self) -> None:
        where = str(self.folder) if self.folder else "sweep"
        _require(self.design, ("point",), f"{where}: design table")
        _require(self.summary, ("point", "metric", "month", "mean", "p5", "p50", "p95"), f"{where}: summary table")
        if self.sobol is not None:
            _require(self.sobol, ("parameter", "S1", "S1_conf", "ST", "ST_conf"), f"{where}: Sobol table")
        if len(self.design) == 0 or len(self.summary) == 0:
            raise InputError(f"{where}: the sweep holds no design points")

    @property
    def name(self) -> str:
        """The sweep's (or its base scenario's) name."""
        return str(self.manifest.get("name") or self.manifest.get("scenario_name") or "sweep")

    @property
    def start(self) -> str | None:
        """Calendar month of model month 0 ('YYYY-MM', the base scenario's); None when unknown or varied."""
        start = ((self.manifest.get("base_scenario") or {}).get("time") or {}).get("start")
        return None if start is None or "time.start" in self.parameters else str(start)

    @property
    def parameters(self) -> list[str]:
        """The varied parameters: the manifest's list, else every design column but `point`."""
        listed = self.manifest.get("parameters")
        if listed:
            return [str(p) for p in listed if p in self.design.columns]
        return [c for c in self.design.columns if c != "point"]


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a results folder, checked for a format this version reads."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InputError(f"{folder}: expected a results folder, found a file")
    path = folder / "manifest.json"
    if not path.is_file():
        raise InputError(f"{folder}: not a fenliu results folder (no manifest.json); run `fenliu run` first")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise InputError(f"{path}: expected a JSON object")
    version = manifest.get("format_version")
    if version not in FORMAT_VERSIONS:
        readable = ", ".join(str(v) for v in FORMAT_VERSIONS)
        raise InputError(
            f"{path}: results format_version {version!r} cannot be read by this fenliu "
            f"(it reads {readable}); rerun the scenario with this version"
        )
    return manifest


def _read_table(folder: Path, stem: str, required: bool = True) -> pd.DataFrame | None:
    for suffix, reader in ((".parquet", pd.read_parquet), (".csv", pd.read_csv)):
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            try:
                return reader(path)
            except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
                raise InputError(f"{path}: cannot be read ({exc})") from None
    if required:
        raise InputError(f"{folder}: missing {stem}.parquet (or {stem}.csv)")
    return None


def load_run(folder: str | Path) -> RunData:
    """A run's results folder: manifest.json and monthly.parquet."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest.get("kind", "run") != "run":
        raise InputError(f"{folder}: holds a {manifest.get('kind')!r} result, expected a run")
    monthly = _read_table(folder, "monthly")
    assert monthly is not None
    extra = {stem: _read_table(folder, stem, required=False) for stem in ("by_township", "by_channel", "by_county")}
    return RunData(check_monthly(monthly, str(folder / "monthly.parquet")), manifest, folder, **extra)


def check_monthly(monthly: pd.DataFrame, where: str) -> pd.DataFrame:
    """A monthly table with replication, month and headcount columns and at least one row."""
    _require(monthly, (*KEYS, "headcount_total"), where)
    if len(monthly) == 0:
        raise InputError(f"{where}: the monthly table is empty")
    return monthly


def load_sweep(folder: str | Path) -> SweepData:
    """A sweep folder: manifest.json (kind 'sweep'), design, summary and optionally sobol tables."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    design = _read_table(folder, "design")
    summary = _read_table(folder, "summary")
    assert design is not None and summary is not None
    return SweepData(design, summary, _read_table(folder, "sobol", required=False), manifest, folder)


def load_compare(folder: str | Path) -> list[RunData]:
    """The runs of a comparison folder, reference first.

    The manifest (kind 'compare') may list them under `runs` (paths relative to the folder)
    and their display names under `scenarios`; otherwise every sub-folder holding a run
    manifest is taken, in name order.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    listed = manifest.get("runs")
    paths = (
        [folder / str(p) for p in listed]
        if listed
        else sorted(p for p in folder.iterdir() if p.is_dir() and (p / "manifest.json").is_file())
    )
    runs = [load_run(p) for p in paths]
    names = manifest.get("scenarios")
    if isinstance(names, list) and len(names) == len(runs):
        for run, name in zip(runs, names, strict=True):
            run.label = str(name)
    return runs


def as_sweep(obj: Any) -> SweepData:
    """SweepData from a sweep folder (or itself)."""
    return obj if isinstance(obj, SweepData) else load_sweep(obj)


def as_run(obj: Any) -> RunData:
    """RunData from a results folder, a `sim.Results`, a monthly DataFrame or a (name, DataFrame) pair."""
    if isinstance(obj, RunData):
        return obj
    if isinstance(obj, str | Path):
        return load_run(obj)
    if isinstance(obj, pd.DataFrame):
        return RunData(check_monthly(obj, "monthly table"), {})
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[1], pd.DataFrame):
        name, frame = obj
        return RunData(check_monthly(frame, f"{name}: monthly table"), {"scenario_name": str(name)})
    monthly, manifest = getattr(obj, "monthly", None), getattr(obj, "manifest", None)
    if isinstance(monthly, pd.DataFrame):
        manifest = manifest() if callable(manifest) else manifest
        extra = {k: getattr(obj, k, None) for k in ("by_township", "by_channel", "by_county")}
        extra = {k: v if isinstance(v, pd.DataFrame) else None for k, v in extra.items()}
        return RunData(check_monthly(monthly, "results"), dict(manifest or {}), **extra)
    raise InputError(f"expected a results folder, sim.Results or monthly DataFrame, found {type(obj).__name__}")

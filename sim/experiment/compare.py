"""Paired comparison of scenarios under common random numbers.

Every scenario runs the same replication indices with the same seed, so replication r of
each scenario draws the same numbers for the same person. The difference of scenario k
and the reference (the first) is taken replication by replication; its confidence interval
is far tighter than the two scenarios' bands would suggest.

A saved comparison is a folder that reports read::

    manifest.json        kind "compare", runs (the sub-folders, reference first), seed, replications
    00-<name>/ …         one run folder per scenario (as `fenliu run` writes)
    bands.parquet        scenario, metric, month, mean, p5, p50, p95 (every month)
    differences.parquet  scenario, reference, metric, month, mean, sd, ci_low, ci_high, p5, p50, p95,
                         ci_halfwidth, ci_halfwidth_unpaired (every month)
"""

from __future__ import annotations

import platform
import re
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.model import RunResult, simulate
from sim.errors import InputError
from sim.experiment.executors import make_executor
from sim.experiment.gather import Gathered, InOrder
from sim.experiment.jobs import Context, Job, Simulate
from sim.experiment.progress import Progress
from sim.experiment.results import FORMAT_VERSION, Results
from sim.experiment.storage import write_json, write_parquet
from sim.experiment.sweep import all_versions
from sim.experiment.sweep_results import band_summary
from sim.folders import OutputFolder, seal
from sim.scenario.loader import load_scenario, scenario_hash
from sim.scenario.schema import Scenario

KEYS = ("replication", "month")


def _unique_names(scenarios: Sequence[Scenario]) -> list[str]:
    names: list[str] = []
    for s in scenarios:
        name, k = s.name, 2
        while name in names:
            name, k = f"{s.name}-{k}", k + 1
        names.append(name)
    return names


def _folder_name(k: int, name: str) -> str:
    return f"{k:02d}-" + (re.sub(r"[^\w.-]+", "_", name).strip("_") or "scenario")


@dataclass
class Comparison:
    """Scenarios run on common random numbers; the first is the reference."""

    names: list[str]
    runs: list[Results]
    seed: int
    replications: int
    timings: dict[str, float] = field(default_factory=dict)
    execution: dict[str, Any] = field(default_factory=dict)

    @property
    def scenarios(self) -> list[Scenario]:
        """The resolved scenarios, reference first."""
        return [r.scenario for r in self.runs]

    def metrics(self) -> list[str]:
        """Metric columns common to every scenario (in the reference's order)."""
        common = set.intersection(*(set(r.monthly.columns) for r in self.runs))
        return [c for c in self.runs[0].monthly.columns if c in common and c not in KEYS]

    def bands(self, months: list[int] | None = None) -> pd.DataFrame:
        """Each scenario's mean, P5, P50, P95 per metric and month (every month by default)."""
        frames = []
        for name, run in zip(self.names, self.runs, strict=True):
            frame = band_summary(run.monthly, months)
            frame.insert(0, "scenario", name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def differences(self, months: list[int] | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """Paired differences (scenario − reference) per metric and month, over replications.

        mean, sd and a Student-t interval (ci_low, ci_high) of the mean difference; P5, P50, P95 of
        the per-replication differences; and, to show what pairing buys, the half-width an
        unpaired (Welch) interval would have had.
        """
        metrics = self.metrics()
        ref = self.runs[0].monthly.set_index(list(KEYS)).sort_index()
        if months is not None:
            ref = ref[ref.index.get_level_values("month").isin(months)]
        frames = []
        for name, run in zip(self.names[1:], self.runs[1:], strict=True):
            other = run.monthly.set_index(list(KEYS)).sort_index().reindex(ref.index)
            frame = _paired(ref[metrics], other[metrics], confidence)
            frame.insert(0, "reference", self.names[0])
            frame.insert(0, "scenario", name)
            frames.append(frame)
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    def manifest(self, runs: list[str] | None = None) -> dict[str, Any]:
        """What is needed to reproduce the comparison."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": "compare",
            "name": " vs ".join(self.names),
            "scenarios": self.names,
            "runs": runs or [],
            "scenario_sha256": [scenario_hash(s) for s in self.scenarios],
            "seed": self.seed,
            "replications": self.replications,
            "seeds": (
                f"common random numbers: every scenario uses seed {self.seed}; replication r draws from "
                f"SeedSequence({self.seed}, spawn_key=(r, stream)) in all of them"
            ),
            "versions": all_versions(),
            "platform": platform.platform(),
            "argv": sys.argv,
            "timings": self.timings,
            "execution": self.execution,
        }

    def save(self, folder: str | Path, force: bool = False) -> Path:
        """Write the comparison as the folder `folder`, replaced whole and atomically (see `Results.save`)."""
        with OutputFolder(folder, force=force, option="folder") as out:
            self.write(out.staging)
        return Path(folder)

    def write(self, folder: str | Path) -> Path:
        """Write the run sub-folders, bands.parquet, differences.parquet and manifest.json into `folder`."""
        folder = Path(folder)
        runs = []
        for k, (name, run) in enumerate(zip(self.names, self.runs, strict=True)):
            sub = _folder_name(k, name)
            run.write(folder / sub)
            seal(folder / sub)  # each run folder can be reported (and checked) on its own
            runs.append(sub)
        write_parquet(self.bands(), folder / "bands.parquet")
        write_parquet(self.differences(), folder / "differences.parquet")
        write_json(self.manifest(runs), folder / "manifest.json")
        return folder


def _paired(ref: pd.DataFrame, other: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Per month and metric: statistics of other − ref over replications (rows indexed replication, month)."""
    months = np.sort(ref.index.get_level_values("month").unique().to_numpy())
    reps = ref.index.get_level_values("replication").nunique()
    shape = (reps, len(months), ref.shape[1])
    a = ref.to_numpy(dtype=np.float64).reshape(shape)
    b = other.to_numpy(dtype=np.float64).reshape(shape)
    d = b - a
    from scipy import stats

    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices, one replication
        n = np.sum(~np.isnan(d), axis=0)
        mean = np.nanmean(d, axis=0)
        sd = np.nanstd(d, axis=0, ddof=1)
        t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * sd / np.sqrt(n), np.nan)
        var_a, var_b = np.nanvar(a, axis=0, ddof=1), np.nanvar(b, axis=0, ddof=1)
        t2 = stats.t.ppf(0.5 + confidence / 2, np.maximum(2 * n - 2, 1))
        half_unpaired = np.where(n > 1, t2 * np.sqrt((var_a + var_b) / n), np.nan)
        qs = np.nanquantile(d, [0.05, 0.5, 0.95], axis=0)
    metrics = list(ref.columns)
    # a difference of metrics bounded in [0, 1] (an indicator, a share) lies in [−1, 1]; so does its interval
    span = np.array([1.0 if m == "pool_dry" or m.startswith("share_") else np.inf for m in metrics])
    cols = {
        "mean": mean,
        "sd": sd,
        "ci_low": np.maximum(mean - half, -span),
        "ci_high": np.minimum(mean + half, span),
        "p5": qs[0],
        "p50": qs[1],
        "p95": qs[2],
        "ci_halfwidth": half,
        "ci_halfwidth_unpaired": half_unpaired,
    }
    out = pd.DataFrame({k: v.T.ravel() for k, v in cols.items()})  # metric-major, then month
    out.insert(0, "month", np.tile(months.astype(np.int64), len(metrics)))
    out.insert(0, "metric", np.repeat(np.asarray(metrics, dtype=object), len(months)))
    return out


def compare(
    scenarios: Sequence[Scenario | str | Path],
    replications: int | None = None,
    seed: int | None = None,
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = False,
    model: Simulate = simulate,
) -> Comparison:
    """Run every scenario on the same seeds and pair them against the first.

    `scenarios` are Scenario objects or scenario files; `replications` and `seed` default to
    the first scenario's [run] section. Jobs run on the chosen executor (see `sim.sweep`); any
    failed job is an error here, since a comparison needs every replication.
    """
    if len(scenarios) < 2:
        raise InputError(f"compare needs at least two scenarios, found {len(scenarios)}")
    resolved = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    replications = resolved[0].run.replications if replications is None else replications
    seed = resolved[0].run.seed if seed is None else seed
    if replications < 1:
        raise InputError(f"--replications: expected a whole number of at least 1, found {replications}")
    if seed < 0:
        raise InputError(f"--seed: expected a non-negative whole number, found {seed}")
    names = _unique_names(resolved)
    runner = make_executor(executor, workers, scheduler)
    jobs = [
        Job(point=k, first=r, count=1, base=k, whole=True) for k in range(len(resolved)) for r in range(replications)
    ]
    gathered = [Gathered(replications) for _ in resolved]  # each scenario's replications, in order
    order: list[InOrder[RunResult]] = [InOrder() for _ in resolved]
    t0 = time.perf_counter()
    runner.start(Context.of(resolved, seed, model))
    bar = Progress(len(jobs), label="compare", enabled=progress)
    try:
        for outcome in runner.run(jobs):
            bar.update(outcome.ok)
            if not outcome.ok:
                raise RuntimeError(f"scenario {names[outcome.job.point]!r} replication {outcome.job.first} failed:\n"
                                   f"{outcome.error}")  # fmt: skip
            k = outcome.job.point
            for rep, result in order[k].push(outcome.job.first, outcome.results[0]):
                gathered[k].add(rep, result)
    finally:
        bar.close()
        runner.close()
    elapsed = time.perf_counter() - t0
    for waiting in order:
        waiting.finish()
    runs = [
        g.results(scenario, seed, replications, {"replications_s": elapsed})
        for g, scenario in zip(gathered, resolved, strict=True)
    ]
    return Comparison(names, runs, seed, replications, {"total_s": elapsed}, runner.describe())

"""Interactive reports: one offline HTML file per run, comparison or sweep, in English or Chinese.

Call the module itself, or its functions::

    sim.report("results/base")                          # kind read from manifest.json
    sim.report(results, "base.html", lang="zh")         # a sim.Results in memory
    sim.report.compare_report(["results/a", "results/b"], "a-vs-b.html")
    sim.report.sweep_report("results/my-sweep", "sweep.html", metric="state_awaiting")

Reports read only saved results (or frames already in memory); they never rerun the model,
and they import neither SimPy nor the engine. Each page embeds plotly.js once, names a CJK
font stack, and holds a Content-Security-Policy that forbids every network request.

Inputs
------
Run (`run_report(results, path=None, lang="en")`)
    A results folder written by `fenliu run` (manifest.json with format_version 1 and
    kind "run", monthly.parquet), a `sim.Results`, a monthly DataFrame, or `RunData`.
    The monthly table has columns `replication`, `month` and one column per metric.
    Figures are found by column name: `headcount_<sector>`, `establishment_<sector>`,
    `state_<state>`, `diverted_<channel>`, `queue_<channel>`, `returned_<channel>` or
    `returned_cumulative`, `pool_balance`, `pool_paid_cumulative`, `pool_waiting`,
    `pool_contributed_<contributor>`, `cost_<component>`, `cost_by_<payer>`, `cost_township`,
    `cost_government`, `savings_cumulative_township|government`, `fiscal_gap`,
    `overquota_hires_cumulative`, `overquota_reversed_cumulative`, `mean_age`,
    `share_secondary_plus`. A panel whose columns are absent is left out.
    Units: `cost_*` and `fiscal_gap` are flows in yuan per month; `*_cumulative`,
    `pool_balance` and `pool_contributed_*` are month-end stocks in yuan (people for
    counts). One-time cost = severance + pension_buyin + placement_subsidy summed over
    the horizon. Payback month, P(over establishment) at month 60 and the horizon, the
    rebound share and P(pool runs dry) are those of `sim.analysis.risk_table`. Rebound risk
    over time = share of replications with headcount over establishment (and with any
    return flow / uncorrected over-establishment hire, when those columns exist).
    The scenario (manifest `scenario`) supplies reform.month, reform.deadline_month,
    time.start, and the source figures marked on the age/education panel.

Comparison (`compare_report(runs, path, lang="en")`)
    2 to 6 runs, each anything `run_report` accepts, or a (name, monthly DataFrame) pair;
    the first is the reference. Or a folder written by `fenliu compare`: manifest kind
    "compare" whose `runs` lists the run sub-folders (relative paths; else every run
    sub-folder in name order) and `scenarios` their display names.
    Paired differences (scenario − reference) are taken over the replications and months
    common to both: mean and 95% Student-t interval over replications. Runs made with the
    same seed pair by common random numbers, which is what makes the interval tight.

Sweep (`sweep_report(sweep, path, lang="en", metric=None, month=None)`)
    A folder with manifest.json (format_version 1, kind "sweep"; optional keys `name`,
    `description`, `parameters`, `metric`, `month`, `seed`, `replications`) and tables as
    Parquet or CSV: `design` (column `point` + one column per varied parameter, named by
    its dotted scenario path), `summary` (point, metric, month, mean, p5, p50, p95 over a
    point's replications) and optionally `sobol` (parameter, S1, S1_conf, ST, ST_conf, and
    optionally metric, month, policy: the table `sim.sensitivity` returns). Or a
    `SweepData(design, summary, sobol, manifest)` built in memory.
    The metric defaults to the manifest's, else state_awaiting; the month to the manifest's,
    else the last summarised month.

Bad input (no results, an incompatible format_version, an unknown language, too few
scenarios) raises `sim.errors.InputError`; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.report.compare_report import compare_report
from sim.report.i18n import LANGS
from sim.report.load import RunData, SweepData, load_run, load_sweep, read_manifest
from sim.report.run_report import run_report
from sim.report.sweep_report import sweep_report

__all__ = [
    "LANGS",
    "RunData",
    "SweepData",
    "compare_report",
    "load_run",
    "load_sweep",
    "read_manifest",
    "report",
    "run_report",
    "sweep_report",
]


def report(results: Any, path: str | Path | None = None, lang: str = "en") -> Path:
    """Write the report that suits `results`: a run, a comparison (a list) or a sweep.

    A folder is dispatched by its manifest's `kind`; `path` defaults to report.html in it.
    Returns the path written.
    """
    if isinstance(results, SweepData):
        return sweep_report(results, path, lang)
    if isinstance(results, list):
        if path is None:
            raise InputError("a comparison report needs a path to write to")
        return compare_report(results, path, lang)
    if isinstance(results, str | Path):
        kind = read_manifest(results).get("kind", "run")
        if kind == "sweep":
            return sweep_report(results, path, lang)
        if kind == "compare":
            return compare_report(results, path if path is not None else Path(results) / "report.html", lang)
        if kind == "optimise":
            from sim.report.optimise_report import optimise_report

            return optimise_report(results, path, lang)
    return run_report(results, path, lang)


class _CallableModule(types.ModuleType):
    """Lets `sim.report(...)` be called while `sim.report.compare_report` etc. stay reachable."""

    def __call__(self, results: Any, path: str | Path | None = None, lang: str = "en") -> Path:
        return report(results, path, lang)


sys.modules[__name__].__class__ = _CallableModule

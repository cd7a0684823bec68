"""The county panel of a comparison: which counties a scenario helps, and which it leaves in trouble.

Per county, the reference's figure and each scenario's difference from it, paired replication by
replication (common random numbers, as the comparison's other differences), with a 95% interval; and
a chart of the counties whose people awaiting at the deadline change most. Read from each run's
by_county table; nothing is shown when the reference has no counties.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.analysis.by_county import county_values
from sim.report import aggregate as agg
from sim.report.common import fmt, fmt_diff
from sim.report.html import Cell, Page
from sim.report.i18n import text
from sim.report.load import RunData
from sim.report.plot import style

SHOWN = 20  # counties in the chart: those changing most
# (figure of county_values, kind for fmt, English, Chinese)
FIGURES = (
    ("awaiting_at_deadline", "people", "Awaiting at the deadline", "期限时待分流"),
    ("p_pool_dry_by_deadline", "probability", "P(pool dry by the deadline)", "期限前资金池枯竭概率"),
    ("one_time_cost", "money", "One-time cost", "一次性支出"),
)


def county_changes(runs: list[RunData]) -> pd.DataFrame | None:
    """Per county (the reference's, in its order), figure and scenario: the reference's mean and the scenario's
    paired difference (mean, low, high, n). None when the reference has no counties.

    A county the scenario does not have, or replications it does not share, give no pairs (n 0, NaN).
    """
    ref = runs[0]
    if ref.by_county is None or ref.by_county.empty:
        return None
    values = [
        county_values(run.by_county, run.scenario).set_index(["unit", "replication"])
        if run.by_county is not None and not run.by_county.empty
        else None
        for run in runs
    ]
    base = values[0]
    assert base is not None
    rows = []
    for unit in dict.fromkeys(base.index.get_level_values("unit")):
        mine = base.loc[unit]
        for figure, kind, *_ in FIGURES:
            reference = float(mine[figure].mean())
            for run, other in zip(runs[1:], values[1:], strict=True):
                if other is not None and unit in other.index.get_level_values("unit"):
                    mean, low, high, n = agg.paired_interval(mine[figure], other.loc[unit][figure], kind)
                else:
                    mean, low, high, n = agg.mean_interval(np.array([], dtype=float))
                rows.append(
                    {
                        "unit": unit,
                        "figure": figure,
                        "scenario": run.name,
                        "reference": reference,
                        "mean": mean,
                        "low": low,
                        "high": high,
                        "n": n,
                    }
                )
    return pd.DataFrame(rows)


def _interval(row: pd.Series, kind: str, lang: str) -> str:
    shown = fmt_diff(float(row["mean"]), kind, lang)
    if row["n"] > 1 and not math.isnan(float(row["low"])):
        shown += f" [{fmt_diff(float(row['low']), kind, lang)}, {fmt_diff(float(row['high']), kind, lang)}]"
    return shown


def change_figure(changes: pd.DataFrame, lang: str) -> go.Figure:
    """Horizontal bars of the change in awaiting at the deadline, one colour per scenario, with the paired
    intervals: the counties whose change is largest (in absolute value, over the scenarios) first.
    """
    awaiting = changes[changes["figure"] == "awaiting_at_deadline"]
    size = awaiting.groupby("unit", sort=False)["mean"].apply(lambda s: float(np.nanmax(np.abs(s.to_numpy()))))
    shown = size.fillna(0.0).sort_values(ascending=False, kind="stable").head(SHOWN).index[::-1]
    fig = go.Figure()
    for scenario, sub in awaiting.groupby("scenario", sort=False):
        sub = sub.set_index("unit").loc[list(shown)]
        fig.add_trace(
            go.Bar(
                x=sub["mean"].to_numpy(),
                y=[str(u) for u in shown],
                orientation="h",
                name=str(scenario),
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (sub["high"] - sub["mean"]).to_numpy(),
                    "arrayminus": (sub["mean"] - sub["low"]).to_numpy(),
                },
                hovertemplate="%{y}: %{x:+,.0f}<extra>" + str(scenario) + "</extra>",
            )
        )
    n = len(shown)
    fig.update_layout(barmode="group")
    return style(
        fig, text("cc_chart", lang, n=n), height=max(400, n * 22 * max(1, len(fig.data)) + 120), hover="closest"
    )


def add_compare_county_panel(page: Page, runs: list[RunData], lang: str) -> None:
    """Add the county table and chart of a comparison to `page` when the reference has counties."""
    changes = county_changes(runs)
    if changes is None:
        return
    ref = runs[0].name
    header: list[Cell | str] = [text("cc_county", lang)]
    for _, _, en, zh in FIGURES:
        label = zh if lang == "zh" else en
        header.append(Cell(f"{label}: {ref}", numeric=True))
        header += [Cell(f"{label}: {text('cc_change', lang, name=r.name, ref=ref)}", numeric=True) for r in runs[1:]]
    rows: list[list[Cell | str]] = []
    for unit, sub in changes.groupby("unit", sort=False):
        cells: list[Cell | str] = [str(unit)]
        for figure, kind, *_ in FIGURES:
            part = sub[sub["figure"] == figure]
            reference = float(part["reference"].iloc[0])
            cells.append(Cell(fmt(reference, kind, lang), reference, True))
            for _, row in part.iterrows():
                cells.append(Cell(_interval(row, kind, lang), float(row["mean"]), True))
        rows.append(cells)
    note = text("cc_note", lang)
    page.table("counties", text("cc_title", lang), header, rows, note, sortable=True)
    fig = change_figure(changes, lang)
    page.figure("counties-change", str(fig.layout.title.text), fig, note)

"""Figures comparing 2–6 runs: a metric's bands per scenario, paired differences, bars at a month.

Each takes a list of results (folders, `sim.Results`, `RunData`, or (name, monthly DataFrame)
pairs), the first being the reference, and a language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report import aggregate as agg
from sim.report.html import plot_text
from sim.report.i18n import CHANNELS, check_lang, metric_label, name, text
from sim.report.load import RunData, as_run
from sim.report.plot import (
    MILLION,
    MONEY,
    PEOPLE,
    SCENARIO_COLORS,
    STATES,
    add_line,
    add_median_band,
    cell,
    grid,
    style,
)


def checked_runs(runs: Sequence[Any], lang: str) -> list[RunData]:
    """RunData of each of `runs`, once the language is known to be offered."""
    check_lang(lang)
    return [as_run(r) for r in runs]


def _color(k: int) -> str:
    return SCENARIO_COLORS[k % len(SCENARIO_COLORS)]


# one line style per scenario, so that a line hidden under another still shows its dashes at the edges
DASHES = ("solid", "dash", "dashdot", "longdash", "longdashdot", "8px,3px,2px,3px,2px,3px")


def _dash(k: int) -> str:
    return DASHES[k % len(DASHES)]


def compare_metric(runs: Sequence[Any], metric: str = "headcount_total", lang: str = "en") -> go.Figure | None:
    """One metric's median and P5–P95 band for each scenario (establishment dashed for headcount)."""
    runs = checked_runs(runs, lang)
    if not all(r.has(metric) for r in runs):
        return None
    fig = go.Figure()
    money = metric.startswith(("cost", "savings", "pool_balance", "pool_contributed", "pool_paid", "fiscal", "debt"))
    for k, run in enumerate(runs):
        label = plot_text(run.name)
        add_median_band(fig, run, metric, _color(k), label, MONEY if money else PEOPLE, MILLION if money else 1.0,
                        group=f"s{k}", dash=_dash(k))  # fmt: skip
        if metric == "headcount_total" and run.has("establishment_total"):
            est = run.bands["p50"]["establishment_total"]
            add_line(fig, est.index, est, _color(k), f"{text('establishment', lang)}: {label}", PEOPLE, dash="dot",
                     group=f"s{k}", legend=False)  # fmt: skip
    fig.update_xaxes(title_text=text("month", lang))
    fig.update_yaxes(title_text=text("million_yuan", lang) if money else text("people", lang))
    return style(fig, metric_label(metric, lang))


DIFF_METRICS = (
    "headcount_total",
    "state_awaiting",
    "state_diverted",
    "savings_cumulative_government",
    "pool_balance",
    "returned_cumulative",
)


def compare_differences(runs: Sequence[Any], lang: str = "en") -> go.Figure | None:
    """Paired differences against the first scenario over time: mean and 95% t-interval."""
    runs = checked_runs(runs, lang)
    metrics = [m for m in DIFF_METRICS if all(r.has(m) for r in runs)]
    if len(runs) < 2 or not metrics:
        return None
    rows, cols = grid(len(metrics))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[metric_label(m, lang) for m in metrics],
                        vertical_spacing=0.16, horizontal_spacing=0.08)  # fmt: skip
    ref = runs[0]
    for j, metric in enumerate(metrics):
        row, col = cell(j, cols)
        money = metric.startswith(("savings", "pool_balance"))
        for k, run in enumerate(runs[1:], start=1):
            d = agg.paired_difference(ref.monthly, run.monthly, metric)
            add_line(fig, d.index, d["mean"], _color(k), plot_text(run.name), MONEY if money else PEOPLE,
                     band=(d["low"], d["high"]), row=row, col=col, group=f"s{k}", legend=j == 0,
                     scale=MILLION if money else 1.0, dash=_dash(k))  # fmt: skip
        fig.add_hline(y=0, line={"color": "#52606d", "width": 1}, row=row, col=col)
    fig.update_xaxes(title_text=text("month", lang), row=rows)
    return style(fig, text("sec_cmp_diff", lang), height=300 * rows + 120)


def compare_at(
    runs: Sequence[Any], columns: Sequence[str], names: Sequence[str], when: str, title: str, lang: str
) -> go.Figure:
    """Grouped bars: each scenario's mean (P5–P95 whiskers) of some columns at its deadline or horizon."""
    fig = go.Figure()
    for k, run in enumerate(runs):
        month = run.deadline if when == "deadline" else run.horizon
        stats = [agg.describe(agg.at_month(run.monthly, c, month)) for c in columns]
        fig.add_trace(
            go.Bar(
                x=list(names),
                y=[s["mean"] for s in stats],
                error_y={
                    "type": "data",
                    "array": [s["p95"] - s["mean"] for s in stats],
                    "arrayminus": [s["mean"] - s["p5"] for s in stats],
                },
                name=plot_text(run.name),
                marker_color=_color(k),
                hovertemplate=f"%{{x}}: %{{y:{PEOPLE}}}<extra>{plot_text(run.name)}</extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=text("people", lang))
    return style(fig, title, hover="closest")


def compare_states(runs: Sequence[Any], lang: str = "en") -> go.Figure | None:
    """People by state at each scenario's deadline."""
    runs = checked_runs(runs, lang)
    states = [c for c in agg.family(runs[0].columns, "state_", STATES) if all(r.has(c) for r in runs)]
    if not states:
        return None
    names = [name("state", c[len("state_") :], lang) for c in states]
    return compare_at(runs, states, names, "deadline", text("sec_cmp_states", lang), lang)


def compare_channels(runs: Sequence[Any], lang: str = "en") -> go.Figure | None:
    """People diverted through each channel by the horizon, per scenario."""
    runs = checked_runs(runs, lang)
    cols = [c for c in agg.family(runs[0].columns, "diverted_", CHANNELS) if all(r.has(c) for r in runs)]
    if not cols:
        return None
    names = [name("channel", c[len("diverted_") :], lang) for c in cols]
    return compare_at(runs, cols, names, "horizon", text("sec_cmp_channels", lang), lang)

"""Figures of one run: headcount, states, the surplus's paths, queues, pool, cost, savings, rebound.

Each takes results (a results folder, a `sim.Results`, a monthly DataFrame or a `RunData`) and a
language, and returns a plotly Figure, or None when the results hold no column it needs.
Columns are found by name pattern (`diverted_<channel>`, `cost_<component>`, `cost_by_<payer>`,
`pool_contributed_<who>`, ...), so metrics the engine adds later appear without changes here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report import aggregate as agg
from sim.report.i18n import CHANNELS, metric_label, name, text
from sim.report.load import RunData
from sim.report.plot import (
    AGE,
    COMPONENT_COLORS,
    COMPONENTS,
    CONTRIBUTORS,
    MILLION,
    MONEY,
    PALETTE,
    PAYER_COLORS,
    PAYERS,
    PEOPLE,
    SECTORS,
    SHARE,
    STATE_COLORS,
    STATES,
    add_line,
    add_median_band,
    cell,
    channel_color,
    checked_run,
    grid,
    id_color,
    mark_months,
    style,
)
from sim.report.rebound_view import rebound_panel
from sim.report.sankey import diversion_sankey


def headcount_fan(results: Any, lang: str = "en") -> go.Figure:
    """Headcount by sector: P5–P95 band, median, and the establishment line."""
    run = checked_run(results, lang)
    sectors = [s for s in SECTORS if run.has(f"headcount_{s}")]
    rows, cols = grid(len(sectors))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[name("sector", s, lang) for s in sectors],
        vertical_spacing=0.14,
        horizontal_spacing=0.08,
    )
    for k, sector in enumerate(sectors):
        row, col = cell(k, cols)
        first = k == 0
        add_median_band(
            fig,
            run,
            f"headcount_{sector}",
            "#1f77b4",
            f"{text('headcount', lang)} ({text('median', lang)}, {text('band', lang)})",
            PEOPLE,
            row=row,
            col=col,
            group="headcount",
            legend=first,
        )
        est = f"establishment_{sector}"
        if run.has(est):
            add_line(
                fig,
                run.bands["p50"].index,
                run.bands["p50"][est],
                "#d62728",
                text("establishment", lang),
                PEOPLE,
                row=row,
                col=col,
                dash="dash",
                group="establishment",
                legend=first,
            )
    fig.update_yaxes(title_text=text("people", lang), col=1)
    fig.update_xaxes(title_text=text("month", lang), row=rows)
    mark_months(fig, run, lang, subplots=True)
    return style(fig, text("sec_headcount", lang), height=320 * rows + 110)


def states_over_time(results: Any, lang: str = "en") -> go.Figure | None:
    """Mean number of people in each state, stacked."""
    run = checked_run(results, lang)
    states = agg.family(run.columns, "state_", STATES)
    if not states:
        return None
    fig = go.Figure()
    mean = run.bands["mean"]
    for col in states:
        state = col[len("state_") :]
        label = name("state", state, lang)
        color = STATE_COLORS.get(state, PALETTE[len(fig.data) % len(PALETTE)])
        fig.add_trace(
            go.Scatter(
                x=mean.index,
                y=mean[col],
                mode="lines",
                stackgroup="states",
                line={"width": 0.5, "color": color},
                name=label,
                hovertemplate=f"%{{y:{PEOPLE}}}<extra>{label}</extra>",
            )
        )
    fig.update_xaxes(title_text=text("month", lang))
    fig.update_yaxes(title_text=text("people", lang))
    mark_months(fig, run, lang)
    return style(fig, text("sec_states", lang))


def waiting_months(run: RunData, channel: str) -> pd.Series:
    """Per replication, mean months in a channel's queue by Little's law: queue-months ÷ people who joined.

    Joiners are counted as the monthly rises of the queue, a lower bound (joins and leaves within
    one month cancel), so the wait is if anything overstated. NaN where nobody queued.
    """
    queue = agg.wide(run.monthly, f"queue_{channel}")
    joined = queue.diff().clip(lower=0).sum() + queue.iloc[0]
    return queue.sum() / joined.replace(0, np.nan)


def channel_queues(results: Any, lang: str = "en") -> go.Figure | None:
    """Mean queue length per channel over time, and mean waiting time per channel."""
    run = checked_run(results, lang)
    queues = agg.family(run.columns, "queue_", CHANNELS)
    if not queues:
        return None
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.58, 0.42],
        subplot_titles=[text("queue_length", lang), text("waiting_months", lang)],
        horizontal_spacing=0.2,
    )
    mean = run.bands["mean"]
    names, means, lows, highs, colors = [], [], [], [], []
    for col in queues:
        ch = col[len("queue_") :]
        label, color = name("channel", ch, lang), channel_color(ch)
        add_line(fig, mean.index, mean[col], color, label, PEOPLE, row=1, col=1, group=ch)
        d = agg.describe(waiting_months(run, ch))
        names.append(label)
        means.append(d["mean"])
        lows.append(d["mean"] - d["p5"])
        highs.append(d["p95"] - d["mean"])
        colors.append(color)
    fig.add_trace(
        go.Bar(
            y=names,
            x=means,
            orientation="h",
            marker_color=colors,
            error_x={"type": "data", "array": highs, "arrayminus": lows},
            showlegend=False,
            hovertemplate="%{y}: %{x:.1f}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text=text("month", lang), row=1, col=1)
    fig.update_yaxes(title_text=text("people", lang), row=1, col=1)
    fig.update_xaxes(title_text=text("months", lang), row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    return style(fig, text("sec_queues", lang), height=460)


def funding_pool(results: Any, lang: str = "en") -> go.Figure | None:
    """The severance pool: balance and payments, contributions by contributor, people waiting."""
    run = checked_run(results, lang)
    contributors = agg.family(run.columns, "pool_contributed_", CONTRIBUTORS, exclude=("cumulative",))
    panels = []
    if run.has("pool_balance"):
        panels.append("balance")
    if contributors:
        panels.append("contributions")
    if run.has("pool_waiting"):
        panels.append("waiting")
    if not panels:
        return None
    titles = {
        "balance": text("pool_balance", lang),
        "contributions": text("pool_contributions", lang),
        "waiting": text("pool_waiting", lang),
    }
    fig = make_subplots(
        rows=len(panels), cols=1, shared_xaxes=True, subplot_titles=[titles[p] for p in panels], vertical_spacing=0.09
    )
    mean = run.bands["mean"]
    for row, panel in enumerate(panels, start=1):
        if panel == "balance":
            add_median_band(fig, run, "pool_balance", "#1f77b4", titles["balance"], MONEY, MILLION, row=row, col=1)
            if run.has("pool_paid_cumulative"):
                add_line(fig, mean.index, mean["pool_paid_cumulative"], "#d62728", text("pool_paid", lang), MONEY,
                         row=row, col=1, scale=MILLION)  # fmt: skip
            fig.update_yaxes(title_text=text("million_yuan", lang), row=row, col=1)
        elif panel == "contributions":
            for k, col in enumerate(contributors):
                who = col[len("pool_contributed_") :]
                label = name("contributor", who, lang)
                fig.add_trace(
                    go.Scatter(
                        x=mean.index,
                        y=mean[col] / MILLION,
                        stackgroup="contributions",
                        mode="lines",
                        line={"width": 0.5, "color": PALETTE[(k + 2) % len(PALETTE)]},
                        name=label,
                        hovertemplate=f"%{{y:{MONEY}}}<extra>{label}</extra>",
                    ),
                    row=row,
                    col=1,
                )
            fig.update_yaxes(title_text=text("million_yuan", lang), row=row, col=1)
        else:
            add_median_band(fig, run, "pool_waiting", "#ff7f0e", titles["waiting"], PEOPLE, row=row, col=1)
            fig.update_yaxes(title_text=text("people", lang), row=row, col=1)
    fig.update_xaxes(title_text=text("month", lang), row=len(panels), col=1)
    mark_months(fig, run, lang, subplots=True)
    return style(fig, text("sec_pool", lang), height=260 * len(panels) + 120)


def _yearly_bars(fig: go.Figure, run: RunData, columns: list[str], labels: list[str], colors: list[str]) -> None:
    years = agg.yearly_sums(run.bands["mean"][columns], run.start) / MILLION
    for col, label, color in zip(columns, labels, colors, strict=True):
        fig.add_trace(
            go.Bar(
                x=years.index,
                y=years[col],
                name=label,
                marker_color=color,
                hovertemplate=f"%{{y:{MONEY}}}<extra>{label}</extra>",
            )
        )


def cost_by_component(results: Any, lang: str = "en") -> go.Figure | None:
    """Yearly cost stacked by component (the whole-government view)."""
    run = checked_run(results, lang)
    comps = agg.family(agg.cost_components(run.columns), "cost_", COMPONENTS)
    if not comps:
        return None
    ids = [c[len("cost_") :] for c in comps]
    colors = [id_color(i, COMPONENT_COLORS) for i in ids]
    fig = go.Figure()
    _yearly_bars(fig, run, comps, [name("component", i, lang) for i in ids], colors)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=text("year", lang), dtick=1)
    fig.update_yaxes(title_text=text("million_yuan", lang))
    return style(fig, text("sec_cost_component", lang), height=480)


def cost_by_payer(results: Any, lang: str = "en") -> go.Figure | None:
    """Yearly cost stacked by payer, with township and whole-government totals; a button switches view."""
    run = checked_run(results, lang)
    payers = agg.family(run.columns, "cost_by_", PAYERS)
    totals = [c for c in agg.TOTALS if run.has(c)]
    if not payers and not totals:
        return None
    fig = go.Figure()
    ids = [c[len("cost_by_") :] for c in payers]
    _yearly_bars(fig, run, payers, [name("payer", i, lang) for i in ids], [id_color(i, PAYER_COLORS) for i in ids])
    years = agg.yearly_sums(run.bands["mean"][totals], run.start) / MILLION
    for col in totals:
        label = text(col, lang)
        fig.add_trace(
            go.Scatter(
                x=years.index,
                y=years[col],
                mode="lines+markers",
                name=label,
                line={"color": "#102a43" if col == "cost_government" else "#c0392b", "width": 2},
                hovertemplate=f"%{{y:{MONEY}}}<extra>{label}</extra>",
            )
        )
    township = [i == "township" for i in ids] + [c == "cost_township" for c in totals]
    everything = [True] * len(fig.data)
    fig.update_layout(
        barmode="stack",
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.12,
                "yanchor": "bottom",
                "buttons": [
                    {"label": text("savings_government", lang), "method": "restyle", "args": ["visible", everything]},
                    {"label": text("savings_township", lang), "method": "restyle", "args": ["visible", township]},
                ],
            }
        ],
    )
    fig.update_xaxes(title_text=text("year", lang), dtick=1)
    fig.update_yaxes(title_text=text("million_yuan", lang))
    return style(fig, text("sec_cost_payer", lang), height=500)


def savings_payback(results: Any, lang: str = "en") -> go.Figure | None:
    """Cumulative savings against no reform, township and whole government, with payback marked."""
    run = checked_run(results, lang)
    views = [
        (v, f"savings_cumulative_{v}", color)
        for v, color in (("government", "#1f77b4"), ("township", "#c0392b"))
        if run.has(f"savings_cumulative_{v}")
    ]
    if not views:
        return None
    fig = go.Figure()
    for k, (view, col, color) in enumerate(views):
        label = text(f"savings_{view}", lang)
        add_median_band(fig, run, col, color, label, MONEY, MILLION)
        month = run.risk_estimate(f"payback_month_{view}")
        if math.isfinite(month):
            fig.add_vline(x=month, line={"dash": "dash", "color": color, "width": 1.5})
            fig.add_annotation(
                x=month, y=0.9 - 0.08 * k, yref="paper", xanchor="left", showarrow=False, font={"color": color},
                text=f" {label} · {text('payback', lang)}: {text('month_n', lang, m=int(month))}",
            )  # fmt: skip
    fig.add_hline(y=0, line={"color": "#52606d", "width": 1})
    fig.update_xaxes(title_text=text("month", lang))
    fig.update_yaxes(title_text=text("million_yuan", lang))
    mark_months(fig, run, lang)
    return style(fig, text("sec_savings", lang))


def township_finances(results: Any, lang: str = "en") -> go.Figure | None:
    """Townships' yearly fiscal gap (cost above capacity) and their total debt."""
    run = checked_run(results, lang)
    panels = [c for c in ("fiscal_gap", "debt") if run.has(c)]
    if not panels:
        return None
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[metric_label(c, lang) for c in panels])
    for k, col in enumerate(panels, start=1):
        if col == "fiscal_gap":
            years = agg.yearly_sums(run.bands["mean"][[col]], run.start) / MILLION
            fig.add_trace(
                go.Bar(x=years.index, y=years[col], marker_color="#c0392b", name=metric_label(col, lang),
                       hovertemplate=f"%{{y:{MONEY}}}<extra></extra>"),
                row=1, col=k,
            )  # fmt: skip
            fig.update_xaxes(title_text=text("year", lang), dtick=2, row=1, col=k)
        else:
            add_median_band(fig, run, col, "#486581", metric_label(col, lang), MONEY, MILLION, row=1, col=k)
            fig.update_xaxes(title_text=text("month", lang), row=1, col=k)
        fig.update_yaxes(title_text=text("million_yuan", lang), row=1, col=k)
    return style(fig, text("sec_finances", lang), height=420)


def scenario_figures(run: RunData) -> list[tuple[str, int, float]]:
    """Source figures the scenario gives, as (metric, month, value).

    The synthetic population's age_mean and share_secondary_plus are month-0 figures; a
    `targets` section (a list of {metric, month, value} or a mapping metric -> {month, value})
    adds any others.
    """
    out = []
    if run.setting("population.source") == "synthetic":
        for metric, key in (("mean_age", "age_mean"), ("share_secondary_plus", "share_secondary_plus")):
            value = run.setting(f"population.synthetic.{key}")
            if isinstance(value, int | float):
                out.append((metric, 0, float(value)))
    targets = run.scenario.get("targets")
    items: list[tuple[Any, Any]] = list(targets.items() if isinstance(targets, dict) else enumerate(targets or []))
    for key, item in items:
        if isinstance(item, dict) and "value" in item:
            metric = str(item.get("metric", key))
            out.append((metric, int(item.get("month", run.horizon)), float(item["value"])))
    return out


def composition(results: Any, lang: str = "en") -> go.Figure | None:
    """Mean age and the share with secondary education or above, with the scenario's figures marked."""
    run = checked_run(results, lang)
    metrics = [m for m in ("mean_age", "share_secondary_plus") if run.has(m)]
    if not metrics:
        return None
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[metric_label(m, lang) for m in metrics])
    marks = scenario_figures(run)
    for k, metric in enumerate(metrics, start=1):
        fmt = AGE if metric == "mean_age" else SHARE
        add_median_band(fig, run, metric, "#1f77b4", metric_label(metric, lang), fmt, row=1, col=k, legend=False)
        points = [(month, value) for mm, month, value in marks if mm == metric]
        if points:
            fig.add_trace(
                go.Scatter(
                    x=[p[0] for p in points],
                    y=[p[1] for p in points],
                    mode="markers",
                    marker={"symbol": "diamond", "size": 11, "color": "#d62728"},
                    name=text("scenario_figure", lang),
                    legendgroup="scenario_figure",
                    showlegend=k == 1,
                    hovertemplate=f"%{{y:{fmt}}}<extra>{text('scenario_figure', lang)}</extra>",
                ),
                row=1,
                col=k,
            )
        fig.update_xaxes(title_text=text("month", lang), row=1, col=k)
    if "share_secondary_plus" in metrics:
        fig.update_yaxes(tickformat=".0%", col=len(metrics))
    if "mean_age" in metrics:
        fig.update_yaxes(title_text=text("years", lang), col=1)
    mark_months(fig, run, lang, subplots=True)
    return style(fig, text("sec_composition", lang), height=420)


RUN_FIGURES = (
    ("headcount", headcount_fan, "note_headcount"),
    ("states", states_over_time, "note_states"),
    ("sankey", diversion_sankey, "note_sankey"),
    ("queues", channel_queues, "note_queues"),
    ("pool", funding_pool, "note_pool"),
    ("cost-component", cost_by_component, "note_cost"),
    ("cost-payer", cost_by_payer, "note_cost"),
    ("savings", savings_payback, "note_savings"),
    ("finances", township_finances, "note_finances"),
    ("rebound", rebound_panel, "note_rebound_split"),
    ("composition", composition, "note_composition"),
)

"""Plotly figures of runs, comparisons and sweeps; each is also usable alone in a notebook.

Every function takes results (a results folder, a `sim.Results`, a monthly DataFrame or a
`RunData`), a language ('en' or 'zh') and returns a `plotly.graph_objects.Figure`, or None
when the results hold no column the figure needs. Columns are found by name pattern
(`diverted_<channel>`, `cost_<component>`, `cost_by_<payer>`, `pool_contributed_<who>`, ...),
so metrics the engine adds later appear without changes here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from sim.errors import InputError
from sim.report import aggregate as agg
from sim.report.html import FONT_STACK, plot_text
from sim.report.i18n import CHANNELS, check_lang, metric_label, name, text
from sim.report.load import RunData, SweepData, as_run, as_sweep

PALETTE = qualitative.D3
SCENARIO_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")
STATE_COLORS = {
    "in_post": "#2ca02c",
    "awaiting": "#ff7f0e",
    "rotating": "#bcbd22",
    "diverted": "#1f77b4",
    "retired": "#7f7f7f",
    "left": "#c7c7c7",
}
SECTORS = ("total", "admin", "institution", "temporary")
STATES = tuple(STATE_COLORS)
PAYER_COLORS = {
    "township": "#1f77b4",
    "county": "#ff7f0e",
    "education": "#2ca02c",
    "public_security": "#d62728",
    "higher_level": "#9467bd",
    "pension_system": "#8c564b",
    "unit_individual": "#e377c2",
}
COMPONENT_COLORS = {
    "salary_in_post": "#1f77b4",
    "salary_hires": "#aec7e8",
    "allowance_awaiting": "#ff7f0e",
    "rotating_pay": "#ffbb78",
    "early_retirement_pay": "#2ca02c",
    "severance": "#d62728",
    "pension_buyin": "#ff9896",
    "placement_subsidy": "#e377c2",
    "salary_moved_teacher": "#9467bd",
    "salary_moved_police": "#8c564b",
    "salary_moved_institution": "#c5b0d5",
    "recurring_other": "#7f7f7f",
}
PAYERS, COMPONENTS = tuple(PAYER_COLORS), tuple(COMPONENT_COLORS)
CONTRIBUTORS = ("higher_level", "county", "township", "unit_individual", "unit", "individual")
MILLION = 1e6
PEOPLE, SHARE, AGE, MONEY = ",.0f", ".1%", ".1f", ",.2f"


# ----- shared pieces ----------------------------------------------------------------------
def rgba(color: str, alpha: float) -> str:
    """A '#rrggbb' colour as an rgba string with the given opacity."""
    c = color.lstrip("#")
    r, g, b = (int(c[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def channel_color(channel: str) -> str:
    """A fixed colour per channel id."""
    return id_color(channel, CHANNELS)


def id_color(ident: str, known: Sequence[str] | dict[str, str]) -> str:
    """A fixed colour for an id: its own in a colour map, else by its place in `known`, else by its name."""
    if isinstance(known, dict) and ident in known:
        return known[ident]
    order = list(known)
    k = order.index(ident) if ident in order else len(order) + sum(map(ord, ident))
    return PALETTE[k % len(PALETTE)]


def style(fig: go.Figure, title: str, height: int = 450, hover: str = "x unified") -> go.Figure:
    """The common look: white template, CJK font stack, legend below the plot."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        title={"text": title, "x": 0.01, "xanchor": "left"},
        font={"family": FONT_STACK, "size": 12},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        margin={"l": 64, "r": 24, "t": 64, "b": 72},
        hovermode=hover,
    )
    return fig


def add_band(
    fig: go.Figure,
    x: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    color: str,
    label: str,
    *,
    row: int | None = None,
    col: int | None = None,
    group: str | None = None,
    legend: bool = False,
) -> None:
    """A filled P5–P95 (or interval) band as one polygon trace."""
    x = np.asarray(x)
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([np.asarray(high), np.asarray(low)[::-1]]),
            fill="toself",
            fillcolor=rgba(color, 0.22),
            line={"width": 0},
            hoverinfo="skip",
            name=label,
            legendgroup=group or label,
            showlegend=legend,
        ),
        row=row,
        col=col,
    )


def add_line(
    fig: go.Figure,
    x: Sequence[float],
    y: Sequence[float],
    color: str,
    label: str,
    fmt: str,
    *,
    band: tuple[Sequence[float], Sequence[float]] | None = None,
    row: int | None = None,
    col: int | None = None,
    dash: str | None = None,
    group: str | None = None,
    legend: bool = True,
    scale: float = 1.0,
) -> None:
    """A line whose hover also shows its band, when given."""
    y = np.asarray(y, dtype=float) / scale
    trace: dict[str, Any] = {"hovertemplate": f"%{{y:{fmt}}}<extra>{label}</extra>"}
    if band is not None:
        lo, hi = np.asarray(band[0], dtype=float) / scale, np.asarray(band[1], dtype=float) / scale
        trace = {
            "customdata": np.stack([lo, hi], axis=1),
            "hovertemplate": f"%{{y:{fmt}}} [%{{customdata[0]:{fmt}}}–%{{customdata[1]:{fmt}}}]<extra>{label}</extra>",
        }
        add_band(fig, x, lo, hi, color, label, row=row, col=col, group=group or label)
    fig.add_trace(
        go.Scatter(
            x=np.asarray(x),
            y=y,
            mode="lines",
            line={"color": color, "width": 2, "dash": dash},
            name=label,
            legendgroup=group or label,
            showlegend=legend,
            **trace,
        ),
        row=row,
        col=col,
    )


def add_median_band(
    fig: go.Figure,
    run: RunData,
    metric: str,
    color: str,
    label: str,
    fmt: str,
    scale: float = 1.0,
    **kw: Any,
) -> None:
    """Median line over a P5–P95 band of one metric of a run."""
    b = run.bands
    x = b["p50"].index
    add_line(fig, x, b["p50"][metric], color, label, fmt, band=(b["p5"][metric], b["p95"][metric]), scale=scale, **kw)


def mark_months(fig: go.Figure, run: RunData, lang: str, subplots: bool = False) -> None:
    """Dotted vertical lines at the reform month and the deadline."""
    if not run.setting("reform.enabled", True) or not run.scenario:
        return
    where: dict[str, Any] = {"row": "all", "col": "all"} if subplots else {}
    fig.add_vline(x=run.reform_month, line={"dash": "dot", "color": "#7b8794", "width": 1}, **where)
    if run.deadline != run.reform_month:
        fig.add_vline(x=run.deadline, line={"dash": "dot", "color": "#c0392b", "width": 1}, **where)
    for month, key, anchor in ((run.reform_month, "reform", "right"), (run.deadline, "deadline", "left")):
        fig.add_annotation(
            x=month,
            y=1.0,
            xref="x",
            yref="paper",
            text=text(key, lang),
            showarrow=False,
            xanchor=anchor,
            yanchor="bottom",
            font={"size": 10, "color": "#52606d"},
        )


def _grid(n: int, cols: int = 2) -> tuple[int, int]:
    cols = 1 if n == 1 else cols
    return math.ceil(n / cols), cols


def _cell(k: int, cols: int) -> tuple[int, int]:
    return k // cols + 1, k % cols + 1


def _run(results: Any, lang: str) -> RunData:
    check_lang(lang)
    return as_run(results)


# ----- run figures ------------------------------------------------------------------------
def headcount_fan(results: Any, lang: str = "en") -> go.Figure:
    """Headcount by sector: P5–P95 band, median, and the establishment line."""
    run = _run(results, lang)
    sectors = [s for s in SECTORS if run.has(f"headcount_{s}")]
    rows, cols = _grid(len(sectors))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[name("sector", s, lang) for s in sectors],
        vertical_spacing=0.14,
        horizontal_spacing=0.08,
    )
    for k, sector in enumerate(sectors):
        row, col = _cell(k, cols)
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
    run = _run(results, lang)
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


def diversion_sankey(results: Any, lang: str = "en") -> go.Figure | None:
    """Where the surplus stands at the horizon: channels, still waiting, stayed out or returned."""
    run = _run(results, lang)
    channels = agg.family(run.columns, "diverted_", CHANNELS)
    if not channels:
        return None
    end = run.bands["mean"].iloc[-1]
    labels = [text("surplus", lang)]
    colors = ["#486581"]
    sources: list[int] = []
    targets: list[int] = []
    values: list[float] = []
    link_colors: list[str] = []

    def node(label: str, color: str) -> int:
        labels.append(label)
        colors.append(color)
        return len(labels) - 1

    def link(a: int, b: int, value: float, color: str) -> None:
        if value > 0:
            sources.append(a)
            targets.append(b)
            values.append(round(float(value), 1))
            link_colors.append(rgba(color, 0.35))

    per_channel_returns = all(run.has(f"returned_{c[len('diverted_') :]}") for c in channels)
    stayed = returned = hub = None
    if per_channel_returns or run.has("returned_cumulative"):
        stayed = node(text("stayed_out", lang), "#2ca02c")
        returned = node(text("returned", lang), "#d62728")
    if returned is not None and not per_channel_returns:
        hub = node(text("diverted_hub", lang), "#1f77b4")
    for col in channels:
        ch = col[len("diverted_") :]
        color = channel_color(ch)
        k = node(name("channel", ch, lang), color)
        link(0, k, end[col], color)
        if per_channel_returns:
            back = end[f"returned_{ch}"]
            link(k, stayed, end[col] - back, color)  # type: ignore[arg-type]
            link(k, returned, back, "#d62728")  # type: ignore[arg-type]
        elif hub is not None:
            link(k, hub, end[col], color)
    if hub is not None:
        back = min(end["returned_cumulative"], sum(end[c] for c in channels))
        link(hub, stayed, sum(end[c] for c in channels) - back, "#2ca02c")  # type: ignore[arg-type]
        link(hub, returned, back, "#d62728")  # type: ignore[arg-type]
    for state, key in (("state_awaiting", "still_awaiting"), ("state_rotating", None)):
        if run.has(state) and end[state] > 0:
            label = text(key, lang) if key else name("state", "rotating", lang)
            link(0, node(label, STATE_COLORS["awaiting" if key else "rotating"]), end[state], "#ff7f0e")
    if not values:
        return None
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.0f",
            node={"label": labels, "color": colors, "pad": 14, "thickness": 16},
            link={"source": sources, "target": targets, "value": values, "color": link_colors},
        )
    )
    return style(fig, text("sec_sankey", lang), height=480, hover="closest")


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
    run = _run(results, lang)
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
    run = _run(results, lang)
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
    run = _run(results, lang)
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
    run = _run(results, lang)
    payers = agg.family(run.columns, "cost_by_", PAYERS)
    totals = [c for c in agg.TOTALS if run.has(c)]
    if not payers and not totals:
        return None
    fig = go.Figure()
    ids = [c[len("cost_by_") :] for c in payers]
    _yearly_bars(fig, run, payers, [name("payer", i, lang) for i in ids], [id_color(i, PAYER_COLORS) for i in ids])
    years = agg.yearly_sums(run.bands["mean"][totals], run.start) / MILLION if totals else None
    for col in totals:
        label = text(col, lang)
        fig.add_trace(
            go.Scatter(
                x=years.index,  # type: ignore[union-attr]
                y=years[col],  # type: ignore[index]
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
    run = _run(results, lang)
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
    run = _run(results, lang)
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


def _overquota_net(monthly: pd.DataFrame) -> pd.Series:
    undone = monthly["overquota_reversed_cumulative"] if "overquota_reversed_cumulative" in monthly else 0.0
    return monthly["overquota_hires_cumulative"] - undone


def rebound_risk(results: Any, lang: str = "en") -> go.Figure | None:
    """Probability of being over establishment, of return flow and of uncorrected over-establishment hires."""
    run = _run(results, lang)
    if not run.has("establishment_total"):
        return None
    m = run.monthly
    probs = [("p_over", m["headcount_total"] > m["establishment_total"], "#d62728")]
    counts: list[tuple[str, pd.Series, str]] = []
    if run.has("returned_cumulative"):
        probs.append(("p_returned", m["returned_cumulative"] > 0, "#9467bd"))
        counts.append(("returned_people", m["returned_cumulative"], "#9467bd"))
    if run.has("overquota_hires_cumulative"):
        net = _overquota_net(m)
        probs.append(("p_overquota", net > 0, "#8c564b"))
        counts.append(("overquota_net", net, "#8c564b"))
    rows = 2 if counts else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.1)
    for key, condition, color in probs:
        p = agg.probability(m, condition)
        add_line(fig, p.index, p, color, text(key, lang), ".0%", row=1, col=1)
    fig.update_yaxes(title_text=text("probability", lang), range=[-0.02, 1.02], tickformat=".0%", row=1, col=1)
    for key, values, color in counts:
        frame = m[["replication", "month"]].assign(v=values.to_numpy())
        b = agg.bands(frame, ["v"])
        add_line(fig, b["p50"].index, b["p50"]["v"], color, text(key, lang), PEOPLE,
                 band=(b["p5"]["v"], b["p95"]["v"]), row=2, col=1, dash="dot")  # fmt: skip
    if counts:
        fig.update_yaxes(title_text=text("people", lang), row=2, col=1)
    fig.update_xaxes(title_text=text("month", lang), row=rows, col=1)
    mark_months(fig, run, lang, subplots=True)
    return style(fig, text("sec_rebound", lang), height=300 * rows + 140)


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
    items = targets.items() if isinstance(targets, dict) else enumerate(targets or [])
    for key, item in items:
        if isinstance(item, dict) and "value" in item:
            metric = str(item.get("metric", key))
            out.append((metric, int(item.get("month", run.horizon)), float(item["value"])))
    return out


def composition(results: Any, lang: str = "en") -> go.Figure | None:
    """Mean age and the share with secondary education or above, with the scenario's figures marked."""
    run = _run(results, lang)
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
    ("rebound", rebound_risk, "note_rebound"),
    ("composition", composition, "note_composition"),
)


# ----- comparison figures -----------------------------------------------------------------
def _runs(runs: Sequence[Any], lang: str) -> list[RunData]:
    check_lang(lang)
    return [as_run(r) for r in runs]


def _color(k: int) -> str:
    return SCENARIO_COLORS[k % len(SCENARIO_COLORS)]


def compare_metric(runs: Sequence[Any], metric: str = "headcount_total", lang: str = "en") -> go.Figure | None:
    """One metric's median and P5–P95 band for each scenario (establishment dashed for headcount)."""
    runs = _runs(runs, lang)
    if not all(r.has(metric) for r in runs):
        return None
    fig = go.Figure()
    money = metric.startswith(("cost", "savings", "pool_balance", "pool_contributed", "pool_paid", "fiscal", "debt"))
    for k, run in enumerate(runs):
        label = plot_text(run.name)
        add_median_band(fig, run, metric, _color(k), label, MONEY if money else PEOPLE, MILLION if money else 1.0,
                        group=f"s{k}")  # fmt: skip
        if metric == "headcount_total" and run.has("establishment_total"):
            est = run.bands["p50"]["establishment_total"]
            add_line(fig, est.index, est, _color(k), f"{text('establishment', lang)}: {label}", PEOPLE, dash="dash",
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
    runs = _runs(runs, lang)
    metrics = [m for m in DIFF_METRICS if all(r.has(m) for r in runs)]
    if len(runs) < 2 or not metrics:
        return None
    rows, cols = _grid(len(metrics))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[metric_label(m, lang) for m in metrics],
                        vertical_spacing=0.16, horizontal_spacing=0.08)  # fmt: skip
    ref = runs[0]
    for j, metric in enumerate(metrics):
        row, col = _cell(j, cols)
        money = metric.startswith(("savings", "pool_balance"))
        for k, run in enumerate(runs[1:], start=1):
            d = agg.paired_difference(ref.monthly, run.monthly, metric)
            add_line(fig, d.index, d["mean"], _color(k), plot_text(run.name), MONEY if money else PEOPLE,
                     band=(d["low"], d["high"]), row=row, col=col, group=f"s{k}", legend=j == 0,
                     scale=MILLION if money else 1.0)  # fmt: skip
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
    runs = _runs(runs, lang)
    states = [c for c in agg.family(runs[0].columns, "state_", STATES) if all(r.has(c) for r in runs)]
    if not states:
        return None
    names = [name("state", c[len("state_") :], lang) for c in states]
    return compare_at(runs, states, names, "deadline", text("sec_cmp_states", lang), lang)


def compare_channels(runs: Sequence[Any], lang: str = "en") -> go.Figure | None:
    """People diverted through each channel by the horizon, per scenario."""
    runs = _runs(runs, lang)
    cols = [c for c in agg.family(runs[0].columns, "diverted_", CHANNELS) if all(r.has(c) for r in runs)]
    if not cols:
        return None
    names = [name("channel", c[len("diverted_") :], lang) for c in cols]
    return compare_at(runs, cols, names, "horizon", text("sec_cmp_channels", lang), lang)


# ----- sweep figures ----------------------------------------------------------------------
def _sweep(sweep: Any, lang: str) -> SweepData:
    check_lang(lang)
    return as_sweep(sweep)


PREFERRED_SWEEP_METRICS = ("state_awaiting", "savings_cumulative_government", "headcount_total")


def sweep_choice(sweep: SweepData, metric: str | None = None, month: int | None = None) -> tuple[str, int]:
    """The metric and month a sweep report shows: as given, else the manifest's, else a sensible default."""
    available = list(dict.fromkeys(sweep.summary["metric"]))
    metric = metric or sweep.manifest.get("metric")
    if metric is None:
        metric = next((m for m in PREFERRED_SWEEP_METRICS if m in available), available[0])
    if metric not in available:
        raise InputError(f"sweep metric {metric!r} is not in the summary table (it has {', '.join(available)})")
    months = sweep.summary.loc[sweep.summary["metric"] == metric, "month"]
    month = month if month is not None else sweep.manifest.get("month")
    if month is None:
        month = int(months.max())
    if int(month) not in set(months.astype(int)):
        raise InputError(f"sweep month {month} is not summarised for {metric!r} (months: {sorted(set(months))})")
    return str(metric), int(month)


def sweep_points(sweep: SweepData, metric: str, month: int) -> pd.DataFrame:
    """Design points with the metric's mean, P5, P50 and P95 at `month`."""
    s = sweep.summary
    s = s[(s["metric"] == metric) & (s["month"].astype(int) == month)]
    cols = ["point", *sweep.parameters]
    return sweep.design[cols].merge(s[["point", "mean", "p5", "p50", "p95"]], on="point", how="inner")


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _binned(x: pd.Series, y: pd.Series) -> pd.DataFrame:
    """Mean of y per distinct x (few values) or per decile of x."""
    if not _numeric(x) or x.nunique() <= 12:
        g = y.groupby(x)
        return pd.DataFrame({"x": g.mean().index, "y": g.mean().to_numpy()})
    bins = pd.qcut(x, 10, duplicates="drop")
    g = pd.DataFrame({"x": x, "y": y}).groupby(bins, observed=True)
    return pd.DataFrame({"x": g["x"].mean().to_numpy(), "y": g["y"].mean().to_numpy()})


def sweep_scatter(sweep: Any, lang: str = "en", metric: str | None = None, month: int | None = None) -> go.Figure:
    """The metric against each varied parameter: point means, P5–P95 whiskers, binned mean line."""
    sw = _sweep(sweep, lang)
    metric, month = sweep_choice(sw, metric, month)
    pts = sweep_points(sw, metric, month)
    params = sw.parameters
    rows, cols = _grid(len(params), 3)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[plot_text(p) for p in params],
                        vertical_spacing=0.18, horizontal_spacing=0.06)  # fmt: skip
    label = metric_label(metric, lang)
    for k, param in enumerate(params):
        row, col = _cell(k, cols)
        fig.add_trace(
            go.Scatter(
                x=pts[param],
                y=pts["mean"],
                mode="markers",
                marker={"color": "#1f77b4", "size": 7, "opacity": 0.8},
                error_y={
                    "type": "data",
                    "array": pts["p95"] - pts["mean"],
                    "arrayminus": pts["mean"] - pts["p5"],
                    "color": "rgba(31,119,180,0.35)",
                    "thickness": 1,
                },  # fmt: skip
                customdata=pts[["point"]],
                name=label,
                legendgroup="points",
                showlegend=k == 0,
                hovertemplate=f"{text('point', lang)} %{{customdata[0]}}: %{{y:,.3g}}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        line = _binned(pts[param], pts["mean"])
        fig.add_trace(
            go.Scatter(x=line["x"], y=line["y"], mode="lines", line={"color": "#d62728", "width": 2},
                       name=text("binned_mean", lang), legendgroup="binned", showlegend=k == 0,
                       hoverinfo="skip"),
            row=row,
            col=col,
        )  # fmt: skip
    fig.update_yaxes(title_text=label, col=1)
    return style(fig, text("sec_sweep_scatter", lang, metric=label), height=300 * rows + 130, hover="closest")


def sweep_heatmap(
    sweep: Any, lang: str = "en", metric: str | None = None, month: int | None = None
) -> go.Figure | None:
    """For a sweep of exactly two parameters: the metric's mean over both (binned when not a grid)."""
    sw = _sweep(sweep, lang)
    if len(sw.parameters) != 2:
        return None
    metric, month = sweep_choice(sw, metric, month)
    pts = sweep_points(sw, metric, month)
    px, py = sw.parameters
    label = metric_label(metric, lang)
    if pts[px].nunique() <= 15 and pts[py].nunique() <= 15:
        grid = pts.pivot_table(index=py, columns=px, values="mean", aggfunc="mean")
        trace = go.Heatmap(x=grid.columns, y=grid.index, z=grid.to_numpy(), colorbar={"title": {"text": label}},
                           hovertemplate="%{x}, %{y}: %{z:,.3g}<extra></extra>")  # fmt: skip
    else:
        trace = go.Histogram2d(x=pts[px], y=pts[py], z=pts["mean"], histfunc="avg", nbinsx=10, nbinsy=10,
                               colorbar={"title": {"text": label}})  # fmt: skip
    fig = go.Figure(trace)
    fig.update_xaxes(title_text=plot_text(px))
    fig.update_yaxes(title_text=plot_text(py))
    return style(fig, text("sec_sweep_heatmap", lang), height=480, hover="closest")


def sobol_bars(sweep: Any, lang: str = "en", metric: str | None = None) -> go.Figure | None:
    """Sobol first-order and total indices per parameter, with their confidence intervals."""
    sw = _sweep(sweep, lang)
    if sw.sobol is None or len(sw.sobol) == 0:
        return None
    table = sw.sobol
    if "metric" in table.columns:
        chosen = metric or sweep_choice(sw)[0]
        table = table[table["metric"] == chosen]
        if len(table) == 0:
            return None
    fig = go.Figure()
    for key, color in (("S1", "#1f77b4"), ("ST", "#ff7f0e")):
        fig.add_trace(
            go.Bar(
                x=[plot_text(p) for p in table["parameter"]],
                y=table[key],
                error_y={"type": "data", "array": table[f"{key}_conf"]},
                name=key,
                marker_color=color,
                hovertemplate=f"%{{x}}: %{{y:.3f}}<extra>{key}</extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="Sobol", rangemode="tozero")
    return style(fig, text("sec_sobol", lang), hover="closest")


def sweep_parcoords(sweep: Any, lang: str = "en", metric: str | None = None, month: int | None = None) -> go.Figure:
    """Parallel coordinates of the design points, coloured by the metric's mean."""
    sw = _sweep(sweep, lang)
    metric, month = sweep_choice(sw, metric, month)
    pts = sweep_points(sw, metric, month)
    dims = []
    for param in sw.parameters:
        values = pts[param]
        if _numeric(values):
            dims.append({"label": plot_text(param), "values": values.astype(float)})
        else:
            cats = sorted(values.astype(str).unique())
            codes = values.astype(str).map({c: k for k, c in enumerate(cats)})
            dims.append({"label": plot_text(param), "values": codes, "tickvals": list(range(len(cats))),
                         "ticktext": [plot_text(c) for c in cats]})  # fmt: skip
    label = metric_label(metric, lang)
    dims.append({"label": label, "values": pts["mean"]})
    fig = go.Figure(
        go.Parcoords(
            line={
                "color": pts["mean"],
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": {"title": {"text": ""}},
            },
            dimensions=dims,
        )
    )
    fig = style(fig, text("sec_parcoords", lang), height=460, hover="closest")
    fig.update_layout(margin={"l": 80, "r": 80, "t": 90, "b": 40})
    return fig

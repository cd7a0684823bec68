"""Shared look of every report figure: colours, layout, bands, lines and month markers.

Figures are built from aggregates (bands), never from one trace per replication, so their
size does not grow with the number of replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from sim.report.html import FONT_STACK
from sim.report.i18n import CHANNELS, check_lang, text
from sim.report.load import RunData, as_run

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
    x: Sequence[float] | np.ndarray,
    low: Sequence[float] | np.ndarray,
    high: Sequence[float] | np.ndarray,
    color: str,
    label: str,
    *,
    row: int | None = None,
    col: int | None = None,
    group: str | None = None,
    legend: bool = False,
) -> None:
    """A filled P5–P95 (or interval) band as one polygon trace."""
    xs = np.asarray(x)
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([xs, xs[::-1]]),
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
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
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
    ys = np.asarray(y, dtype=float) / scale
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
            y=ys,
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


def grid(n: int, cols: int = 2) -> tuple[int, int]:
    """Rows and columns of a subplot grid for n panels."""
    cols = 1 if n == 1 else cols
    return math.ceil(n / cols), cols


def cell(k: int, cols: int) -> tuple[int, int]:
    """Row and column (from 1) of the k-th panel (from 0)."""
    return k // cols + 1, k % cols + 1


def checked_run(results: Any, lang: str) -> RunData:
    """RunData of `results`, once the language is known to be offered."""
    check_lang(lang)
    return as_run(results)

"""Figures of a sweep: the metric against each parameter, a two-parameter heatmap, Sobol bars, parcoords.

Each takes a sweep folder or `SweepData`, a language, and optionally the metric and month.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.dates import dated
from sim.report.html import plot_text
from sim.report.i18n import check_lang, metric_label, text
from sim.report.load import SweepData, as_sweep
from sim.report.plot import cell, grid, style
from sim.report.sweep_data import (
    PREFERRED_SWEEP_METRICS,  # noqa: F401 - re-exported: where the report's default metric is chosen
    horizon,
    sweep_choice,
    sweep_points,
)


def checked_sweep(sweep: Any, lang: str) -> SweepData:
    """SweepData of `sweep`, once the language is known to be offered."""
    check_lang(lang)
    return as_sweep(sweep)


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _binned(x: pd.Series, y: pd.Series) -> pd.DataFrame | None:
    """Mean of y per repeated x value (a grid), or per quantile bin of x (20 points or more); else None."""
    if x.nunique() < len(x) and (x.nunique() <= 12 or not _numeric(x)):
        g = y.groupby(x).mean()
        return pd.DataFrame({"x": g.index, "y": g.to_numpy()})
    if not _numeric(x) or len(x) < 20:
        return None
    bins = pd.qcut(x, min(10, len(x) // 5), duplicates="drop")
    g = pd.DataFrame({"x": x, "y": y}).groupby(bins, observed=True)
    return pd.DataFrame({"x": g["x"].mean().to_numpy(), "y": g["y"].mean().to_numpy()})


def sweep_scatter(sweep: Any, lang: str = "en", metric: str | None = None, month: int | None = None) -> go.Figure:
    """The metric against each varied parameter: point means, P5–P95 whiskers, binned mean line."""
    sw = checked_sweep(sweep, lang)
    metric, month = sweep_choice(sw, metric, month)
    pts = sweep_points(sw, metric, month)
    params = sw.parameters
    rows, cols = grid(len(params), 3)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[plot_text(p) for p in params],
                        vertical_spacing=0.18, horizontal_spacing=0.06)  # fmt: skip
    label = metric_label(metric, lang)
    for k, param in enumerate(params):
        row, col = cell(k, cols)
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
        if line is None:
            continue
        fig.add_trace(
            go.Scatter(x=line["x"], y=line["y"], mode="lines", line={"color": "#d62728", "width": 2},
                       name=text("binned_mean", lang), legendgroup="binned", showlegend=k == 0,
                       hoverinfo="skip"),
            row=row,
            col=col,
        )  # fmt: skip
    fig.update_yaxes(title_text=label, col=1)
    title = text("sec_sweep_scatter_at", lang, metric=label, month=dated(sw.start, month, lang))
    return style(fig, title, height=300 * rows + 130, hover="closest")


def sweep_heatmap(
    sweep: Any, lang: str = "en", metric: str | None = None, month: int | None = None
) -> go.Figure | None:
    """For a sweep of exactly two parameters: a heatmap of the metric's mean on a grid, else coloured points."""
    sw = checked_sweep(sweep, lang)
    if len(sw.parameters) != 2:
        return None
    metric, month = sweep_choice(sw, metric, month)
    pts = sweep_points(sw, metric, month)
    px, py = sw.parameters
    label = metric_label(metric, lang)
    colorbar = {"title": {"text": label}}
    if pts[px].nunique() * pts[py].nunique() <= len(pts):  # a full grid: every pair of values present
        grid = pts.pivot_table(index=py, columns=px, values="mean", aggfunc="mean")
        trace = go.Heatmap(x=grid.columns, y=grid.index, z=grid.to_numpy(), colorbar=colorbar,
                           hovertemplate="%{x}, %{y}: %{z:,.3g}<extra></extra>")  # fmt: skip
    else:
        trace = go.Scatter(x=pts[px], y=pts[py], mode="markers", customdata=pts[["mean"]],
                           marker={"color": pts["mean"], "colorscale": "Viridis", "size": 12, "colorbar": colorbar,
                                   "line": {"width": 0.5, "color": "#52606d"}},
                           hovertemplate="%{x}, %{y}: %{customdata[0]:,.3g}<extra></extra>")  # fmt: skip
    fig = go.Figure(trace)
    fig.update_xaxes(title_text=plot_text(px))
    fig.update_yaxes(title_text=plot_text(py))
    if isinstance(trace, go.Heatmap):  # grid values as evenly spaced categories, whatever their spacing
        fig.update_xaxes(type="category")
        fig.update_yaxes(type="category")
    return style(fig, text("sec_sweep_heatmap", lang), height=480, hover="closest")


def sobol_table(sw: SweepData, metric: str, month: int) -> pd.DataFrame | None:
    """Sobol indices of `metric` at exactly `month` from the sweep's Sobol table; None when it has none then.

    The sweep stores them at its reform month, deadline and horizon; `fenliu report --month`
    adds the month asked for (`sim.experiment.sensitivity.add_sobol_rows`).
    """
    table = sw.sobol
    if table is not None and len(table):
        rows = table
        if "metric" in rows.columns:
            rows = rows[rows["metric"] == metric]
        if "month" in rows.columns:
            rows = rows[rows["month"].astype(int) == month]
        elif month != horizon(sw):  # an old table without months holds the horizon's indices
            rows = rows.iloc[0:0]
        if len(rows):
            return rows
    return None


def sobol_constant(table: pd.DataFrame | None) -> bool:
    """Whether a Sobol table (of one metric and month) has no index: the metric took one value everywhere."""
    return table is not None and len(table) > 0 and bool(table["S1"].isna().all() and table["ST"].isna().all())


def sobol_bars(
    sweep: Any, lang: str = "en", metric: str | None = None, month: int | None = None, table: pd.DataFrame | None = None
) -> go.Figure | None:
    """Sobol first-order and total indices per parameter at the chosen metric and month, with intervals.

    A table with several policies labels each bar with its policy. The title names the metric and month.
    `table`: the indices if already read (`sobol_table`), else they are read here.
    """
    sw = checked_sweep(sweep, lang)
    metric, month = sweep_choice(sw, metric, month)
    table = sobol_table(sw, metric, month) if table is None else table
    if table is None or len(table) == 0 or sobol_constant(table):
        return None
    labels = [plot_text(p) for p in table["parameter"]]
    if "policy" in table.columns and table["policy"].nunique() > 1:
        labels = [f"{lab} · {text('policy', lang)} {pol}" for lab, pol in zip(labels, table["policy"], strict=True)]
    fig = go.Figure()
    for key, color in (("S1", "#1f77b4"), ("ST", "#ff7f0e")):
        name = text(f"sobol_{key}", lang)
        fig.add_trace(
            go.Bar(
                x=labels,
                y=table[key],
                error_y={"type": "data", "array": table[f"{key}_conf"]},
                name=name,
                marker_color=color,
                hovertemplate=f"%{{x}}: %{{y:.3f}}<extra>{name}</extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=text("sobol_index", lang), rangemode="tozero")
    title = text("sec_sobol_at", lang, metric=metric_label(metric, lang), month=dated(sw.start, month, lang))
    return style(fig, title, hover="closest")


def sweep_parcoords(sweep: Any, lang: str = "en", metric: str | None = None, month: int | None = None) -> go.Figure:
    """Parallel coordinates of the design points, coloured by the metric's mean."""
    sw = checked_sweep(sweep, lang)
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

"""The sweep report's policy-robustness view: outcome and regret of each policy across worlds, PRIM box.

Shown when a sweep crosses two or more policies (levers) with sampled worlds. Numbers come
from `sim.analysis.robustness` and `sim.analysis.discovery`; this module draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.analysis.discovery import PrimBox, prim_box
from sim.analysis.robustness import failures, goal_of, policy_summary, regret_table
from sim.errors import InputError
from sim.report.dates import dated
from sim.report.html import Cell, plot_text
from sim.report.i18n import metric_label, text
from sim.report.load import SweepData
from sim.report.plot import SCENARIO_COLORS, rgba, style
from sim.report.sweep_data import sweep_points

MIN_PRIM_WORLDS = 10  # fewer worlds than this give a box of two or three points: no discovery


@dataclass(frozen=True)
class Robustness:
    """Everything the view shows for one metric and month."""

    metric: str
    month: int
    goal: str
    table: pd.DataFrame  # per point: policy, world, parameters, mean, best, regret
    summary: pd.DataFrame  # per policy, most robust first
    labels: dict[int, str]  # policy -> "lever=value, ..."
    parameters: list[str]  # the uncertain inputs
    box: PrimBox | None
    box_policy: int
    threshold: float
    box_error: str = ""
    start: str | None = None  # calendar month of model month 0, for dated labels


def levers_and_parameters(sw: SweepData) -> tuple[list[str], list[str]]:
    """The sweep's levers (policies) and uncertain parameters, as the manifest lists them."""
    design = sw.manifest.get("design") or {}
    levers = [str(k) for k in design.get("levers") or [] if k in sw.design.columns]
    params = [str(k) for k in design.get("parameters") or [] if k in sw.design.columns]
    return levers, params


def has_policies(sw: SweepData) -> bool:
    """Whether the sweep crosses two or more policies with two or more worlds."""
    d = sw.design
    return {"policy", "world"} <= set(d.columns) and d["policy"].nunique() > 1 and d["world"].nunique() > 1


def policy_labels(sw: SweepData, levers: list[str]) -> dict[int, str]:
    """A name per policy from its lever values, e.g. 'freeze_months=60, enforcement=0.8'."""
    first = sw.design.drop_duplicates("policy").set_index("policy")
    names = short_names(levers)
    return {int(p): ", ".join(f"{names[k]}={_short(row[k])}" for k in levers) or f"{p}" for p, row in first.iterrows()}


def short_names(keys: list[str]) -> dict[str, str]:
    """Each dotted key by its shortest ending that no other key shares: 'freeze_months', but
    'contributors.0.amount' beside 'contributors.1.amount'.
    """
    parts = {k: k.split(".") for k in keys}
    names = {}
    for key, words in parts.items():
        for n in range(1, len(words) + 1):
            tail = words[-n:]
            if not any(other[-n:] == tail for k, other in parts.items() if k != key):
                break
        if tail[0].isdigit() and len(tail) < len(words):  # a list index says little alone: name the list
            tail = words[-len(tail) - 1 :]
        names[key] = ".".join(tail)
    return names


def _short(value: object) -> str:
    """A lever value as a planner writes it: 60 rather than 60.0."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def robustness(sw: SweepData, metric: str, month: int, goal: str | None = None) -> Robustness | None:
    """The robustness view's numbers, or None when the sweep does not cross policies with worlds."""
    if not has_policies(sw):
        return None
    goal = goal or goal_of(metric)
    levers, params = levers_and_parameters(sw)
    table = regret_table(sweep_points(sw, metric, month), goal)
    summary = policy_summary(table, goal)
    robust = int(summary["policy"].iloc[0])
    worlds, threshold = failures(table, robust, goal)
    box, error = None, ""
    numeric = [p for p in params if pd.api.types.is_numeric_dtype(worlds[p])]
    if len(worlds) < MIN_PRIM_WORLDS:
        error = f"PRIM needs at least {MIN_PRIM_WORLDS} worlds, this sweep has {len(worlds)}"
    else:
        try:
            box = prim_box(worlds[numeric], worlds["failed"].to_numpy())
        except InputError as exc:
            error = str(exc)
    return Robustness(metric, month, goal, table, summary, policy_labels(sw, levers), params, box, robust,
                      threshold, error, sw.start)  # fmt: skip


def robustness_figure(rb: Robustness, lang: str = "en") -> go.Figure:
    """Box plots of each policy's outcome across worlds, and of its regret against the best policy per world."""
    label = metric_label(rb.metric, lang)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[
            text("rob_outcome", lang, metric=label, month=dated(rb.start, rb.month, lang)),
            text("rob_regret", lang),
        ],
        horizontal_spacing=0.12,
    )
    order = [int(p) for p in rb.summary["policy"]]
    for k, policy in enumerate(order):
        rows = rb.table[rb.table["policy"] == policy]
        color = SCENARIO_COLORS[k % len(SCENARIO_COLORS)]
        name = plot_text(rb.labels[policy])
        for col, column in ((1, "mean"), (2, "regret")):
            fig.add_trace(
                go.Box(
                    y=rows[column],
                    name=name,
                    boxpoints="all",
                    jitter=0.4,
                    pointpos=0,
                    marker={"color": color, "size": 5},
                    line={"color": color},
                    fillcolor=rgba(color, 0.2),
                    customdata=rows[["world"]],
                    hovertemplate=f"{text('world', lang)} %{{customdata[0]}}: %{{y:,.4g}}<extra>{name}</extra>",
                    showlegend=False,
                ),
                row=1,
                col=col,
            )
    fig.update_yaxes(title_text=label, row=1, col=1)
    fig.update_yaxes(title_text=text("rob_regret_axis", lang, metric=label), rangemode="tozero", row=1, col=2)
    fig.update_xaxes(tickangle=-20)
    return style(fig, text("sec_robustness", lang), height=520, hover="closest")


def summary_rows(rb: Robustness, lang: str) -> tuple[list[str], list[list[Cell | str]]]:
    """Header and rows of the robustness table, most robust policy first."""
    header = [
        text("policy", lang),
        text("rob_median", lang),
        text("rob_worst10", lang),
        text("rob_mean_regret", lang),
        text("rob_max_regret", lang),
        text("rob_best_in", lang),
    ]
    rows: list[list[Cell | str]] = []
    for _, r in rb.summary.iterrows():
        rows.append(
            [
                rb.labels[int(r["policy"])],
                *(Cell(f"{r[c]:,.4g}", float(r[c]), numeric=True) for c in ("median", "worst_10", "mean_regret",
                                                                             "max_regret")),
                Cell(f"{int(r['best_in'])} / {int(r['worlds'])}", float(r["best_in"]), numeric=True),
            ]
        )  # fmt: skip
    return header, rows


def prim_figure(rb: Robustness, sw: SweepData, lang: str = "en") -> go.Figure | None:
    """The PRIM box of the most robust policy's worst worlds: the peeling trajectory and the box's ranges."""
    box = rb.box
    if box is None:
        return None
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.42, 0.58],
        subplot_titles=[text("prim_trajectory", lang), text("prim_limits", lang)],
        horizontal_spacing=0.22,
    )
    traj = box.trajectory
    fig.add_trace(
        go.Scatter(
            x=traj["coverage"],
            y=traj["density"],
            mode="markers+lines",
            marker={"color": traj["res_dim"], "colorscale": "Viridis", "size": 7, "showscale": False},
            line={"color": "#bcccdc", "width": 1},
            customdata=traj[["mass", "res_dim"]],
            hovertemplate=(
                f"{text('prim_coverage', lang)} %{{x:.0%}}, {text('prim_density', lang)} %{{y:.0%}}, "
                f"{text('prim_mass', lang)} %{{customdata[0]:.0%}}, {text('prim_dims', lang)} %{{customdata[1]}}"
                "<extra></extra>"
            ),
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=[box.coverage], y=[box.density], mode="markers", showlegend=False, hoverinfo="skip",
                   marker={"symbol": "star", "size": 16, "color": "#d62728"}),
        row=1, col=1,
    )  # fmt: skip
    fig.update_xaxes(title_text=text("prim_coverage", lang), tickformat=".0%", range=[0, 1.05], row=1, col=1)
    fig.update_yaxes(title_text=text("prim_density", lang), tickformat=".0%", range=[0, 1.05], row=1, col=1)
    params = [p for p in rb.parameters if p in box.limits] or list(box.limits)
    for param in params:
        values = sw.design[param].astype(float)
        lo_all, hi_all = float(values.min()), float(values.max())
        span = hi_all - lo_all or 1.0
        lo, hi = box.limits[param]
        name = plot_text(param)
        fig.add_trace(
            go.Bar(y=[name], x=[1.0], base=[0.0], orientation="h", marker_color="#e4e7eb", showlegend=False,
                   hovertemplate=f"{lo_all:,.4g} – {hi_all:,.4g}<extra>{name}</extra>"),
            row=1, col=2,
        )  # fmt: skip
        fig.add_trace(
            go.Bar(y=[name], x=[(hi - lo) / span], base=[(lo - lo_all) / span], orientation="h",
                   marker_color="#d62728", showlegend=False, text=[f"{lo:,.4g} – {hi:,.4g}"],
                   textposition="inside", hovertemplate=f"{lo:,.4g} – {hi:,.4g}<extra>{name}</extra>"),
            row=1, col=2,
        )  # fmt: skip
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text=text("prim_range", lang), range=[0, 1], tickformat=".0%", row=1, col=2)
    return style(fig, text("sec_prim", lang), height=360 + 30 * len(params), hover="closest")


def prim_note(rb: Robustness, lang: str) -> str:
    """One paragraph saying what fails, what the box is and how good it is, in numbers."""
    worse = text("rob_above" if rb.goal == "min" else "rob_below", lang)
    head = text(
        "prim_what",
        lang,
        policy=rb.labels[rb.box_policy],
        metric=metric_label(rb.metric, lang),
        month=dated(rb.start, rb.month, lang),
        worse=worse,
        threshold=f"{rb.threshold:,.4g}",
    )
    box = rb.box
    if box is None:
        return f"{head} {text('prim_none', lang, why=rb.box_error)}"
    ranges = "; ".join(f"{k} {lo:,.4g}–{hi:,.4g}" for k, (lo, hi) in box.limits.items()) or text("prim_whole", lang)
    return (
        f"{head} "
        + text(
            "prim_found",
            lang,
            failures=box.failures,
            cases=box.cases,
            ranges=ranges,
            coverage=f"{box.coverage:.0%}",
            density=f"{box.density:.0%}",
            base=f"{box.base_rate:.0%}",
            mass=f"{box.mass:.0%}",
        )
        + text("prim_star_dense" if box.dense else "prim_star_densest", lang, min=f"{box.min_density:.0%}")
    )


def robustness_note(rb: Robustness, lang: str) -> str:
    """What the view compares, the direction taken as better, and the most robust policy."""
    best = rb.summary.iloc[0]
    return text(
        "note_robustness",
        lang,
        metric=metric_label(rb.metric, lang),
        month=dated(rb.start, rb.month, lang),
        goal=text("rob_goal_" + rb.goal, lang),
        policy=rb.labels[int(best["policy"])],
        regret=f"{best['max_regret']:,.4g}",
        worlds=int(best["worlds"]),
    )

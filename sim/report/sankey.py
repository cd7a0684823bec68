"""Where the surplus of the reform went: a Sankey whose flows add up to the surplus at the reform.

Every person declared surplus at the reform ends the horizon in exactly one place: diverted
through a channel (then stayed out or came back), reposted into a freed post, retired or left
while waiting, still awaiting, or on rotating shifts. The engine counts each of these
(`surplus_*_cumulative`, `diverted_<channel>`, `state_awaiting`, `state_rotating`), so the
flows out of the "surplus" node sum to `surplus_cumulative`. Results without those counts
(older results, the expected-value twin) get the channels and the states only, and the figure
says that part of the surplus is not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.report import aggregate as agg
from sim.report.i18n import CHANNELS, name, text
from sim.report.plot import STATE_COLORS, channel_color, checked_run, rgba, style

# (column, label key, colour) of the surplus's places besides the channels, in drawing order
OTHER_FATES = (
    ("surplus_reposted_cumulative", "fate_reposted", "#2ca02c"),
    ("surplus_retired_cumulative", "fate_retired", "#7f7f7f"),
    ("surplus_left_cumulative", "fate_left", "#c7c7c7"),
    ("state_awaiting", "still_awaiting", STATE_COLORS["awaiting"]),
    ("state_rotating", "fate_rotating", STATE_COLORS["rotating"]),
)


@dataclass
class Flows:
    """Nodes and links of the Sankey (values are mean people over replications)."""

    labels: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    source: list[int] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    link_colors: list[str] = field(default_factory=list)

    def node(self, label: str, color: str) -> int:
        """Add a node; its index."""
        self.labels.append(label)
        self.colors.append(color)
        return len(self.labels) - 1

    def link(self, a: int, b: int, value: float, color: str) -> None:
        """Add a link of `value` people (nothing when there are none)."""
        if value > 0:
            self.source.append(a)
            self.target.append(b)
            self.value.append(float(value))
            self.link_colors.append(rgba(color, 0.35))

    def out_of(self, node: int) -> float:
        """People flowing out of `node`."""
        return sum(v for s, v in zip(self.source, self.value, strict=True) if s == node)


def surplus_flows(run: Any, lang: str = "en") -> tuple[Flows, float]:
    """The Sankey's flows at the horizon and the surplus at the reform (NaN when not counted)."""
    run = checked_run(run, lang)
    end = run.bands["mean"].iloc[-1]
    counted = run.has("surplus_cumulative") and pd.notna(end.get("surplus_cumulative"))
    surplus = float(end["surplus_cumulative"]) if counted else float("nan")
    flows = Flows()
    root = flows.node(text("surplus_at_reform", lang), "#486581")
    channels = agg.family(run.columns, "diverted_", CHANNELS)
    ids = [c[len("diverted_") :] for c in channels]
    nodes = {}
    for ch, col in zip(ids, channels, strict=True):
        if end[col] > 0:
            nodes[ch] = flows.node(name("channel", ch, lang), channel_color(ch))
            flows.link(root, nodes[ch], end[col], channel_color(ch))
    per_channel = all(run.has(f"returned_{ch}") for ch in nodes)
    if nodes and (per_channel or run.has("returned_cumulative")):
        stayed = flows.node(text("stayed_out", lang), "#1f77b4")
        returned = flows.node(text("returned", lang), "#d62728")
        if per_channel:
            for ch, k in nodes.items():
                back = float(end[f"returned_{ch}"])
                flows.link(k, stayed, end[f"diverted_{ch}"] - back, channel_color(ch))
                flows.link(k, returned, back, "#d62728")
        else:  # only the total of returns is known: the channels meet in one node first
            hub = flows.node(text("diverted_hub", lang), "#1f77b4")
            for ch, k in nodes.items():
                flows.link(k, hub, end[f"diverted_{ch}"], channel_color(ch))
            out = float(sum(end[f"diverted_{ch}"] for ch in nodes))
            back = min(float(end["returned_cumulative"]), out)
            flows.link(hub, stayed, out - back, "#1f77b4")
            flows.link(hub, returned, back, "#d62728")
    for col, key, color in OTHER_FATES:
        if run.has(col) and pd.notna(end[col]) and end[col] > 0:
            flows.link(root, flows.node(text(key, lang), color), end[col], color)
    return flows, surplus


def diversion_sankey(results: Any, lang: str = "en") -> go.Figure | None:
    """Where the surplus of the reform stands at the horizon, every person accounted for."""
    run = checked_run(results, lang)
    flows, surplus = surplus_flows(run, lang)
    if not flows.value:
        return None
    people = text("people_unit", lang)
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.0f",
            node={
                "label": flows.labels,
                "color": flows.colors,
                "pad": 14,
                "thickness": 16,
                "hovertemplate": f"%{{label}}: %{{value:,.0f}} {people}<extra></extra>",
            },
            link={
                "source": flows.source,
                "target": flows.target,
                "value": flows.value,
                "color": flows.link_colors,
                "hovertemplate": f"%{{source.label}} → %{{target.label}}: %{{value:,.0f}} {people}<extra></extra>",
            },
        )
    )
    fig = style(fig, text("sec_sankey", lang), height=500, hover="closest")
    if surplus == surplus:  # counted: say how many, and that the flows hold all of them
        note = text("sankey_total", lang, n=f"{surplus:,.0f}")
    else:
        note = text("sankey_partial", lang)
    fig.add_annotation(text=note, x=0, y=-0.08, xref="paper", yref="paper", showarrow=False, xanchor="left",
                       font={"size": 11, "color": "#52606d"})  # fmt: skip
    return fig

"""The county panel of a run report: which counties of a province are in trouble.

A sortable table (one row per county: staff, awaiting at the county's deadline, P(its pool runs
dry by then), one-time cost, re-growth and people diverted by the horizon) and a ranked chart of
four of those figures, the worst counties first. Read from by_county.parquet (or a Results'
`by_county` in memory); nothing is shown for a run without counties.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.analysis.by_county import county_risk
from sim.report.common import fmt
from sim.report.html import Cell, Page
from sim.report.load import RunData
from sim.report.plot import style

RANKED = 20  # counties shown per ranked chart
# (figure in county_risk, kind for fmt, English, Chinese)
COLUMNS = (
    ("staff", "people", "Staff at the horizon", "期末人员"),
    ("awaiting_at_deadline", "people", "Awaiting at the deadline", "期限时待分流"),
    ("p_pool_dry_by_deadline", "probability", "P(pool dry by the deadline)", "期限前资金池枯竭概率"),
    ("one_time_cost", "money", "One-time cost (million yuan)", "一次性支出(百万元)"),
    ("regrowth", "people", "Re-growth at the horizon", "期末反弹人数"),
    ("diverted", "people", "Diverted by the horizon", "期末累计分流"),
)
RANKED_FIGURES = ("awaiting_at_deadline", "p_pool_dry_by_deadline", "one_time_cost", "regrowth")
WORDS = {
    "title": ("Counties", "各县(市、区)"),
    "county": ("County", "县(市、区)"),
    "ranked": ("Counties ranked: the {n} worst on each figure", "各县排名:每项最差的{n}个"),
    "note": (
        "Means over replications. Each county has its own pool and places; awaiting is read at the county's own "
        "deadline. Click a heading to sort.",
        "各次模拟的平均值。各县有自己的资金池和岗位;待分流人数取各县自己的期限。点击表头排序。",
    ),
}


def _word(key: str, lang: str, **kw: object) -> str:
    en, zh = WORDS[key]
    out = zh if lang == "zh" else en
    return out.format(**kw) if kw else out


def by_county(run: RunData, source: Any = None) -> pd.DataFrame | None:
    """The run's by_county table (read with its folder, or taken from the Results it was made of), else the
    Results in memory's, else None.
    """
    if run.by_county is not None:
        return run.by_county
    frame = getattr(source, "by_county", None)
    return frame if isinstance(frame, pd.DataFrame) else None


def county_table(frame: pd.DataFrame, scenario: dict[str, Any]) -> pd.DataFrame:
    """One row per county (in the counties' order), one column per figure: the mean over replications."""
    risk = county_risk(frame, scenario)
    wide = risk.pivot(index="unit", columns="figure", values="estimate")
    order = list(dict.fromkeys(frame["unit"]))
    return wide.loc[order, [c for c, *_ in COLUMNS]]


def ranked_figure(table: pd.DataFrame, lang: str) -> go.Figure:
    """Four horizontal bar charts, each of the counties worst on one figure (worst at the top)."""
    labels = {c: (zh if lang == "zh" else en) for c, _, en, zh in COLUMNS}
    kinds = {c: kind for c, kind, *_ in COLUMNS}
    fig = make_subplots(rows=2, cols=2, subplot_titles=[labels[c] for c in RANKED_FIGURES], horizontal_spacing=0.2)
    for k, figure in enumerate(RANKED_FIGURES):
        worst = table[figure].sort_values(ascending=False, kind="stable").head(RANKED)[::-1]
        values = worst / 1e6 if kinds[figure] == "money" else worst
        fig.add_trace(
            go.Bar(
                x=values.to_numpy(),
                y=[str(u) for u in worst.index],
                orientation="h",
                name=labels[figure],
                showlegend=False,
                hovertemplate="%{y}: %{x:,.2f}<extra></extra>",
            ),
            row=k // 2 + 1,
            col=k % 2 + 1,
        )
    n = min(RANKED, len(table))
    return style(fig, _word("ranked", lang, n=n), height=max(450, 2 * (n * 16 + 80)), hover="closest")


def add_county_panel(page: Page, run: RunData, lang: str, source: Any = None) -> None:
    """Add the county table and the ranked chart to `page` when the run has counties."""
    frame = by_county(run, source)
    if frame is None or frame.empty:
        return
    table = county_table(frame, run.scenario)
    header: list[Cell | str] = [_word("county", lang)]
    header += [Cell(zh if lang == "zh" else en, numeric=True) for _, _, en, zh in COLUMNS]
    kinds = [str(c[1]) for c in COLUMNS]
    rows: list[list[Cell | str]] = []
    for unit, values in zip(table.index, table.to_numpy(), strict=True):
        cells: list[Cell | str] = [str(unit)]
        cells += [Cell(fmt(float(v), kind, lang), float(v), True) for v, kind in zip(values, kinds, strict=True)]
        rows.append(cells)
    page.table("counties", _word("title", lang), header, rows, _word("note", lang), sortable=True)
    fig = ranked_figure(table, lang)
    page.figure("counties-ranked", str(fig.layout.title.text), fig, _word("note", lang))

"""Results by township in reports and workbooks: a table of means and a ranked chart of trouble.

Reads `by_township.parquet` (one row per replication, level, unit and month; see
`sim.experiment.results.township_frame`). The deadline and horizon rows are averaged over
replications; a township's trouble is the people still awaiting at the deadline plus the
staff over establishment at the horizon.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sim.report.html import Cell, Page
from sim.report.load import RunData
from sim.report.plot import style
from sim.report.units import MoneyUnit, money_unit
from sim.report.words import word

RANKED = 20  # townships shown in the ranked chart


def township_means(frame: pd.DataFrame, deadline: int, horizon: int) -> pd.DataFrame:
    """One row per township: means over replications at the deadline (`*_deadline`) and horizon (`*_end`)."""
    frame = frame[frame["level"] == "township"]
    out = pd.DataFrame(index=pd.Index(pd.unique(frame["unit"]), name="unit"))
    for month, tag in ((deadline, "deadline"), (horizon, "end")):
        rows = frame[frame["month"] == month]
        means = rows.groupby("unit", sort=False)[["staff", "establishment", "awaiting", "over_establishment"]].mean()
        for col in means.columns:
            out[f"{col}_{tag}"] = means[col]
        if tag == "end":
            out["p_over_end"] = (rows["over_establishment"] > 0).groupby(rows["unit"], sort=False).mean()
            out["one_time_cost"] = rows.groupby("unit", sort=False)["one_time_cost"].mean()
    out["trouble"] = out["awaiting_deadline"] + out["over_establishment_end"]
    return out


COLUMNS = (
    ("staff_deadline", "tw_staff_deadline"),
    ("establishment_deadline", "tw_establishment"),
    ("awaiting_deadline", "tw_awaiting_deadline"),
    ("over_establishment_deadline", "tw_over_deadline"),
    ("staff_end", "tw_staff_end"),
    ("over_establishment_end", "tw_over_end"),
    ("p_over_end", "tw_p_over_end"),
    ("one_time_cost", "tw_one_time"),
)


def township_table(frame: pd.DataFrame, run: RunData, lang: str, unit: MoneyUnit) -> pd.DataFrame:
    """The table a planner reads: township, then the means with units in the headers, most trouble first."""
    means = township_means(frame, run.deadline, run.horizon).sort_values("trouble", ascending=False, kind="stable")
    table = pd.DataFrame({word("tw_township", lang): means.index.astype(str)})
    for col, key in COLUMNS:
        values = means[col].to_numpy(dtype=float)
        table[word(key, lang, unit=unit.name)] = unit.scale(values) if col == "one_time_cost" else values
    return table


def ranked_chart(means: pd.DataFrame, lang: str) -> go.Figure:
    """Horizontal bars of the townships in most trouble: awaiting at the deadline, over establishment at the horizon."""
    top = means.sort_values("trouble", ascending=False, kind="stable").head(RANKED).iloc[::-1]
    fig = go.Figure()
    for col, key, color in (
        ("awaiting_deadline", "tw_awaiting_deadline", "#ff7f0e"),
        ("over_establishment_end", "tw_over_end", "#d62728"),
    ):
        label = word(key, lang, unit="")
        fig.add_trace(
            go.Bar(
                y=top.index.astype(str),
                x=top[col],
                orientation="h",
                name=label,
                marker_color=color,
                hovertemplate=f"%{{y}}<br>{label}: %{{x:,.1f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", xaxis_title=word("tw_people_axis", lang))
    return style(
        fig, word("tw_chart", lang, n=min(RANKED, len(means))), height=max(320, 26 * len(top) + 140), hover="closest"
    )


def add_township_sections(page: Page, run: RunData, lang: str) -> None:
    """The ranked chart and the sortable table, when the results folder holds by_township.parquet."""
    frame = run.by_township
    if frame is None or len(frame) == 0:
        return
    means = township_means(frame, run.deadline, run.horizon)
    page.figure("townships", word("tw_chart", lang, n=min(RANKED, len(means))), ranked_chart(means, lang))
    unit = money_unit(means["one_time_cost"], lang)
    table = township_table(frame, run, lang, unit)
    header = [Cell(str(c), numeric=k > 0) for k, c in enumerate(table.columns)]
    rows = []
    for values in table.itertuples(index=False):
        row: list[Cell | str] = [str(values[0])]
        for col, v in zip(COLUMNS, values[1:], strict=True):
            shown = f"{v:.0%}" if col[0] == "p_over_end" else f"{v:,.1f}"
            row.append(Cell(shown, float(v), numeric=True))
        rows.append(row)
    page.table("township-table", word("tw_table", lang), header, rows, word("tw_note", lang), sortable=True)

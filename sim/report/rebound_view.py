"""Rebound shown as two things apart: the unfinished drive and re-growth after it.

- *Unfinished drive*: surplus the drive has not placed yet (awaiting + rotating). Headcount
  over establishment because of it is the reform not finished, not a rebound.
- *Re-growth*: people added on the establishment sectors after the drive beyond establishment
  (over-establishment hires not undone, returnees), and its share of the cut achieved.

The engine writes `unfinished`, `regrowth`, `cut_achieved` and `regrowth_share` each month;
`rebound_measures` reads them, and for results written before them computes the same
quantities from older columns (there `regrowth` counts hires and returns ever made, not those
still on the payroll, so it is an upper bound, and the figure says so).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report import aggregate as agg
from sim.report.html import Card
from sim.report.i18n import text
from sim.report.load import RunData
from sim.report.plot import PEOPLE, add_line, checked_run, mark_months, style

MEASURES = ("unfinished", "regrowth", "cut_achieved", "regrowth_share")


def rebound_measures(run: RunData) -> tuple[pd.DataFrame, bool]:
    """Monthly unfinished, regrowth, cut_achieved, regrowth_share per replication, and whether they are exact.

    Exact: the engine's own columns. Otherwise computed from older columns by the same rules.
    """
    m = run.monthly
    keys = m[["replication", "month"]].copy()
    if all(c in m.columns for c in MEASURES):
        return pd.concat([keys, m[list(MEASURES)]], axis=1), True
    out = keys
    out["unfinished"] = m["state_awaiting"] + (m["state_rotating"] if "state_rotating" in m else 0.0)
    regrowth = pd.Series(0.0, index=m.index)
    if "returned_cumulative" in m:
        regrowth = regrowth + m["returned_cumulative"]
    if "overquota_hires_cumulative" in m:
        undone = m["overquota_reversed_cumulative"] if "overquota_reversed_cumulative" in m else 0.0
        regrowth = regrowth + m["overquota_hires_cumulative"] - undone
    out["regrowth"] = regrowth
    staff = m.get("headcount_admin", m["headcount_total"]) + m.get("headcount_institution", 0.0)
    reform = run.reform_month
    before = staff[m["month"] == max(reform - 1, 0)].groupby(m["replication"]).first()
    cut = m["replication"].map(before) - (staff - regrowth)
    out["cut_achieved"] = np.where(m["month"] >= reform, cut, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(out["cut_achieved"] > 0, regrowth / out["cut_achieved"].where(out["cut_achieved"] > 0), np.nan)
    out["regrowth_share"] = np.where(regrowth <= 1e-12, 0.0, share)
    return out, False


def over_establishment_split(run: RunData) -> dict[str, pd.Series]:
    """Per month, P(over establishment) and its two exclusive parts: only the unfinished drive, re-growth.

    Staff are counted on the establishment sectors (administrative and institution payroll):
    temporaries have no establishment and are never surplus, so counting them would call a
    township whose temporaries stay "over because of re-growth". The parts start at the reform:
    before it, staff above the old establishment are neither.
    """
    m = run.monthly
    measures, _ = rebound_measures(run)
    staff = m["headcount_total"] - (m["headcount_temporary"] if "headcount_temporary" in m else 0.0)
    over = staff > m["establishment_total"]
    regrown = (staff - measures["unfinished"]) > m["establishment_total"]
    before = agg.probability(m, over).index < run.reform_month
    parts = {"p_over_unfinished": agg.probability(m, over & ~regrown), "p_over_regrowth": agg.probability(m, regrown)}
    return {"p_over": agg.probability(m, over), **{k: v.mask(before) for k, v in parts.items()}}


def rebound_panel(results: Any, lang: str = "en") -> go.Figure | None:
    """People: unfinished drive and re-growth (bands); probabilities: over establishment, split by cause."""
    run = checked_run(results, lang)
    if not run.has("establishment_total", "state_awaiting"):
        return None
    measures, exact = rebound_measures(run)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
        subplot_titles=[text("rb_people", lang), text("rb_probability", lang)],
    )  # fmt: skip
    b = agg.bands(measures, ["unfinished", "regrowth"])
    for col, key, color, dash in (
        ("unfinished", "rb_unfinished", "#ff7f0e", "dot"),
        ("regrowth", "rb_regrowth" if exact else "rb_regrowth_upper", "#d62728", None),
    ):
        add_line(fig, b["p50"].index, b["p50"][col], color, text(key, lang), PEOPLE,
                 band=(b["p5"][col], b["p95"][col]), row=1, col=1, dash=dash)  # fmt: skip
    split = over_establishment_split(run)
    for key, color, dash in (
        ("p_over_unfinished", "#ff7f0e", "dot"),
        ("p_over_regrowth", "#d62728", None),
        ("p_over", "#7b8794", "dash"),
    ):
        p = split[key]
        add_line(fig, p.index, p, color, text(f"rb_{key}", lang), ".0%", row=2, col=1, dash=dash)
    fig.update_yaxes(title_text=text("people", lang), row=1, col=1)
    fig.update_yaxes(title_text=text("probability", lang), range=[-0.02, 1.02], tickformat=".0%", row=2, col=1)
    fig.update_xaxes(title_text=text("month", lang), row=2, col=1)
    mark_months(fig, run, lang, subplots=True)
    return style(fig, text("sec_rebound_split", lang), height=680)


def _when(month: int, lang: str) -> str:
    return text("card_year", lang, y=month // 12) if month % 12 == 0 else text("month_n", lang, m=month)


def rebound_card(run: RunData, lang: str) -> Card | None:
    """The headline card: re-growth at year 5 and the horizon, the unfinished drive beside it, never mixed."""
    if not run.has("establishment_total", "state_awaiting"):
        return None
    measures, exact = rebound_measures(run)
    months = [m for m in sorted({60, run.horizon}) if m <= run.horizon]
    if not months:
        return None

    def mean_at(col: str, month: int) -> float:
        return float(agg.at_month(measures, col, month).mean())

    value = " · ".join(f"{_when(m, lang)}: {mean_at('regrowth', m):,.0f}" for m in months)
    split = over_establishment_split(run)
    lines = []
    share = mean_at("regrowth_share", run.horizon)
    if math.isfinite(share):
        lines.append(f"{text('rb_share', lang)}: {share:.0%}")
    lines.append(text("rb_card_regrowth_p", lang, p=f"{float(split['p_over_regrowth'].get(months[-1], math.nan)):.0%}"))
    first = months[0]
    lines.append(
        text(
            "rb_card_unfinished",
            lang,
            when=_when(first, lang),
            n=f"{mean_at('unfinished', first):,.0f}",
            p=f"{float(split['p_over_unfinished'].get(first, math.nan)):.0%}",
        )
    )
    if not exact:
        lines.append(text("rb_upper_note", lang))
    return Card(text("rb_card_title", lang), value, tuple(lines), text("people_unit", lang))

"""The report of one run: headline cards, every figure its columns allow, parameters, provenance."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.report import aggregate as agg
from sim.report.common import add_parameters, built_line, fmt, provenance, target_path
from sim.report.figures import RUN_FIGURES, _median_month
from sim.report.html import Card, Page, write_page
from sim.report.i18n import check_lang, text
from sim.report.load import RunData, as_run


def _interval(d: dict[str, float], kind: str, lang: str) -> str:
    return f"{text('card_interval', lang)}: [{fmt(d['p5'], kind, lang)}, {fmt(d['p95'], kind, lang)}]"


def _pct(new: float, old: float) -> str:
    return "(" + f"{(new - old) / old:+.1%}".replace("-", "−") + ")" if old else ""


def headline_cards(run: RunData, lang: str) -> list[Card]:
    """Cards for the questions planners ask first, each only when its columns exist."""
    out = run.outcomes
    cards = []
    deadline = text("month_n", lang, m=run.deadline)
    change = agg.describe(out["headcount_change"])
    before = float(run.bands["mean"]["headcount_total"].iloc[0])
    lines = [_interval(change, "people_signed", lang)]
    if run.has("establishment_total"):
        est = run.bands["p50"]["establishment_total"]
        old, new = float(est.iloc[0]), float(est.loc[run.deadline])
        lines.append(
            f"{text('card_headcount_est', lang)}: {fmt(old, 'people')} → {fmt(new, 'people')} {_pct(new, old)}"
        )
    cards.append(
        Card(
            f"{text('card_headcount', lang)} ({deadline})",
            f"{fmt(change['mean'], 'people_signed', lang)} {_pct(before + change['mean'], before)}",
            tuple(lines),
        )
    )
    if "awaiting_deadline" in out:
        d = agg.describe(out["awaiting_deadline"])
        lines = [_interval(d, "people", lang)]
        if run.has("state_rotating"):
            rotating = float(agg.at_month(run.monthly, "state_rotating", run.deadline).mean())
            if rotating > 0:
                lines.append(f"{text('card_rotating', lang)}: {fmt(rotating, 'people')}")
        cards.append(Card(f"{text('card_awaiting', lang)} ({deadline})", fmt(d["mean"], "people", lang), tuple(lines)))
    money_lines = []
    if "fiscal_gap" in out:
        gap = agg.describe(out["fiscal_gap"])
        money_lines.append(
            f"{text('card_fiscal_gap', lang)}: {fmt(gap['mean'], 'money', lang)} {text('unit_million', lang)}"
        )
    if "pool_waiting_deadline" in out:
        money_lines.append(f"{text('card_pool_waiting', lang)}: {fmt(out['pool_waiting_deadline'].mean(), 'people')}")
    if "one_time_cost" in out:
        d = agg.describe(out["one_time_cost"])
        value = f"{fmt(d['mean'], 'money', lang)} {text('unit_million', lang)}"
        cards.append(Card(text("card_one_time", lang), value, (_interval(d, "money", lang), *money_lines)))
    elif money_lines:
        cards.append(Card(text("card_one_time", lang), text("na", lang), tuple(money_lines)))
    if "payback_government" in out:
        pay = out["payback_government"]
        median = _median_month(pay)
        value = text("month_n", lang, m=int(median)) if math.isfinite(median) else text("not_reached", lang)
        lines = [f"{pay.notna().mean():.0%} {text('card_payback_share', lang)}"]
        if "payback_township" in out:
            town = _median_month(out["payback_township"])
            shown = text("month_n", lang, m=int(town)) if math.isfinite(town) else text("not_reached", lang)
            lines.append(f"{text('card_payback_township', lang)}: {shown}")
        cards.append(Card(text("card_payback", lang), value, tuple(lines)))
    years = [(y, f"over_y{y}") for y in (5, 10) if f"over_y{y}" in out]
    if years:
        value = " · ".join(f"{text('card_year', lang, y=y)}: {out[key].mean():.0%}" for y, key in years)
        lines = []
        for key, label in (("returned", "returned_people"), ("overquota_net", "overquota_net")):
            if key in out:
                lines.append(f"{text(label, lang)}: {fmt(float(np.mean(out[key])), 'people')}")
        cards.append(Card(text("card_rebound", lang), value, tuple(lines)))
    return cards


def build_run_page(run: RunData, lang: str) -> Page:
    """The run report as a Page (not yet rendered)."""
    page = Page(run.name, text("run_report", lang), lang, str(run.scenario.get("description") or ""))
    page.cards("headline", text("headline", lang), headline_cards(run, lang), text("band_note", lang))
    for anchor, make, note in RUN_FIGURES:
        fig = make(run, lang)
        if fig is not None:
            page.figure(anchor, str(fig.layout.title.text), fig, text(note, lang))
    add_parameters(page, run, lang)
    page.footer([*provenance(run, lang), built_line(lang)], text("generated_by", lang))
    return page


def run_report(results: Any, path: str | Path | None = None, lang: str = "en") -> Path:
    """Write the report of one run to `path` (default: report.html in its results folder)."""
    check_lang(lang)
    run = as_run(results)
    return write_page(build_run_page(run, lang).render(), target_path(path, run.folder))

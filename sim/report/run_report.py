"""The report of one run: headline cards, every figure its columns allow, parameters, provenance."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sim.report import aggregate as agg
from sim.report.captions import caption
from sim.report.common import add_parameters, built_line, fmt, provenance, target_path
from sim.report.county_figures import add_county_panel
from sim.report.dates import dated
from sim.report.finding import nothing_to_pay_back, run_finding
from sim.report.html import Card, Page, write_page
from sim.report.i18n import check_lang, text
from sim.report.load import RunData, as_run
from sim.report.localise import localise_figure
from sim.report.rebound_view import rebound_card
from sim.report.run_figures import RUN_FIGURES
from sim.report.townships import add_township_sections
from sim.report.words import word


def _interval(d: dict[str, float], kind: str, lang: str) -> str:
    return f"{text('card_interval', lang)}: [{fmt(d['p5'], kind, lang)}, {fmt(d['p95'], kind, lang)}]"


def _pct(new: float, old: float) -> str:
    return "(" + f"{(new - old) / old:+.1%}".replace("-", "−") + ")" if old else ""


def _money(value: float, lang: str) -> str:
    return f"{fmt(value, 'money', lang)} {text('unit_million', lang)}"


def _month(value: float, lang: str, start: str) -> str:
    return dated(start, value, lang) if math.isfinite(value) else text("not_reached", lang)


def headline_cards(run: RunData, lang: str) -> list[Card]:
    """Cards for the questions planners ask first, each only when its columns exist."""
    out = run.outcomes
    cards = []
    deadline = dated(run.start, run.deadline, lang)
    change = agg.describe(out["headcount_change"])
    before = float(run.bands["mean"]["headcount_total"].iloc[0])
    lines = [_interval(change, "people_signed", lang)]
    if run.has("establishment_total"):
        est = run.bands["p50"]["establishment_total"]
        old, new = float(est.iloc[0]), float(est.loc[run.deadline])
        lines.append(
            f"{text('card_headcount_est', lang)}: {fmt(old, 'people')} → {fmt(new, 'people')} {_pct(new, old)}"
        )
    value = f"{fmt(change['mean'], 'people_signed', lang)} {_pct(before + change['mean'], before)}"
    cards.append(Card(f"{text('card_headcount', lang)} ({deadline})", value, tuple(lines)))
    if "awaiting_deadline" in out:
        d = agg.describe(out["awaiting_deadline"])
        lines = [_interval(d, "people", lang)]
        if "rotating_deadline" in out:
            rotating = float(out["rotating_deadline"].mean())
            if rotating > 0:
                lines.append(f"{text('card_rotating', lang)}: {fmt(rotating, 'people')}")
        cards.append(Card(f"{text('card_awaiting', lang)} ({deadline})", fmt(d["mean"], "people", lang), tuple(lines)))
    if "one_time_cost" in out:
        d = agg.describe(out["one_time_cost"])
        lines = [_interval(d, "money", lang)]
        top_up = 0.0
        if run.has("pool_contributed_top_up"):
            top_up = float(agg.at_month(run.monthly, "pool_contributed_top_up", run.horizon).mean())
        if top_up > 0:
            lines.append(f"{text('card_top_up', lang)}: {_money(top_up, lang)}")
        dry = run.risk_estimate("p_pool_dry_by_deadline")
        if math.isfinite(dry):
            lines.append(f"{text('card_pool_dry', lang)}: {dry:.0%}")
        if "fiscal_gap" in out:
            lines.append(f"{text('card_fiscal_gap', lang)}: {_money(float(out['fiscal_gap'].mean()), lang)}")
        cards.append(
            Card(text("card_one_time", lang), fmt(d["mean"], "money", lang), tuple(lines), text("unit_million", lang))
        )
    if nothing_to_pay_back(run):
        cards.append(Card(text("card_payback", lang), text("nothing_to_pay_back", lang), ()))
    elif "payback_government" in out:
        share = run.risk_estimate("p_payback_government", run.horizon)
        lines = [f"{share:.0%} {text('card_payback_share', lang)}"]
        if "payback_township" in out:
            township = _month(run.risk_estimate("payback_month_township"), lang, run.start)
            lines.append(f"{text('card_payback_township', lang)}: {township}")
        cards.append(
            Card(
                text("card_payback", lang),
                _month(run.risk_estimate("payback_month_government"), lang, run.start),
                tuple(lines),
            )
        )
    rebound = rebound_card(run, lang)  # re-growth, with the unfinished drive beside it and never mixed in
    if rebound is not None:
        cards.append(rebound)
    return cards


def _when(month: int, lang: str) -> str:
    """'year 5' for whole years, else 'month 30'."""
    return text("card_year", lang, y=month // 12) if month % 12 == 0 else text("month_n", lang, m=month)


def build_run_page(run: RunData, lang: str, source: Any = None) -> Page:
    """The run report as a Page (not yet rendered); `source` is the Results in memory, if any (its by_county)."""
    page = Page(run.name, text("run_report", lang), lang, str(run.scenario.get("description") or ""))
    page.paragraph("finding", word("t_finding", lang), run_finding(run, lang).text)
    page.cards("headline", text("headline", lang), headline_cards(run, lang), text("band_note", lang))
    add_township_sections(page, run, lang)
    for anchor, make, note in RUN_FIGURES:
        fig = localise_figure(make(run, lang), run.start, run.horizon, lang)
        if fig is not None:
            page.figure(anchor, str(fig.layout.title.text), fig, text(note, lang), caption(anchor, run, lang))
    add_county_panel(page, run, lang, source)
    add_parameters(page, run, lang)
    page.footer([*provenance(run, lang), built_line(lang)], text("generated_by", lang))
    return page


def run_report(results: Any, path: str | Path | None = None, lang: str = "en") -> Path:
    """Write the report of one run to `path` (default: report.html in its results folder)."""
    check_lang(lang)
    run = as_run(results)
    return write_page(build_run_page(run, lang, results).render(), target_path(path, run.folder))

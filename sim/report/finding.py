"""The finding in words: a short paragraph, computed from saved results with their uncertainty.

`run_finding` says what happens by the deadline, what it costs and who pays, when it pays
back, and the rebound risk; `compare_finding` says which scenario is better on each outcome
and by how much, with the paired 95% interval. Each returns the text and the numbers it
quotes (`Finding.numbers`), so that a test can recompute every number from the Parquet files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.by_county import county_deadlines, county_risk
from sim.report import aggregate as agg
from sim.report.common import OUTCOME_KINDS
from sim.report.compare_counties import county_changes
from sim.report.dates import month_label
from sim.report.i18n import name
from sim.report.load import RunData
from sim.report.units import money, money_unit
from sim.report.words import word


@dataclass
class Finding:
    """A paragraph (list of sentences) and the numbers it quotes, by key."""

    sentences: list[str] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The paragraph as one string."""
        return "".join(self.sentences)


def people(value: float) -> str:
    """A count of people as the finding shows it."""
    return f"{value:,.0f}".replace("-", "−") if math.isfinite(value) else "–"


def signed_people(value: float) -> str:
    """A signed count of people."""
    shown = f"{value:+,.0f}"
    return ("0" if shown in ("+0", "-0") else shown).replace("-", "−")


def pct(value: float) -> str:
    """A probability or share as a whole percentage."""
    return f"{value:.0%}" if math.isfinite(value) else "–"


def _band(values: np.ndarray) -> tuple[float, float, float]:
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return math.nan, math.nan, math.nan
    p5, p95 = np.quantile(v, [0.05, 0.95])
    return float(v.mean()), float(p5), float(p95)


def funding_gap(run: RunData, month: int) -> np.ndarray | None:
    """Yuan of pool requests not paid at `month`, per replication (None when the results lack it)."""
    if not run.has("pool_unpaid"):
        return None
    return agg.at_month(run.monthly, "pool_unpaid", month).to_numpy(dtype=float)


def _in_sentence(label: str, lang: str) -> str:
    """A name within a sentence: lower-case first letter in English; in Chinese, a name in Latin letters (a
    scenario's own contributor id, untranslated) keeps a space before the figure that follows it.
    """
    if lang == "zh":
        return label + " " if label[-1:].isascii() and label[-1:].isalnum() else label
    return label[:1].lower() + label[1:]


def contributor_shares(run: RunData) -> dict[str, float]:
    """Each pool contributor's share of all contributions by the horizon (mean over replications)."""
    cols = [c for c in run.columns if c.startswith("pool_contributed_") and c != "pool_contributed_cumulative"]
    totals = {
        c.removeprefix("pool_contributed_"): float(agg.at_month(run.monthly, c, run.horizon).mean()) for c in cols
    }
    whole = sum(totals.values())
    return {k: v / whole for k, v in totals.items() if v > 0} if whole > 0 else {}


def pool_charges(run: RunData) -> dict[str, float]:
    """Yuan paid out of the pool by the horizon, by the payer whose money it was (traced, mean over replications).

    The pool traces each payment to the contributions it came from (`pool_charged_<payer>`, docs/model.md
    section 7.6), so these are what each payer actually bore, never more than it put in.
    """
    cols = [c for c in run.columns if c.startswith("pool_charged_")]
    totals = {c.removeprefix("pool_charged_"): float(agg.at_month(run.monthly, c, run.horizon).mean()) for c in cols}
    return {k: v for k, v in totals.items() if v > 0}


def run_finding(run: RunData, lang: str = "en") -> Finding:
    """The finding of one run: deadline, cost and payers, funding gap, payback, rebound risk."""
    out, f = run.outcomes, Finding()
    start, deadline = run.start, run.deadline
    f.numbers["deadline_month"] = deadline
    if "awaiting_deadline" in out:
        a, a5, a95 = _band(out["awaiting_deadline"].to_numpy(dtype=float))
        change = float(out["headcount_change"].mean())
        head = float(out["headcount_deadline"].mean())
        before = head - change
        rotating = float(out["rotating_deadline"].mean()) if "rotating_deadline" in out else 0.0
        f.numbers.update(awaiting_mean=a, awaiting_p5=a5, awaiting_p95=a95, headcount_change=change, headcount=head)
        f.numbers["rotating_mean"] = rotating
        share = f"{change / before:+.1%}".replace("-", "−") if before else "–"
        f.sentences.append(
            word(
                "f_deadline_rotating" if rotating > 0 else "f_deadline",
                lang,
                rotating=people(rotating),
                date=month_label(start, deadline),
                m=deadline,
                awaiting=people(a),
                a5=people(a5),
                a95=people(a95),
                change=signed_people(change),
                pct=share,
                head=people(head),
            )
        )
    if "one_time_cost" in out:
        c, c5, c95 = _band(out["one_time_cost"].to_numpy(dtype=float))
        unit = money_unit([c, c5, c95], lang)
        f.numbers.update(one_time_mean=c, one_time_p5=c5, one_time_p95=c95)
        f.sentences.append(
            " " * (lang == "en" and bool(f.sentences))
            + word("f_cost", lang, cost=unit.label(c), c5=unit.show(c5), c95=unit.show(c95))
        )
        shares = contributor_shares(run)
        if shares:
            items = []
            for who, part in sorted(shares.items(), key=lambda kv: -kv[1]):
                f.numbers[f"pool_share_{who}"] = part
                label = _in_sentence(name("contributor", who, lang), lang)
                items.append(word("f_payer_share", lang, name=label, share=pct(part)))
            f.sentences.append(word("f_payers", lang, payers=word("f_list_sep", lang).join(items)))
            charged = pool_charges(run)
            if charged:
                paid = sum(charged.values())
                unit = money_unit([paid], lang)
                parts = []
                for who, amount in sorted(charged.items(), key=lambda kv: -kv[1]):
                    f.numbers[f"pool_charged_{who}"] = amount
                    label = _in_sentence(name("payer", who, lang), lang)
                    parts.append(word("f_payer_share", lang, name=label, share=unit.label(amount)))
                key = "f_charged_twin" if run.manifest.get("engine") == "expected" else "f_charged"
                f.sentences.append(
                    " " * (lang == "en")
                    + word(key, lang, paid=unit.label(paid), payers=word("f_list_sep", lang).join(parts))
                )
        else:
            f.sentences.append(word("f_no_payers", lang))
        _gap_sentences(run, f, lang)
    _county_sentence(run, f, lang)
    _payback_sentence(run, f, lang)
    _rebound_sentence(run, f, lang)
    f.numbers["replications"] = run.replications
    twin = run.manifest.get("engine") == "expected"  # one run of expected values: no mean, no band
    f.sentences.append(word("f_expected_values" if twin else "f_replications", lang, n=run.replications))
    return f


def _gap_sentences(run: RunData, f: Finding, lang: str) -> None:
    dry = run.risk_estimate("p_pool_dry_by_deadline")
    f.numbers["p_pool_dry"] = dry
    gap = funding_gap(run, run.deadline)
    waiting = (
        agg.at_month(run.monthly, "pool_waiting", run.deadline).to_numpy(dtype=float)
        if run.has("pool_waiting")
        else np.zeros(1)
    )
    w, w5, w95 = _band(waiting)
    f.numbers.update(pool_waiting_mean=w, pool_waiting_p5=w5, pool_waiting_p95=w95)
    if w > 0:
        g = float(np.mean(gap)) if gap is not None else math.nan
        f.numbers["funding_gap_deadline"] = g
        shown = money(g, lang) if math.isfinite(g) else "–"
        f.sentences.append(
            word("f_gap", lang, gap=shown, waiting=people(w), w5=people(w5), w95=people(w95), dry=pct(dry))
        )
    else:
        f.numbers["funding_gap_deadline"] = 0.0
        short = _twin_shortfall(run)
        if short > 0:
            f.numbers["twin_assumed_deadline"] = short
            f.sentences.append(word("f_twin_short", lang, short=money(short, lang), cmd="--engine des"))
        else:
            f.sentences.append(word("f_no_gap", lang, dry=pct(dry)))
    if run.has("pool_contributed_top_up"):
        top = float(agg.at_month(run.monthly, "pool_contributed_top_up", run.horizon).mean())
        if top > 0:
            f.numbers["top_up"] = top
            f.sentences.append(word("f_top_up", lang, top_up=money(top, lang)))


NAMED_COUNTIES = 5  # counties named in the finding; the county panel ranks them all


def _county_sentence(run: RunData, f: Finding, lang: str) -> None:
    """For a province: the counties whose pool runs dry by their deadline in at least half the replications,
    and the three with the most people still awaiting at their deadline (`sim.analysis.by_county`).
    """
    frame = run.by_county
    if frame is None or frame.empty or frame["unit"].nunique() < 2:
        return
    risk = county_risk(frame, run.scenario)
    estimate = risk.pivot(index="unit", columns="figure", values="estimate").loc[list(dict.fromkeys(risk["unit"]))]
    awaiting = estimate["awaiting_at_deadline"].sort_values(ascending=False, kind="stable").head(3)
    top = word("f_list_sep", lang).join(
        word("f_county_people", lang, name=str(unit), n=people(float(n))) for unit, n in awaiting.items()
    )
    f.numbers["counties"] = len(estimate)
    for unit, n in awaiting.items():
        f.numbers[f"county_awaiting:{unit}"] = float(n)
    twin = run.manifest.get("engine") == "expected"  # it lets nobody wait: a short pool goes below zero instead
    dry = _counties_short(frame, run.scenario) if twin else estimate["p_pool_dry_by_deadline"]
    dry = dry[dry >= 0.5].sort_values(ascending=False, kind="stable")
    f.numbers["counties_dry"] = len(dry)
    if not len(dry):
        f.sentences.append(word("f_counties_ok", lang, top=top))
        return
    names = word("f_list_sep", lang).join(str(u) for u in dry.index[:NAMED_COUNTIES])
    if len(dry) > NAMED_COUNTIES:
        names = word("f_more", lang, names=names, m=len(dry) - NAMED_COUNTIES, k=len(dry))
    key = "f_counties_short" if twin else "f_counties_dry"
    f.sentences.append(word(key, lang, k=len(dry), n=len(estimate), names=names, top=top))


def _counties_short(frame: pd.DataFrame, scenario: dict[str, Any]) -> pd.Series:
    """Per county, the share of replications in which the twin's pool is below zero at the county's deadline."""
    own, province = county_deadlines(scenario)
    horizon = int(frame["month"].max())
    deadline = frame["unit"].map(lambda u: min(own.get(str(u), province), horizon))
    at = frame[frame["month"] == deadline]
    return (at["pool_balance"] < 0).groupby(at["unit"], sort=False).mean()


def _twin_shortfall(run: RunData) -> float:
    """Yuan the expected-value twin's pools had paid beyond what was put in by the deadline (0 for the engine).

    The twin lets nobody wait, so a pool short of money goes negative instead (money it assumes). Each
    county's pool is its own: a county short of money is short whatever others hold, so with results by
    county the shortfalls of the counties are added up; otherwise the run's one pool is read.
    """
    if run.manifest.get("engine") != "expected" or not run.has("pool_balance"):
        return 0.0
    counties = run.by_county
    if counties is not None and "pool_balance" in counties and not counties.empty:
        at = counties[counties["month"] == run.deadline]
        short = (-at["pool_balance"]).clip(lower=0.0).groupby(at["replication"]).sum()
        return float(short.mean()) if len(short) else 0.0
    balance = float(agg.at_month(run.monthly, "pool_balance", run.deadline).mean())
    return max(-balance, 0.0)


def nothing_to_pay_back(run: RunData) -> bool:
    """Savings against no reform are 0 at every month of every replication (no reform): the outcomes then have no
    payback month (`aggregate.outcomes`, `sim.analysis.nothing_saved`), which would be the reform month.
    """
    return run.has("savings_cumulative_government") and "payback_government" not in run.outcomes


def _payback_sentence(run: RunData, f: Finding, lang: str) -> None:
    if nothing_to_pay_back(run):
        f.sentences.append(word("f_nothing_to_pay_back", lang))
        return
    if "payback_government" not in run.outcomes:
        return
    share = run.risk_estimate("p_payback_government", run.horizon)
    median = run.risk_estimate("payback_month_government")
    f.numbers.update(payback_share=share, payback_median=median)
    if share >= 0.5 and math.isfinite(median):
        rows = run.risk.xs("payback_month_government", level="figure")
        p90 = float(rows["p90"].iloc[-1])
        f.numbers["payback_p90"] = p90
        f.sentences.append(
            word(
                "f_payback",
                lang,
                date=month_label(run.start, median),
                m=str(int(median)),  # the month of the date, as the card and the chart show it (a median may be x.5)
                p90=month_label(run.start, p90),
                share=pct(share),
            )
        )
    else:
        f.sentences.append(word("f_no_payback", lang, share=pct(share)))


def _rebound_sentence(run: RunData, f: Finding, lang: str) -> None:
    y5 = min(60, run.horizon)
    p5y = run.risk_estimate("p_over_establishment", y5)
    pend = run.risk_estimate("p_over_establishment", run.horizon)
    if not (math.isfinite(p5y) or math.isfinite(pend)):
        return
    f.numbers.update(p_over_y5=p5y, p_over_end=pend)
    text = word(
        "f_rebound" if y5 < run.horizon else "f_rebound_at_end",  # a horizon within five years: one month to tell
        lang,
        p5y=pct(p5y),
        y5=month_label(run.start, y5),
        pend=pct(pend),
        end=month_label(run.start, run.horizon),
    )
    pr5 = run.risk_estimate("p_over_establishment_regrowth", y5)
    regrowth = run.risk_estimate("expected_regrowth", run.horizon)
    share = run.risk_estimate("expected_regrowth_share", run.horizon)
    if math.isfinite(pr5) and math.isfinite(regrowth):  # the unfinished drive and re-growth told apart
        f.numbers.update(p_over_regrowth_y5=pr5, regrowth_end=regrowth)
        text += word(
            "f_rebound_split",
            lang,
            y5=month_label(run.start, y5),
            pr5=pct(pr5),
            regrowth=people(regrowth),
            end=month_label(run.start, run.horizon),
            share=pct(share) if math.isfinite(share) else "–",
        )
    f.sentences.append(text)
    out = run.outcomes
    if "returned" in out and "overquota_net" in out:
        ret, over = float(out["returned"].mean()), float(out["overquota_net"].mean())
        f.numbers.update(returned=ret, overquota_net=over)
        f.sentences.append(word("f_rebound_counts", lang, returned=people(ret), overquota=people(over)))
    else:
        f.sentences.append(word("f_end", lang))
    _townships_over_sentence(run, f, lang)


def _townships_over_sentence(run: RunData, f: Finding, lang: str) -> None:
    """Townships over their own establishment at the horizon: the whole can be under while some are over."""
    found = agg.townships_over(run.by_township, run.horizon)
    if found is None:
        return
    over, n = found
    k, p_any = float(over.mean()), float((over > 0).mean())
    f.numbers.update(townships_over_end=k, p_any_township_over_end=p_any)
    shown = agg.count_shown(k)
    f.sentences.append(
        word("f_rebound_townships", lang, end=month_label(run.start, run.horizon), k=shown, n=n, p_any=pct(p_any))
    )


# Outcomes a comparison speaks of, and whether more is better.
COMPARED = (
    ("awaiting_deadline", False, "people"),
    ("one_time_cost", False, "money"),
    ("savings_government", True, "money"),
    ("payback_government", False, "months"),
    ("over_y5", False, "probability"),
    ("over_end", False, "probability"),
    ("pool_waiting_deadline", False, "people"),
    ("funding_gap_deadline", False, "money"),
    ("fiscal_gap", False, "money"),
)


def paired(ref: RunData, other: RunData, key: str) -> tuple[float, float, float, int]:
    """Mean paired difference other − ref of one outcome with its 95% t-interval and pair count."""
    return agg.paired_interval(ref.outcomes[key], other.outcomes[key], OUTCOME_KINDS.get(key, ""))


def _show_diff(value: float, kind: str, lang: str, unit: object = None) -> str:
    if not math.isfinite(value):
        return "–"
    if kind == "money":
        return unit.show(value, signed=True)  # type: ignore[attr-defined]
    if kind == "probability":
        return f"{value * 100:+.1f}".replace("-", "−")
    if kind == "months":
        return f"{value:+.1f}".replace("-", "−")
    return signed_people(value)


def _unit_name(kind: str, lang: str, unit: object = None) -> str:
    if kind == "money":
        return str(unit.name)  # type: ignore[attr-defined]
    return word({"people": "people_unit", "months": "months_unit", "probability": "pp_unit"}[kind], lang)


def compare_finding(runs: list[RunData], lang: str = "en") -> Finding:
    """For each scenario against the first: which is better on each outcome, by how much, with the interval.

    A difference whose 95% interval contains 0 is called no clear difference.
    """
    f = Finding()
    ref = runs[0]
    n_pairs = 0
    parts: list[str] = []
    for other in runs[1:]:
        items = []
        for key, more_is_better, kind in COMPARED:
            if key not in ref.outcomes or key not in other.outcomes:
                continue
            mean, low, high, n = paired(ref, other, key)
            if n == 0 or not math.isfinite(mean):
                continue
            n_pairs = max(n_pairs, n)
            f.numbers.update({f"{other.name}:{key}:mean": mean, f"{other.name}:{key}:low": low})
            f.numbers[f"{other.name}:{key}:high"] = high
            unit = money_unit([mean, low, high], lang) if kind == "money" else None
            what = word(f"fc_{key}", lang)
            diff = f"{_show_diff(mean, kind, lang, unit)} {_unit_name(kind, lang, unit)}"
            low_s, high_s = _show_diff(low, kind, lang, unit), _show_diff(high, kind, lang, unit)
            clear = math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0)
            if mean == 0 and low == 0 and high == 0:
                items.append(word("fc_equal", lang, what=what))
                continue
            if mean == 0 or not clear:
                items.append(word("fc_same", lang, what=what, diff=diff, low=low_s, high=high_s))
                continue
            better = (mean > 0) == more_is_better
            verdict = word("fc_better" if better else "fc_worse", lang)
            items.append(
                word("fc_item", lang, what=what, name=other.name, verdict=verdict, diff=diff, low=low_s, high=high_s)
            )
        parts.append(word("fc_scenario", lang, name=other.name, ref=ref.name) + word("fc_sep", lang).join(items))
    f.numbers["pairs"] = n_pairs
    f.sentences.append(word("fc_head", lang, ref=ref.name, n=n_pairs) + " ")
    f.sentences.append(("。" if lang == "zh" else ". ").join(parts) + ("。" if lang == "zh" else "."))
    _compare_county_sentences(runs, f, lang)
    return f


def _compare_county_sentences(runs: list[RunData], f: Finding, lang: str) -> None:
    """For provinces: where each scenario changes awaiting at the deadline most (paired, with the interval), and
    in how many counties the pools run dry against the reference (`sim.report.compare_counties`).
    """
    changes = county_changes(runs)
    if changes is None or changes["unit"].nunique() < 2:
        return
    ref = runs[0]
    for other in runs[1:]:
        mine = changes[changes["scenario"] == other.name]
        awaiting = mine[mine["figure"] == "awaiting_at_deadline"].set_index("unit")
        size = awaiting["mean"].abs().fillna(0.0).sort_values(ascending=False, kind="stable")
        items = []
        for unit in size.index[:3][size.iloc[:3] > 0]:  # a county that did not change is not among the "most"
            row = awaiting.loc[unit]
            f.numbers[f"{other.name}:county_awaiting:{unit}"] = float(row["mean"])
            shown = [signed_people(float(row[k])) for k in ("mean", "low", "high")]
            items.append(word("fc_county_change", lang, name=str(unit), diff=shown[0], low=shown[1], high=shown[2]))
        dry = mine[mine["figure"] == "p_pool_dry_by_deadline"]
        k_ref = int((dry["reference"] >= 0.5).sum())
        k = int((dry["reference"] + dry["mean"].fillna(0.0) >= 0.5).sum())
        f.numbers[f"{ref.name}:counties_dry"], f.numbers[f"{other.name}:counties_dry"] = k_ref, k
        top = word("f_list_sep", lang).join(items)
        key = "fc_counties" if items else "fc_counties_unchanged"
        f.sentences.append(word(key, lang, name=other.name, top=top, k=k, n=len(dry), k_ref=k_ref, ref=ref.name))

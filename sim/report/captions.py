"""Captions under the run report's money panels: what each counts, and why two panels that seem
to disagree do not, in one sentence with the run's own figures.

- pool dry vs payback: a dry pool delays diversions (the waiting stay on the payroll, and the
  savings already count their pay) but the cut itself — posts not refilled — saves from the
  reform on;
- debt vs savings: savings are against no reform, not against zero; townships whose cost
  still exceeds revenue and transfers go on borrowing, only less;
- withheld transfers (`fiscal.withhold_share`): money the higher level keeps from townships still
  over their own establishment after the deadline raises their fiscal gap, not the reform's cost.
"""

from __future__ import annotations

import math

from sim.report import aggregate as agg
from sim.report.common import money_divisor
from sim.report.i18n import text
from sim.report.load import RunData


def _m(value: float, lang: str) -> str:
    """Money in the unit the cards show: million yuan in English, 万元 in Chinese (`common.money_divisor`)."""
    return f"{value / money_divisor(lang):,.1f}".replace("-", "−")


def _mean_at(run: RunData, column: str, month: int) -> float:
    return float(agg.at_month(run.monthly, column, month).mean()) if run.has(column) else math.nan


def pool_caption(run: RunData, lang: str) -> str:
    """The pool: what it counts; dry pool against payback when both happen."""
    out = [text("cap_pool", lang)]
    dry = run.risk_estimate("p_pool_dry_by_deadline")
    payback = run.risk_estimate("payback_month_government")
    if run.has("pool_waiting") and math.isfinite(dry) and dry > 0:
        waiting = run.bands["mean"]["pool_waiting"]
        peak_month = int(waiting.idxmax())
        one_time = float(run.outcomes["one_time_cost"].mean()) if "one_time_cost" in run.outcomes else math.nan
        out.append(
            text(
                "cap_pool_dry",
                lang,
                dry=f"{dry:.0%}",
                deadline=run.deadline,
                waiting=f"{_mean_at(run, 'pool_waiting', run.deadline):,.0f}",
                peak=f"{float(waiting.max()):,.0f}",
                peak_month=peak_month,
                end=f"{_mean_at(run, 'pool_waiting', run.horizon):,.0f}",
                one_time=_m(one_time, lang),
            )
        )
        if math.isfinite(payback):
            out.append(text("cap_pool_payback", lang, payback=int(payback)))
    return " ".join(out)


def cost_caption(run: RunData, lang: str) -> str:
    """The cost panels: yearly sums of the mean monthly cost; where one-time costs fall."""
    return text("cap_cost", lang)


def savings_caption(run: RunData, lang: str) -> str:
    """Savings: against the no-reform counterfactual, by view."""
    return text("cap_savings", lang)


def _townships_over(run: RunData, lang: str) -> str:
    """How many townships are over their own establishment at the deadline (administrative and institution staff
    on the payroll above posts: the ledger's test for withholding), from by_township; '' without it.
    """
    found = agg.townships_over(run.by_township, run.deadline)
    if found is None:
        return ""
    over, n = found
    return text("cap_withheld_over", lang, k=agg.count_shown(float(over.mean())), n=n)


def finances_caption(run: RunData, lang: str) -> str:
    """Fiscal gap and debt: what they count; debt against savings; transfers withheld."""
    out = [text("cap_finances", lang)]
    d0, d1 = _mean_at(run, "debt", 0), _mean_at(run, "debt", run.horizon)
    saved = _mean_at(run, "savings_cumulative_township", run.horizon)
    gap = float(run.outcomes["fiscal_gap"].mean()) if "fiscal_gap" in run.outcomes else math.nan
    if math.isfinite(d0) and math.isfinite(d1) and d1 > d0 and math.isfinite(saved) and saved > 0:
        out.append(
            text("cap_debt_savings", lang, d0=_m(d0, lang), d1=_m(d1, lang), saved=_m(saved, lang), gap=_m(gap, lang))
        )
    share = run.setting("fiscal.withhold_share", 0.0) or 0.0
    transfers = run.setting("fiscal.transfers")
    if share > 0 and isinstance(transfers, int | float) and run.setting("reform.enabled", True):
        townships = run.setting("population.synthetic.townships")
        most = ""
        if isinstance(townships, int) and run.setting("population.source", "synthetic") == "synthetic":
            months = run.horizon - run.deadline + 1
            most = text("cap_withheld_most", lang, most=_m(share * transfers * townships * months, lang), n=townships)
        out.append(
            text(
                "cap_withheld",
                lang,
                share=f"{share:.0%}",
                amount=f"{share * transfers:,.0f}",
                deadline=run.deadline,
                over=_townships_over(run, lang),
                most=most,
            )
        )
    return " ".join(out)


CAPTIONS = {
    "pool": pool_caption,
    "cost-component": cost_caption,
    "cost-payer": cost_caption,
    "savings": savings_caption,
    "finances": finances_caption,
}


def caption(anchor: str, run: RunData, lang: str) -> str:
    """The caption under panel `anchor` ('' for panels without one)."""
    make = CAPTIONS.get(anchor)
    return make(run, lang) if make else ""

"""The top of a comparison: what differs between the scenarios → what it did, and a different-world warning."""

from __future__ import annotations

from sim.analysis.worlds import policy_differences, world_differences
from sim.report import aggregate as agg
from sim.report.common import OUTCOME_KINDS, fmt_diff, show_value
from sim.report.html import Card
from sim.report.i18n import text
from sim.report.load import RunData

# the effects a card shows first, when the results have them
EFFECTS = ("headcount_change", "awaiting_deadline", "one_time_cost", "savings_government", "over_end", "returned")
MAX_KEYS = 5


def _shown(value: object) -> str:
    """A parameter value in a card: '—' where a scenario does not set it."""
    return "—" if value is None else show_value(value)


def month0_headcount(run: RunData) -> float:
    """Mean staff at month 0."""
    return float(agg.at_month(run.monthly, "headcount_total", 0).mean())


def world_note(runs: list[RunData], lang: str) -> str:
    """A warning in the report's language when the scenarios describe different worlds, else ''."""
    keys = world_differences([r.scenario for r in runs])
    heads = [month0_headcount(r) for r in runs]
    differ_at_start = max(heads) - min(heads) > 0.5
    if not keys and not differ_at_start:
        return ""
    staff = ", ".join(f"{r.name} {h:,.0f}" for r, h in zip(runs, heads, strict=True))
    shown = ", ".join(list(keys)[:MAX_KEYS]) + (" …" if len(keys) > MAX_KEYS else "")
    return text("cmp_worlds", lang, staff=staff, keys=shown or text("na", lang))


def what_differs_cards(runs: list[RunData], lang: str) -> list[Card]:
    """One card per scenario against the reference: the parameters that differ, then the paired effects."""
    ref = runs[0]
    cards = []
    for run in runs[1:]:
        pair = [ref.scenario, run.scenario]
        policy = policy_differences(pair)
        world = world_differences(pair)
        lines = [text("cmp_differs", lang)]
        for key, (a, b) in list({**world, **policy}.items())[:MAX_KEYS]:
            lines.append(f"· {key}: {_shown(a)} → {_shown(b)}")
        extra = len(policy) + len(world) - MAX_KEYS
        if extra > 0:
            lines.append("· " + text("cmp_more", lang, n=extra))
        if not policy and not world:
            lines.append("· " + text("no_differences", lang))
        lines.append(text("cmp_did", lang))
        for key in [k for k in EFFECTS if k in ref.outcomes and k in run.outcomes]:
            kind = OUTCOME_KINDS[key]
            mean, low, high, n = agg.paired_interval(ref.outcomes[key], run.outcomes[key], kind)
            shown = fmt_diff(mean, kind, lang)
            if n > 1 and low == low:
                shown += f" [{fmt_diff(low, kind, lang)}, {fmt_diff(high, kind, lang)}]"
            lines.append(f"· {text('out_' + key, lang)}: {shown}")
        title = text("cmp_vs", lang, name=run.name, ref=ref.name)
        value = text("cmp_world_differs", lang) if world else text("cmp_same_world", lang)
        cards.append(Card(title, value, tuple(lines)))
    return cards

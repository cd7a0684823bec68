"""The terminal summary of a run: the finding, headline outcomes with bands, then a compact table.

`run_payload` gathers what is shown (also printed as JSON by `--json`); `print_run_summary`
lays it out with rich so that it fits the terminal's width down to 80 columns, in English or
Chinese (rich measures the double width of Chinese characters). On a pipe rich writes plain
text without colours.
"""

from __future__ import annotations

import math
from typing import Any, TextIO

import numpy as np

from sim.report import aggregate as agg
from sim.report.dates import month_label
from sim.report.finding import compare_finding, run_finding
from sim.report.i18n import metric_label, name
from sim.report.load import RunData
from sim.report.units import money_unit
from sim.report.words import word

# (outcome key, kind): kind is people, money, probability or month
HEADLINE = (
    ("awaiting_deadline", "people"),
    ("rotating_deadline", "people"),
    ("headcount_deadline", "people"),
    ("headcount_change", "people"),
    ("diverted_total", "people"),
    ("one_time_cost", "money"),
    ("funding_gap_deadline", "money"),
    ("pool_waiting_deadline", "people"),
    ("savings_government", "money"),
    ("payback_government", "month"),
    ("over_y5", "probability"),
    ("over_regrowth_y5", "probability"),
    ("over_end", "probability"),
    ("regrowth_end", "people"),
    ("returned", "people"),
    ("overquota_net", "people"),
)
TABLE = (
    ("headcount_total", "people"),
    ("establishment_total", "people"),
    ("state_awaiting", "people"),
    ("state_diverted", "people"),
    ("pool_waiting", "people"),
    ("pool_paid_cumulative", "money"),
    ("savings_cumulative_government", "money"),
    ("returned_cumulative", "people"),
    ("overquota_hires_cumulative", "people"),
)


def key_months(run: RunData) -> list[tuple[int, str]]:
    """The months the table shows, each with its tag: start, reform, deadline, year 5, horizon."""
    tags: dict[int, list[str]] = {}
    marks = ((0, ""), (run.reform_month, "reform"), (60, ""), (run.deadline, "deadline"), (run.horizon, "end"))
    for month, tag in marks:
        tags.setdefault(month, [])
        if tag:
            tags[month].append(tag)  # a deadline at the horizon is both
    return [(m, "/".join(tags[m])) for m in sorted(tags) if m <= run.horizon]


SUB_ROWS = {"rotating_deadline"}  # a part of the row above, shown only when it is not 0 in every replication


def headline_rows(run: RunData) -> list[dict[str, Any]]:
    """Mean, P5 and P95 of each headline outcome the results hold (money in yuan)."""
    out = run.outcomes  # the funding gap at the deadline among them (`aggregate.outcomes`)
    rows = []
    for key, kind in HEADLINE:
        if key not in out or (key in SUB_ROWS and not out[key].any()):
            continue
        values = out[key].to_numpy(dtype=float)
        d = agg.describe(out[key])
        if kind == "month":  # runs that never pay back count as beyond the horizon: report the median
            beyond = run.horizon + 1  # finite, so that quantiles interpolate; anything past the horizon is never
            censored = np.where(np.isnan(values), beyond, values)
            quantiles = np.quantile(censored, [0.5, 0.05, 0.95])
            mid, p5, p95 = (float(x) if x <= run.horizon else math.inf for x in quantiles)
            d = {"mean": mid, "p5": p5, "p95": p95, "n": len(values)}
        if kind == "probability":  # a 0/1 indicator has no band: its mean is the probability
            d = {**d, "p5": math.nan, "p95": math.nan}
        rows.append({"key": key, "kind": kind, **{k: _finite(v) for k, v in d.items()}})
    return rows


def _finite(value: float) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def channel_costs(run: RunData) -> list[dict[str, Any]]:
    """Per channel: mean one-time yuan paid, mean people diverted by the horizon, and yuan per diverted person.

    Read from by_channel.parquet (absent: an empty list); channels nobody took are left out.
    """
    frame = run.by_channel
    if frame is None or len(frame) == 0:
        return []
    cost = frame.groupby("channel", sort=False)["one_time_cost"].mean()
    rows = []
    for channel, yuan in cost.items():
        col = f"diverted_{channel}"
        people = float(agg.at_month(run.monthly, col, run.horizon).mean()) if run.has(col) else math.nan
        if people > 0:
            rows.append({"channel": str(channel), "one_time_cost": float(yuan), "diverted": people,
                         "per_person": float(yuan) / people})  # fmt: skip
    return rows


def run_payload(run: RunData, lang: str) -> dict[str, Any]:
    """Everything the terminal summary shows, as plain data (money in yuan, months as model months)."""
    finding = run_finding(run, lang)
    months = key_months(run)
    table = []
    for metric, kind in TABLE:
        if run.has(metric):
            means = run.bands["mean"][metric]
            table.append({"metric": metric, "kind": kind, "values": [_finite(float(means.loc[m])) for m, _ in months]})
    return {
        "scenario": run.name,
        "replications": run.replications,
        "start": run.start,
        "reform_month": run.reform_month,
        "deadline_month": run.deadline,
        "horizon_month": run.horizon,
        "finding": finding.text,
        "finding_numbers": {k: _finite(v) for k, v in finding.numbers.items()},
        "headline": headline_rows(run),
        "months": [{"month": m, "date": month_label(run.start, m), "tag": t} for m, t in months],
        "table": table,
        "channels": channel_costs(run),
    }


def _show(value: float | None, kind: str, lang: str, unit: Any = None, start: str = "") -> str:
    if value is None:
        return "–"
    if kind == "money":
        return str(unit.show(value))
    if kind == "probability":
        return f"{value:.0%}"
    if kind == "month":
        return month_label(start, value)
    return f"{value:,.0f}".replace("-", "−")


def _label(key: str, kind: str, lang: str, unit: Any) -> str:
    text = word(f"o_{key}", lang, unit=unit.name if unit is not None else "")
    return text


def print_run_summary(payload: dict[str, Any], lang: str, file: TextIO | None = None, width: int | None = None) -> None:
    """The summary laid out with rich: title, finding, headline outcomes, compact table."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file, width=width, highlight=False, emoji=False)
    console.print(word("t_title", lang, name=payload["scenario"], n=payload["replications"]), style="bold")
    console.print(word("t_finding", lang), style="bold")
    console.print(_escape(payload["finding"]))
    console.print()
    head = Table(title=word("t_headline", lang), box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    head.add_column(word("t_outcome", lang), overflow="fold", ratio=3)
    head.add_column(word("t_mean", lang), justify="right", no_wrap=True)
    head.add_column(word("t_band", lang), justify="right", no_wrap=True)
    for row in payload["headline"]:
        kind = row["kind"]
        unit = (
            money_unit([v for v in (row["mean"], row["p5"], row["p95"]) if v is not None], lang)
            if kind == "money"
            else None
        )
        start = payload["start"]
        band = f"{_show(row['p5'], kind, lang, unit, start)}–{_show(row['p95'], kind, lang, unit, start)}"
        band = "" if row["p5"] is None and row["p95"] is None else band
        head.add_row(_label(row["key"], kind, lang, unit), _show(row["mean"], kind, lang, unit, start), band)
    console.print(head)
    table = Table(title=word("t_table", lang), box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column(word("t_metric", lang), overflow="fold", ratio=3)
    for m in payload["months"]:
        tag = "/".join(word(f"t_month_tag_{t}", lang) for t in m["tag"].split("/")) if m["tag"] else ""
        table.add_column(f"{m['date']}\n{tag}".rstrip(), justify="right", no_wrap=True)
    for row in payload["table"]:
        kind = row["kind"]
        unit = money_unit([v for v in row["values"] if v is not None], lang) if kind == "money" else None
        label = metric_label(row["metric"], lang) + (f" ({unit.name})" if unit is not None and lang == "en" else "")
        label += f"({unit.name})" if unit is not None and lang == "zh" else ""
        table.add_row(label, *(_show(v, kind, lang, unit) for v in row["values"]))
    console.print(table)
    if payload.get("channels"):
        unit = money_unit([r["per_person"] for r in payload["channels"]], lang)
        costs = Table(title=word("t_channels", lang), box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        costs.add_column(word("w_channel", lang), overflow="fold", ratio=3)
        costs.add_column(word("w_diverted_end", lang), justify="right", overflow="fold", ratio=1)
        costs.add_column(f"{word('t_per_person', lang)} ({unit.name})", justify="right", overflow="fold", ratio=1)
        for r in payload["channels"]:
            costs.add_row(name("channel", r["channel"], lang), f"{r['diverted']:,.0f}", unit.show(r["per_person"]))
        console.print(costs)


def print_compare_finding(runs: list[RunData], lang: str, file: TextIO | None = None, width: int | None = None) -> str:
    """The comparison's finding, wrapped to the terminal; returns its text."""
    from rich.console import Console

    text = compare_finding(runs, lang).text
    console = Console(file=file, width=width, highlight=False, emoji=False)
    console.print(word("t_finding", lang), style="bold")
    console.print(_escape(text))
    return text


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_line(line: str, file: TextIO | None = None) -> None:
    """One line of text folded to the terminal's width (long paths included)."""
    from rich.console import Console

    Console(file=file, highlight=False, emoji=False).print(_escape(line), overflow="fold")

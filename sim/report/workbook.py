"""The Excel workbook of a run, comparison or sweep: figures a planner pastes into a briefing.

Numbers are written as numbers (money in 万元 in Chinese, thousand yuan in English, the unit in
each header), text cells through `neutralise_cell` so that no cell runs as a formula, headers
in the report's language. It reads only saved results, as the reports do.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.worlds import flatten
from sim.errors import InputError
from sim.report import aggregate as agg
from sim.report.compare_intro import world_note
from sim.report.dates import month_label
from sim.report.finding import compare_finding, paired, run_finding
from sim.report.i18n import CHANNELS, check_lang, metric_label, name
from sim.report.load import RunData, load_compare, load_run, load_sweep, read_manifest
from sim.report.parameters import describe, section
from sim.report.terminal import HEADLINE, channel_costs, headline_rows
from sim.report.units import THOUSAND, WAN, MoneyUnit
from sim.report.words import word
from sim.spreadsheet_cells import neutralise_cell

MONTHLY = (
    "headcount_total",
    "establishment_total",
    "state_awaiting",
    "state_rotating",
    "state_diverted",
    "pool_balance",
    "pool_waiting",
    "pool_unpaid",
    "cost_township",
    "cost_government",
    "savings_cumulative_government",
    "returned_cumulative",
    "overquota_hires_cumulative",
)
MONEY_PREFIXES = (
    "cost_",
    "pool_balance",
    "pool_paid",
    "pool_contributed",
    "pool_put_",
    "pool_charged_",
    "pool_unpaid",
    "savings_",
    "npv_",
)


def workbook_unit(lang: str) -> MoneyUnit:
    """One money unit for the whole workbook: 万元 in Chinese, thousand yuan in English."""
    return WAN if lang == "zh" else THOUSAND


def is_money(metric: str) -> bool:
    """Whether a metric column is in yuan."""
    return metric.startswith(MONEY_PREFIXES) or metric in ("fiscal_gap", "debt")


class Sheets:
    """A thin layer over xlsxwriter: header rows, typed cells, column widths."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
        self.header = self.book.add_format({"bold": True, "bg_color": "#F0F4F8", "text_wrap": True, "valign": "top"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.formats = {
            "people": self.book.add_format({"num_format": "#,##0"}),
            "money": self.book.add_format({"num_format": "#,##0.0"}),
            "probability": self.book.add_format({"num_format": "0.0%"}),
            "number": self.book.add_format({"num_format": "General"}),
            "month": self.book.add_format({"num_format": "0"}),
        }

    def sheet(self, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], kinds: Sequence[str] = ()) -> Any:
        """A sheet with a header row and rows of cells; `kinds` gives each column's number format."""
        ws = self.book.add_worksheet(title[:31])
        for c, h in enumerate(header):
            ws.write_string(0, c, str(neutralise_cell(h)), self.header)
        widths = [min(max(len(str(h)) * 1.1, 8), 40) for h in header]
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                kind = kinds[c] if c < len(kinds) else "number"
                self.cell(ws, r, c, value, kind)
                if isinstance(value, str):
                    widths[c] = min(max(widths[c], len(value) * 1.1), 60)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w + 2)
        ws.freeze_panes(1, 0)
        return ws

    def cell(self, ws: Any, r: int, c: int, value: Any, kind: str = "number") -> None:
        """One cell: a number with its format, a blank for missing, else neutralised text."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            ws.write_blank(r, c, None)
        elif isinstance(value, bool):
            ws.write_boolean(r, c, value)
        elif isinstance(value, int | float | np.integer | np.floating):
            ws.write_number(r, c, float(value), self.formats.get(kind, self.formats["number"]))
        else:
            ws.write_string(r, c, str(neutralise_cell(str(value))))

    def text_sheet(self, title: str, heading: str, lines: Sequence[tuple[str, str]], paragraph: str) -> None:
        """A sheet with a title, key-value lines and a wrapped paragraph."""
        ws = self.book.add_worksheet(title[:31])
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 100)
        ws.write_string(0, 0, str(neutralise_cell(heading)), self.title)
        for r, (key, value) in enumerate(lines, start=2):
            ws.write_string(r, 0, str(neutralise_cell(key)), self.header)
            ws.write_string(r, 1, str(neutralise_cell(value)))
        r = len(lines) + 3
        ws.write_string(r, 0, str(neutralise_cell(word("t_finding", self.lang))), self.header)
        ws.write_string(r, 1, str(neutralise_cell(paragraph)), self.wrap)
        ws.set_row(r, 15 * max(4, len(paragraph) // (50 if self.lang == "zh" else 95) + 2))

    lang = "en"

    def close(self) -> None:
        """Write the file."""
        self.book.close()


def _scaled(value: float | None, kind: str, unit: MoneyUnit) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return unit.scale(value) if kind == "money" else value


def headline_sheet(s: Sheets, run: RunData, lang: str, unit: MoneyUnit) -> None:
    """Headline outcomes with their bands (payback: median and model month, with the calendar month)."""
    header = [word("t_outcome", lang), word("t_mean", lang), "P5", "P95", word("w_calendar", lang)]
    rows = []
    for row in headline_rows(run):
        kind = row["kind"]
        label = word(f"o_{row['key']}", lang, unit=unit.name)
        values = [_scaled(row[k], kind, unit) for k in ("mean", "p5", "p95")]
        when = month_label(run.start, row["mean"]) if kind == "month" and row["mean"] is not None else None
        rows.append([label, *values, when])
    kinds_by_row = [r["kind"] for r in headline_rows(run)]
    ws = s.sheet(word("w_headline", lang), header, [], ())
    for r, (cells, kind) in enumerate(zip(rows, kinds_by_row, strict=True), start=1):
        for c, value in enumerate(cells):
            s.cell(ws, r, c, value, kind if 1 <= c <= 3 else "number")
    ws.set_column(0, 0, 56)


def yearly_cost_sheets(s: Sheets, run: RunData, lang: str, unit: MoneyUnit) -> None:
    """Yearly cost by component, then by payer (calendar years, means over replications)."""
    components = agg.cost_components(run.columns)
    payers = agg.family(run.columns, "cost_by_")
    for key, cols, kind in (("w_cost_component", components, "component"), ("w_cost_payer", payers, "payer")):
        if not cols:
            continue
        sums = agg.yearly_sums(run.bands["mean"][cols], run.start)
        prefix = "cost_by_" if kind == "payer" else "cost_"
        header = [word("w_year", lang)]
        header += [f"{name(kind, c.removeprefix(prefix), lang)} ({unit.name})" for c in cols]
        header.append(f"{word('w_total', lang)} ({unit.name})")
        rows = [[int(y), *(unit.scale(float(v)) for v in r), unit.scale(float(r.sum()))] for y, r in sums.iterrows()]
        s.sheet(word(key, lang), header, rows, ["number", *["money"] * (len(cols) + 1)])


def channel_sheet(s: Sheets, run: RunData, lang: str) -> None:
    """Per channel: diverted by the deadline and the horizon, returned, queue at the deadline (means)."""
    channels = [c.removeprefix("diverted_") for c in agg.family(run.columns, "diverted_", CHANNELS)]
    if not channels:
        return
    header = [
        word("w_channel", lang),
        word("w_diverted_deadline", lang),
        word("w_diverted_end", lang),
        word("w_queue_deadline", lang),
    ]
    rows = []
    for ch in channels:

        def mean_at(col: str, month: int) -> float | None:
            return float(agg.at_month(run.monthly, col, month).mean()) if run.has(col) else None

        rows.append(
            [
                name("channel", ch, lang),
                mean_at(f"diverted_{ch}", run.deadline),
                mean_at(f"diverted_{ch}", run.horizon),
                mean_at(f"queue_{ch}", run.deadline),
            ]
        )
    costs = {r["channel"]: r for r in channel_costs(run)}
    unit = workbook_unit(lang)
    header += [f"{word('tw_one_time', lang, unit=unit.name)}", f"{word('t_per_person', lang)} ({unit.name})"]
    for ch, row in zip(channels, rows, strict=True):
        c = costs.get(ch)
        row += [unit.scale(c["one_time_cost"]), unit.scale(c["per_person"])] if c else [None, None]
    kinds = ["number", "people", "people", "people", "money", "money"]
    s.sheet(word("w_channels", lang), header, rows, kinds)


def risk_sheet(s: Sheets, run: RunData, lang: str) -> None:
    """The risk figures with their Monte Carlo standard errors."""
    header = [
        word("w_figure", lang),
        word("w_read_month", lang),
        word("w_read_calendar", lang),
        word("w_estimate", lang),
        word("w_se", lang),
        "P50",
        "P90",
        word("w_replications", lang),
    ]
    rows = []
    for (figure, month), r in run.risk.iterrows():
        rows.append(
            [
                word(f"r_{figure}", lang) if f"r_{figure}" in RISK_WORDS else figure,
                int(month),
                month_label(run.start, month),
                r["estimate"],
                r["se"],
                r["p50"],
                r["p90"],
                int(r["replications"]),
            ]
        )
    s.sheet(word("w_risk", lang), header, rows, ["number", "month", "number", "number", "number", "number", "number"])


RISK_WORDS = {
    "r_p_over_establishment",
    "r_p_over_establishment_unfinished",
    "r_p_over_establishment_regrowth",
    "r_expected_over_establishment",
    "r_expected_regrowth",
    "r_expected_regrowth_share",
    "r_p_regrowth_share_over_5pct",
    "r_p_five_year_rule_held",
    "r_expected_five_year_increase",
    "r_rebound_share",
    "r_p_pool_dry_by_deadline",
    "r_payback_month_township",
    "r_p_payback_township",
    "r_payback_month_government",
    "r_p_payback_government",
}


def monthly_sheet(s: Sheets, run: RunData, lang: str, unit: MoneyUnit) -> None:
    """Means over replications of key metrics, month by month, with the calendar month."""
    metrics = [m for m in MONTHLY if run.has(m)]
    means = run.bands["mean"][metrics]
    header = [word("w_month", lang), word("w_calendar", lang)]
    header += [metric_label(m, lang) + (f" ({unit.name})" if is_money(m) else "") for m in metrics]
    rows = []
    for month, r in means.iterrows():
        values = [unit.scale(float(r[m])) if is_money(m) else float(r[m]) for m in metrics]
        rows.append([int(month), month_label(run.start, month), *values])
    kinds = ["month", "number", *("money" if is_money(m) else "people" for m in metrics)]
    s.sheet(word("w_monthly", lang), header, rows, kinds)


def township_sheet(s: Sheets, run: RunData, lang: str, unit: MoneyUnit) -> None:
    """by_township.parquet, when the results folder holds it."""
    if run.by_township is None or len(run.by_township) == 0:
        return
    from sim.report.townships import COLUMNS as TOWNSHIP_COLUMNS
    from sim.report.townships import township_table

    table = township_table(run.by_township, run, lang, unit)
    kinds = [
        "number",
        *(
            "money" if c == "one_time_cost" else "probability" if c.startswith("p_") else "people"
            for c, _ in TOWNSHIP_COLUMNS
        ),
    ]
    s.sheet(word("w_townships", lang), list(table.columns), table.to_numpy().tolist(), kinds)


def county_sheet(s: Sheets, run: RunData, lang: str, unit: MoneyUnit) -> None:
    """Each county's figures (means over replications), as the run report's county panel, when the run has
    counties.
    """
    if run.by_county is None or run.by_county.empty:
        return
    from sim.report.county_figures import COLUMNS, county_table

    table = county_table(run.by_county, run.scenario)
    header = [word("w_county", lang)]
    for _, kind, en, zh in COLUMNS:  # money in the workbook's unit, not the report's
        label = (zh if lang == "zh" else en).split("(")[0].strip()
        header.append(f"{label} ({unit.name})" if kind == "money" else label)
    kinds = ["number", *(kind for _, kind, *_ in COLUMNS)]
    rows = [
        [str(county), *(_scaled(float(v), kind, unit) for v, kind in zip(values, kinds[1:], strict=True))]
        for county, values in zip(table.index, table.to_numpy(), strict=True)
    ]
    s.sheet(word("w_counties", lang), header, rows, kinds)


def county_change_sheet(s: Sheets, runs: list[RunData], lang: str, unit: MoneyUnit) -> None:
    """Per county, figure and scenario: the reference's mean and the paired difference (mean, 95% interval, n),
    as the comparison report's county panel, when the reference has counties.
    """
    from sim.report.compare_counties import FIGURES, county_changes

    changes = county_changes(runs)
    if changes is None:
        return
    labels = {figure: zh if lang == "zh" else en for figure, _, en, zh in FIGURES}
    kinds = {figure: kind for figure, kind, *_ in FIGURES}
    header = [
        word("w_county", lang),
        word("t_outcome", lang),
        word("w_scenario", lang),
        runs[0].name,
        word("w_diff", lang),
        "95% low",
        "95% high",
        "n",
    ]
    rows, row_kinds = [], []
    for row in changes.itertuples(index=False):
        kind = kinds[row.figure]
        label = labels[row.figure] + (f" ({unit.name})" if kind == "money" else "")
        values = [_scaled(float(v), kind, unit) for v in (row.reference, row.mean, row.low, row.high)]
        rows.append([str(row.unit), label, str(row.scenario), *values, int(row.n)])
        row_kinds.append(kind)
    ws = s.sheet(word("w_county_changes", lang), header, [], ())
    for r, (cells, kind) in enumerate(zip(rows, row_kinds, strict=True), start=1):
        for c, value in enumerate(cells):
            s.cell(ws, r, c, value, kind if 3 <= c <= 6 else "number")


def parameter_sheet(
    s: Sheets,
    scenario: dict[str, Any],
    sources: dict[str, Any],
    lang: str,
    title: str | None = None,
    ran: dict[str, tuple[Any, str]] | None = None,
) -> None:
    """Every parameter with its value and the file (or default) it came from; `ran` replaces a key's value and
    source by what actually ran (the run's replications and seed, a sweep's varied keys).
    """
    rows = []
    for key, value in flatten(scenario):
        shown = value if isinstance(value, int | float) and not isinstance(value, bool) else _text(value)
        source = sources.get(key)
        description, unit = describe(key)
        where = Path(str(source)).name if source else word("w_default", lang)
        if ran and key in ran:
            shown, where = ran[key]
        rows.append([section(key, lang), key, shown, unit, where, description])
    header = [
        word("w_section", lang),
        word("w_parameter", lang),
        word("w_value", lang),
        word("w_unit_col", lang),
        word("w_source", lang),
        word("w_description", lang),
    ]
    s.sheet(title or word("w_parameters", lang), header, rows)


def as_ran(manifest: dict[str, Any], lang: str) -> dict[str, tuple[Any, str]]:
    """The run's own replications and seed (from the command or spec, not the scenario's [run] defaults)."""
    out: dict[str, tuple[Any, str]] = {}
    for key, field in (("run.replications", "replications"), ("run.seed", "seed")):
        if isinstance(manifest.get(field), int):
            out[key] = (manifest[field], word("w_as_run", lang))
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _about(run: RunData, lang: str) -> list[tuple[str, str]]:
    m = run.manifest
    return [
        (word("w_scenario", lang), run.name),
        (word("w_period", lang), f"{month_label(run.start, 0)} – {month_label(run.start, run.horizon)}"),
        (word("w_deadline", lang), month_label(run.start, run.deadline)),
        (word("w_replications", lang), str(run.replications)),
        (word("w_seed", lang), str(m.get("seed", ""))),
        (word("w_unit", lang), workbook_unit(lang).name),
        ("SHA-256", str(m.get("scenario_sha256", ""))),
    ]


def run_workbook(run: RunData, path: Path, lang: str) -> None:
    """The workbook of one run."""
    unit = workbook_unit(lang)
    s = Sheets(path)
    s.lang = lang
    s.text_sheet(word("w_finding", lang), run.name, _about(run, lang), run_finding(run, lang).text)
    headline_sheet(s, run, lang, unit)
    yearly_cost_sheets(s, run, lang, unit)
    channel_sheet(s, run, lang)
    risk_sheet(s, run, lang)
    county_sheet(s, run, lang, unit)
    township_sheet(s, run, lang, unit)
    monthly_sheet(s, run, lang, unit)
    parameter_sheet(s, run.scenario, run.manifest.get("scenario_sources") or {}, lang, ran=as_ran(run.manifest, lang))
    s.close()


def compare_workbook(runs: list[RunData], path: Path, lang: str) -> None:
    """The workbook of a comparison: finding, outcomes by scenario, paired differences, each run's parameters."""
    unit = workbook_unit(lang)
    s = Sheets(path)
    s.lang = lang
    about = [(word("w_scenario", lang), " · ".join(r.name for r in runs)), (word("w_unit", lang), unit.name)]
    warning = world_note(runs, lang)  # first, as in the report: it qualifies every "better" and "worse"
    finding = compare_finding(runs, lang).text
    s.text_sheet(word("w_finding", lang), about[0][1], about, f"{warning}\n\n{finding}" if warning else finding)
    header = [word("w_scenario", lang), word("t_outcome", lang), word("t_mean", lang), "P5", "P95"]
    rows, row_kinds = [], []
    for run in runs:
        for row in headline_rows(run):
            label = word(f"o_{row['key']}", lang, unit=unit.name)
            rows.append([run.name, label, *(_scaled(row[k], row["kind"], unit) for k in ("mean", "p5", "p95"))])
            row_kinds.append(row["kind"])
    ws = s.sheet(word("w_headline", lang), header, [], ())
    for r, (cells, kind) in enumerate(zip(rows, row_kinds, strict=True), start=1):
        for c, value in enumerate(cells):
            s.cell(ws, r, c, value, kind if c >= 2 else "number")
    header = [word("w_scenario", lang), word("t_outcome", lang), word("w_diff", lang), "95% low", "95% high", "n"]
    rows, row_kinds = [], []
    for other in runs[1:]:
        for key, kind in HEADLINE:
            if key in runs[0].outcomes and key in other.outcomes:
                mean, low, high, n = paired(runs[0], other, key)
                kind = "number" if kind == "month" else kind  # a difference of months keeps its decimals
                scaled = [_scaled(v, kind, unit) for v in (mean, low, high)]
                rows.append([other.name, word(f"o_{key}", lang, unit=unit.name), *scaled, n])
                row_kinds.append(kind)
    ws = s.sheet(word("w_differences", lang), header, [], ())
    for r, (cells, kind) in enumerate(zip(rows, row_kinds, strict=True), start=1):
        for c, value in enumerate(cells):
            s.cell(ws, r, c, value, kind if 2 <= c <= 4 else "number")
    county_change_sheet(s, runs, lang, unit)
    for k, run in enumerate(runs, start=1):
        title = f"{word('w_parameters', lang)[:20]} {k}"
        parameter_sheet(
            s, run.scenario, run.manifest.get("scenario_sources") or {}, lang, title, as_ran(run.manifest, lang)
        )
    s.close()


def sweep_workbook(folder: Path, path: Path, lang: str) -> None:
    """The workbook of a sweep: its design points and the summary of each point (money scaled)."""
    sweep = load_sweep(folder)
    unit = workbook_unit(lang)
    s = Sheets(path)
    s.lang = lang
    s.sheet(word("w_design", lang), list(sweep.design.columns), sweep.design.to_numpy().tolist())
    summary = sweep.summary.copy()
    money = summary["metric"].map(lambda m: is_money(str(m)))
    for col in ("mean", "p5", "p50", "p95"):
        summary.loc[money, col] = summary.loc[money, col] / unit.divisor
    summary.insert(2, word("w_unit", lang), np.where(money, unit.name, ""))
    summary.insert(2, word("t_metric", lang), [metric_label(str(m), lang) for m in summary["metric"]])
    headers = {"point": word("w_point", lang), "month": word("w_month", lang), "mean": word("t_mean", lang)}
    s.sheet(word("w_summary", lang), [headers.get(c, c) for c in summary.columns], summary.to_numpy().tolist())
    if sweep.sobol is not None:
        s.sheet("Sobol", list(sweep.sobol.columns), sweep.sobol.to_numpy().tolist())
    scenario = sweep.manifest.get("base_scenario") or sweep.manifest.get("scenario") or {}
    sources = sweep.manifest.get("base_scenario_sources") or {}
    if isinstance(scenario, dict) and scenario:
        ran = as_ran(sweep.manifest, lang)
        varied = (word("w_varied", lang), word("w_design", lang))
        ran.update({key: varied for key in sweep.parameters})  # the levers among them
        parameter_sheet(s, scenario, sources if isinstance(sources, dict) else {}, lang, ran=ran)
    s.close()


def write_workbook(results: str | Path, path: str | Path, lang: str = "en") -> Path:
    """Write the workbook of a results folder (run, comparison or sweep) to `path`, atomically."""
    check_lang(lang)
    folder, path = Path(results), Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}: expected a file name ending in .xlsx")
    kind = read_manifest(folder).get("kind", "run")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.xlsx")
    try:
        if kind == "run":
            run_workbook(load_run(folder), tmp, lang)
        elif kind == "compare":
            compare_workbook(load_compare(folder), tmp, lang)
        elif kind == "sweep":
            sweep_workbook(folder, tmp, lang)
        else:
            raise InputError(f"{folder}: holds a {kind!r} result; a workbook is written for run, compare or sweep")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path

"""The comparison report: 2–6 scenarios side by side, with paired differences against the first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sim.analysis.worlds import flatten
from sim.errors import InputError
from sim.report import aggregate as agg
from sim.report.common import OUTCOME_KINDS, built_line, fmt, fmt_diff, show_value
from sim.report.compare_counties import add_compare_county_panel
from sim.report.compare_figures import compare_channels, compare_differences, compare_metric, compare_states
from sim.report.compare_intro import what_differs_cards, world_note
from sim.report.finding import compare_finding
from sim.report.html import Cell, Page, esc, write_page
from sim.report.i18n import check_lang, text
from sim.report.load import RunData, as_run, load_compare
from sim.report.localise import localise_figure
from sim.report.words import word

MIN_RUNS, MAX_RUNS = 2, 6
WARNING_STYLE = "background:#fff3cd;border-left:4px solid #c0392b;padding:8px 12px;margin:0"


def as_runs(runs: Sequence[Any] | str | Path) -> list[RunData]:
    """The runs to compare, checked: 2–6 of them, sharing at least one replication and month."""
    loaded = load_compare(runs) if isinstance(runs, str | Path) else [as_run(r) for r in runs]
    if not MIN_RUNS <= len(loaded) <= MAX_RUNS:
        raise InputError(f"a comparison needs {MIN_RUNS} to {MAX_RUNS} scenarios, found {len(loaded)}")
    seen: set[str] = set()
    for i, run in enumerate(loaded):  # scenarios of the same name get -2, -3 as `fenliu compare` names them
        name, k = run.name, 2
        while name in seen:
            name, k = f"{run.name}-{k}", k + 1
        if name != run.name:
            loaded[i] = replace(run, label=name)
        seen.add(name)
    ref = loaded[0]
    for run in loaded[1:]:
        reps = set(ref.monthly["replication"]) & set(run.monthly["replication"])
        months = set(ref.monthly["month"]) & set(run.monthly["month"])
        if not reps or not months:
            raise InputError(
                f"{run.name!r} shares no replication or month with {ref.name!r}: paired differences need both"
            )
    return loaded


def outcome_rows(runs: list[RunData], lang: str) -> tuple[list[list[Cell | str]], int]:
    """Rows of the outcome table and the number of paired replications."""
    ref = runs[0]
    keys = [k for k in OUTCOME_KINDS if all(k in r.outcomes for r in runs)]
    n_pairs = 0
    rows: list[list[Cell | str]] = []
    for key in keys:
        kind = OUTCOME_KINDS[key]
        row: list[Cell | str] = [text(f"out_{key}", lang)]
        for run in runs:
            d = agg.describe(run.outcomes[key])
            shown = fmt(d["mean"], kind, lang)
            if kind != "probability" and d["n"] > 1:
                shown += f" [{fmt(d['p5'], kind, lang)}, {fmt(d['p95'], kind, lang)}]"
            row.append(Cell(shown, d["mean"], numeric=True))
        for run in runs[1:]:
            mean, low, high, n = agg.paired_interval(ref.outcomes[key], run.outcomes[key], kind)
            n_pairs = max(n_pairs, n)
            shown = fmt_diff(mean, kind, lang)
            if n > 1:
                shown += f" [{fmt_diff(low, kind, lang)}, {fmt_diff(high, kind, lang)}]"
            row.append(Cell(shown, mean, numeric=True))
        rows.append(row)
    return rows, n_pairs


def differing_parameters(runs: list[RunData]) -> list[list[Cell | str]]:
    """Rows of parameters whose values differ between the scenarios."""
    flat = [dict(flatten(r.scenario)) for r in runs]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    rows: list[list[Cell | str]] = []
    for key in keys:
        values = [f.get(key) for f in flat]
        if key != "name" and len({repr(v) for v in values}) > 1:
            rows.append([key, *(show_value(v) for v in values)])
    return rows


def compare_report(runs: Sequence[Any] | str | Path, path: str | Path, lang: str = "en") -> Path:
    """Write the comparison report of 2–6 runs (the first is the reference) to `path`."""
    check_lang(lang)
    runs = as_runs(runs)
    names = [r.name for r in runs]
    page = Page(" · ".join(names), text("compare_report", lang), lang)
    warning = world_note(runs, lang)
    if warning:  # before the finding, whose "better" and "worse" it qualifies
        page.html(
            "worlds", text("cmp_world_differs", lang), f'<p class="warning" style="{WARNING_STYLE}">{esc(warning)}</p>'
        )
    page.paragraph("finding", word("t_finding", lang), compare_finding(runs, lang).text)
    page.cards("what-differs", text("sec_cmp_what", lang), what_differs_cards(runs, lang), text("note_cmp_what", lang))
    rows, n_pairs = outcome_rows(runs, lang)
    ref = names[0]
    header: list[Cell | str] = [text("outcome", lang), *(Cell(n, numeric=True) for n in names)]
    header += [Cell(text("difference", lang, ref=ref) + f": {n}", numeric=True) for n in names[1:]]
    note = text("cmp_note", lang, n=n_pairs)
    if len({str(r.manifest.get("seed")) for r in runs}) > 1:
        note += " " + text("cmp_seeds_differ", lang)
    page.table("outcomes", text("cmp_table", lang), header, rows, note)
    add_compare_county_panel(page, runs, lang)  # a province's comparison: which counties change
    figures = [
        ("headcount", text("sec_cmp_headcount", lang), compare_metric(runs, "headcount_total", lang), ""),
        ("differences", text("sec_cmp_diff", lang), compare_differences(runs, lang), text("note_cmp_diff", lang)),
        ("states", text("sec_cmp_states", lang), compare_states(runs, lang), ""),
        ("channels", text("sec_cmp_channels", lang), compare_channels(runs, lang), ""),
        ("savings", text("sec_cmp_savings", lang), compare_metric(runs, "savings_cumulative_government", lang), ""),
    ]
    for anchor, title, fig, note in figures:
        page.figure(anchor, title, localise_figure(fig, runs[0].start, runs[0].horizon, lang), note)
    params = differing_parameters(runs)
    if params:
        page.table("parameters", text("sec_cmp_params", lang), [text("parameter", lang), *names], params)
    else:
        page.table("parameters", text("sec_cmp_params", lang), [text("no_differences", lang)], [])
    footer = []
    for run in runs:
        m = run.manifest
        footer.append(
            (
                run.name,
                f"{text('scenario_hash', lang)} {m.get('scenario_sha256', text('na', lang))} · "
                f"{text('seed', lang)} {m.get('seed', text('na', lang))} · "
                f"{text('replications', lang)} {run.replications} · "
                f"fenliu {(m.get('versions') or {}).get('fenliu', text('na', lang))}",
            )
        )
    page.footer([*footer, built_line(lang)], text("generated_by", lang))
    return write_page(page.render(), path)

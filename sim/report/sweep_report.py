"""The sweep report: a metric against each varied parameter, Sobol indices, the design points."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sim.folders import published_folder
from sim.report.common import built_line, target_path
from sim.report.dates import dated
from sim.report.html import Cell, Page, write_page
from sim.report.i18n import check_lang, metric_label, text
from sim.report.load import as_sweep
from sim.report.robustness import prim_figure, prim_note, robustness, robustness_figure, robustness_note, summary_rows
from sim.report.selector import selector_html
from sim.report.sweep_data import sweep_choice, sweep_points
from sim.report.sweep_figures import (
    sobol_bars,
    sobol_constant,
    sobol_table,
    sweep_heatmap,
    sweep_parcoords,
    sweep_scatter,
)


def _cell(value: Any) -> Cell:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        shown = f"{number:,.4g}" if math.isfinite(number) and not float(number).is_integer() else f"{number:,.0f}"
        return Cell(shown if math.isfinite(number) else "", number if math.isfinite(number) else None, numeric=True)
    return Cell(str(value))


def sweep_report(
    sweep: Any, path: str | Path | None = None, lang: str = "en", metric: str | None = None, month: int | None = None
) -> Path:
    """Write the report of a sweep (a folder or SweepData) to `path` (default: report.html in its folder)."""
    check_lang(lang)
    sw = as_sweep(sweep)
    metric, month = sweep_choice(sw, metric, month)
    label = metric_label(metric, lang)
    when = dated(sw.start, month, lang)
    description = str(sw.manifest.get("description") or "")
    shows = text("sweep_shows", lang, metric=label, month=when)
    page = Page(sw.name, text("sweep_report", lang), lang, f"{description} · {shows}" if description else shows)
    rb = robustness(sw, metric, month)
    if rb is not None:
        page.figure("robustness", text("sec_robustness", lang), robustness_figure(rb, lang), robustness_note(rb, lang))
        header, rows = summary_rows(rb, lang)
        page.table("robustness-table", text("sec_rob_table", lang), header, rows, sortable=True)
        page.figure("prim", text("sec_prim", lang), prim_figure(rb, sw, lang), prim_note(rb, lang))
    scatter = sweep_scatter(sw, lang, metric, month)
    page.figure("scatter", str(scatter.layout.title.text), scatter, text("note_sweep_scatter", lang, month=when))
    page.figure("heatmap", text("sec_sweep_heatmap", lang), sweep_heatmap(sw, lang, metric, month))
    indices = sobol_table(sw, metric, month)
    sobol = sobol_bars(sw, lang, metric, month, indices)
    if sobol_constant(indices):
        page.paragraph("sobol", text("sec_sobol", lang), text("note_sobol_constant", lang, metric=label, month=when))
    if sobol is not None:
        note = text("note_sobol_at", lang, metric=label, month=when)
        page.figure("sobol", str(sobol.layout.title.text), sobol, note)
    page.html("selector", text("sec_selector", lang), selector_html(sw, lang, metric, month),
              text("note_selector", lang, metric=label, month=when))  # fmt: skip
    page.figure("parcoords", text("sec_parcoords", lang), sweep_parcoords(sw, lang, metric, month))
    points = sweep_points(sw, metric, month)
    columns = ["point", *sw.parameters, "mean", "p5", "p50", "p95"]
    header = [
        text("point", lang),
        *sw.parameters,
        *(f"{label}: {s}" for s in (text("mean", lang), "P5", "P50", "P95")),
    ]
    rows = [[_cell(v) for v in row] for row in points[columns].itertuples(index=False)]
    page.table("points", text("sec_points", lang), header, rows, text("note_points", lang), sortable=True)
    m = sw.manifest
    footer = [(text("metric", lang), f"{label} ({metric}), {when}")]
    for key, label_key in (("scenario_sha256", "scenario_hash"), ("seed", "seed"), ("replications", "replications")):
        if key in m:
            footer.append((text(label_key, lang), str(m[key])))
    if (m.get("versions") or {}).get("fenliu"):
        footer.append((text("version", lang), str(m["versions"]["fenliu"])))
    if sw.folder is not None:
        footer.append((text("results_folder", lang), str(published_folder(sw.folder))))
    page.footer([*footer, built_line(lang)], text("generated_by", lang))
    return write_page(page.render(), target_path(path, sw.folder))

"""The sweep page's metric and month selector: any summarised metric at any summary month, offline.

The point means of the summary table are embedded as JSON; three drop-downs (metric, month,
parameter on the x axis) redraw one plotly chart in the page with `Plotly.react`. Nothing is
fetched. Labels are escaped for HTML, and the JSON cannot close its script element.
"""

from __future__ import annotations

import json

from sim.report.dates import dated
from sim.report.html import esc
from sim.report.i18n import metric_label, text
from sim.report.load import SweepData
from sim.report.plot import SCENARIO_COLORS
from sim.report.robustness import levers_and_parameters, policy_labels
from sim.report.sweep_data import PREFERRED_SWEEP_METRICS, key_months, month_table

MAX_NUMBERS = 400_000  # above this many embedded values, offer only the headline metrics


def _metrics(sw: SweepData, chosen: str, months: list[int]) -> list[str]:
    every = list(dict.fromkeys(sw.summary["metric"]))
    if len(every) * len(months) * len(sw.design) <= MAX_NUMBERS:
        return every
    return list(dict.fromkeys([chosen, *(m for m in PREFERRED_SWEEP_METRICS if m in every)]))


def selector_html(sw: SweepData, lang: str, metric: str, month: int) -> str:
    """The selector's HTML and script, starting at `metric` and `month` (or the nearest summary month)."""
    months = key_months(sw)
    dates = {m: dated(sw.start, m, lang) for m in months}  # option text; the value stays the model month
    start_month = month if month in months else min(months, key=lambda m: abs(m - month))
    metrics = _metrics(sw, metric, months)
    levers, uncertain = levers_and_parameters(sw)
    params = [p for p in [*uncertain, *sw.parameters] if p in sw.design.columns]
    params = list(dict.fromkeys(params))  # the uncertain inputs first: the x axis a robustness question wants
    policy = sw.design["policy"].astype(int).tolist() if "policy" in sw.design.columns else [0] * len(sw.design)
    names = policy_labels(sw, levers) if "policy" in sw.design.columns and levers else {}
    data = {
        "values": month_table(sw, metrics, months),
        "x": {p: sw.design[p].tolist() for p in params},
        "policy": policy,
        "colors": list(SCENARIO_COLORS),
        "labels": {m: metric_label(m, lang) for m in metrics},
        "pointWord": text("point", lang),
        "points": sw.design["point"].astype(int).tolist(),
        "policyNames": {str(k): v for k, v in names.items()},
    }
    payload = json.dumps(data, ensure_ascii=False, default=str).replace("<", "\\u003c").replace(">", "\\u003e")

    def options(values: list, chosen: object, label: dict | None = None) -> str:
        return "".join(
            f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(label[v] if label else v)}</option>'
            for v in values
        )

    controls = (
        f'<label>{esc(text("selector_metric", lang))} <select id="sel-metric">'
        f"{options(metrics, metric, data['labels'])}</select></label> "
        f'<label>{esc(text("selector_month", lang))} <select id="sel-month">'
        f"{options(months, start_month, dates)}</select></label> "
        f'<label>x <select id="sel-param">{options(params, params[0] if params else None)}</select></label>'
    )
    return (
        f'<div class="selector">{controls}</div>'
        '<div id="fig-selector" class="plotly-graph-div" style="height:440px"></div>'
        f"<script>(function () {{ var D = {payload};\n{SELECTOR_JS}\n}})();</script>"
    )


SELECTOR_JS = """
var m = document.getElementById("sel-metric"), t = document.getElementById("sel-month"),
    p = document.getElementById("sel-param");
function draw() {
  var y = (D.values[m.value] || {})[t.value] || [];
  var x = D.x[p.value] || D.points;
  var groups = {};
  D.policy.forEach(function (pol, k) { (groups[pol] = groups[pol] || []).push(k); });
  var traces = Object.keys(groups).map(function (pol, g) {
    var idx = groups[pol];
    return {x: idx.map(function (k) { return x[k]; }), y: idx.map(function (k) { return y[k]; }),
            customdata: idx.map(function (k) { return D.points[k]; }),
            mode: "markers", type: "scatter",
            name: D.policyNames[pol] || (Object.keys(groups).length > 1 ? "policy " + pol : ""),
            marker: {color: D.colors[g % D.colors.length], size: 8, opacity: 0.8},
            hovertemplate: D.pointWord + " %{customdata}: %{y:,.4g}<extra></extra>"};
  });
  Plotly.react("fig-selector", traces, {
    margin: {l: 70, r: 20, t: 30, b: 100}, hovermode: "closest",
    xaxis: {title: {text: p.value}}, yaxis: {title: {text: D.labels[m.value] + ", " + t.options[t.selectedIndex].text}},
    legend: {orientation: "h", y: -0.22}}, {displaylogo: false, responsive: true});
}
[m, t, p].forEach(function (el) { el.addEventListener("change", draw); });
if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
"""

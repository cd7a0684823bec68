"""The policy-search report: the Pareto front, the levers of each point, the chosen point against the start.

It reads a search's results folder (pareto.parquet, trials.parquet, manifest.json) written
by `fenliu optimise`, so it needs neither Optuna nor the engine.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.errors import InputError
from sim.folders import published_folder
from sim.report.common import built_line
from sim.report.html import Card, Cell, Page, plot_text, write_page
from sim.report.i18n import check_lang, text
from sim.report.plot import style

_T: dict[str, tuple[str, str]] = {
    "kind": ("Policy search", "政策寻优"),
    "status": ("Outcome", "结论"),
    "feasible": ("Feasible policies found", "找到满足约束的政策"),
    "infeasible": ("No candidate meets every constraint", "没有候选方案满足全部约束"),
    "infeasible_note": (
        "The problem looks infeasible within the levers' ranges: the table shows the least-violating candidates.",
        "在杠杆取值范围内问题看来无可行解:下表列出违反约束最少的候选方案。",
    ),
    "chosen": ("Chosen point", "选定方案"),
    "start_kept": (
        "No candidate found does better than the starting scenario on the first objective while meeting every "
        "constraint: the chosen point is the start (point −1), keep its levers.",
        "没有候选方案在满足全部约束的同时,在首要目标上优于起始情景:选定方案即起始情景(方案 −1),维持其杠杆取值。",
    ),
    "start": ("Starting scenario", "起始情景"),
    "front": ("Pareto front", "帕累托前沿"),
    "front_note": (
        "Grey: every candidate of the search (search-phase estimates). Coloured: candidates confirmed by the "
        "simulation (mean ± 1.96 SE). Star: the starting scenario.",
        "灰点:搜索阶段的全部候选(搜索阶段估计);彩色:经仿真确认的候选(均值 ± 1.96 标准误);星号:起始情景。",
    ),
    "searched": ("searched", "搜索候选"),
    "confirmed_ok": ("confirmed, feasible", "确认:可行"),
    "confirmed_bad": ("confirmed, infeasible", "确认:不可行"),
    "levers": ("Levers of each point", "各方案的杠杆取值"),
    "levers_note": (
        "Each confirmed point's lever values (export one with: fenliu optimise SPEC --export N).",
        "各确认方案的杠杆取值(导出为情景文件:fenliu optimise SPEC --export N)。",
    ),
    "points": ("Confirmed points", "确认方案"),
    "points_note": (
        "Objectives are means over replications; constraints are estimates ± their Monte Carlo standard error. "
        "*: the standard error is still above its target after the most replications allowed "
        "(budget.confirm_replications): whether the point meets that constraint is uncertain.",
        "目标为各次重复的均值;约束为估计值 ± 蒙特卡洛标准误。*:达到确认重复次数上限"
        "(budget.confirm_replications)后标准误仍高于目标,该约束是否满足尚不确定。",
    ),
    "compare": ("Chosen point against the starting scenario", "选定方案与起始情景对比"),
    "compare_note": (
        "The same replications (common random numbers) for both; difference = chosen − start.",
        "两者使用相同的随机数(共同随机数);差值 = 选定方案 − 起始情景。",
    ),
    "figure": ("Figure", "指标"),
    "difference": ("Difference", "差值"),
    "point": ("Point", "方案"),
    "feasible_col": ("Feasible", "可行"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "replications": ("Replications", "重复次数"),
    "spec": ("Spec", "寻优设定"),
    "seed": ("Seed", "随机种子"),
    "constraints": ("Constraints", "约束"),
    "objectives": ("Objectives", "目标"),
    "time": ("Time", "用时"),
}


def _t(key: str, lang: str) -> str:
    pair = _T[key]
    return pair[1] if lang == "zh" else pair[0]


def _num(value: Any) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return ""
    return f"{x:,.0f}" if abs(x) >= 100 or x.is_integer() else f"{x:,.4g}"


def _cell(value: Any) -> Cell:
    if isinstance(value, bool):
        return Cell(str(value))
    if isinstance(value, int | float):
        return Cell(_num(value), float(value) if math.isfinite(float(value)) else None, numeric=True)
    return Cell(str(value))


def _front(pareto: pd.DataFrame, trials: pd.DataFrame, x: str, y: str, lang: str) -> go.Figure:
    fig = go.Figure()
    ok = trials[trials.get("state", "complete") == "complete"] if "state" in trials else trials
    if x in ok and y in ok:
        fig.add_trace(
            go.Scatter(x=ok[x], y=ok[y], mode="markers", name=_t("searched", lang), marker={"color": "#bcccdc"})
        )
    cand = pareto[pareto["point"] >= 0]
    for feasible, color, key in ((True, "#2680c2", "confirmed_ok"), (False, "#d64545", "confirmed_bad")):
        sub = cand[cand["feasible"] == feasible]
        if sub.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=sub[x],
                y=sub[y],
                mode="markers+text",
                text=[str(p) for p in sub["point"]],
                textposition="top center",
                name=_t(key, lang),
                marker={"color": color, "size": 10},
                error_x={"array": 1.96 * sub[f"{x}_se"]} if f"{x}_se" in sub else None,
                error_y={"array": 1.96 * sub[f"{y}_se"]} if f"{y}_se" in sub else None,
            )
        )
    start = pareto[pareto["point"] == -1]
    if not start.empty:
        fig.add_trace(
            go.Scatter(
                x=start[x],
                y=start[y],
                mode="markers",
                name=_t("start", lang),
                marker={"symbol": "star", "size": 16, "color": "#f0b429"},
            )
        )
    style(fig, _t("front", lang), hover="closest")
    fig.update_xaxes(title_text=plot_text(x))
    fig.update_yaxes(title_text=plot_text(y))
    return fig


def optimise_report(folder: str | Path, path: str | Path | None = None, lang: str = "en") -> Path:
    """Write the report of a search's results folder to `path` (default: report.html in it)."""
    check_lang(lang)
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        pareto = pd.read_parquet(folder / "pareto.parquet")
        trials = pd.read_parquet(folder / "trials.parquet")
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder}: not a policy-search results folder ({exc})") from None
    spec = manifest["spec"]
    objectives, constraints, levers = list(spec["objectives"]), list(spec["constraints"]), list(spec["levers"])
    page = Page(manifest["name"], _t("kind", lang), lang, manifest.get("description", ""))
    status = manifest["status"]
    cards = [Card(_t("status", lang), _t(status, lang))]
    chosen = pareto[pareto["chosen"]]
    start = pareto[pareto["point"] == -1]
    for name in objectives:
        if not chosen.empty:
            lines = (f"{_t('start', lang)}: {_num(start.iloc[0][name])}",) if not start.empty else ()
            cards.append(
                Card(f"{_t('chosen', lang)} {int(chosen.iloc[0]['point'])}: {name}", _num(chosen.iloc[0][name]), lines)
            )
    notes = [] if status == "feasible" else [_t("infeasible_note", lang)]
    if not chosen.empty and int(chosen.iloc[0]["point"]) == -1:
        notes.append(_t("start_kept", lang))
    note = " ".join(notes)
    page.cards("outcome", _t("status", lang), cards, note)
    x = objectives[0]
    y = objectives[1] if len(objectives) > 1 else (constraints[0] if constraints else objectives[0])
    page.figure("front", _t("front", lang), _front(pareto, trials, x, y, lang), _t("front_note", lang))
    header = [_t("point", lang), *levers]
    rows = [[_cell(int(r["point"])), *(_cell(r[k]) for k in levers)] for _, r in pareto.iterrows()]
    page.table("levers", _t("levers", lang), header, rows, _t("levers_note", lang), sortable=True)
    header = [_t("point", lang), *objectives, *constraints, _t("feasible_col", lang), _t("replications", lang)]
    rows = []
    for _, r in pareto.iterrows():
        cons = [
            Cell(
                f"{_num(r[c])} ± {_num(r[f'{c}_se'])}" + ("" if r.get(f"{c}_within_error", True) else " *"),
                float(r[c]),
                numeric=True,
            )
            for c in constraints
        ]
        rows.append(
            [
                _cell(int(r["point"])),
                *(_cell(r[o]) for o in objectives),
                *cons,
                Cell(_t("yes" if r["feasible"] else "no", lang)),
                _cell(int(r["replications"])),
            ]
        )
    page.table("points", _t("points", lang), header, rows, _t("points_note", lang), sortable=True)
    if not chosen.empty and not start.empty:
        c, s = chosen.iloc[0], start.iloc[0]
        rows = []
        for name in [*objectives, *constraints]:
            rows.append([Cell(name), _cell(s[name]), _cell(c[name]), _cell(c[name] - s[name])])
        for key in levers:
            rows.append([Cell(key), Cell(str(s[key])), Cell(str(c[key])), Cell("")])
        header = [_t("figure", lang), _t("start", lang), _t("chosen", lang), _t("difference", lang)]
        page.table("compare", _t("compare", lang), header, rows, _t("compare_note", lang))
    footer = [
        (_t("spec", lang), str(manifest.get("spec_file"))),
        (_t("seed", lang), str(manifest.get("seed"))),
        (_t("objectives", lang), "; ".join(f"{k}: {v}" for k, v in manifest.get("objectives", {}).items())),
        (_t("constraints", lang), "; ".join(f"{k}: {v}" for k, v in manifest.get("constraints", {}).items())),
        (_t("time", lang), f"{manifest.get('timings', {}).get('total_s', math.nan):.1f} s"),
        (text("results_folder", lang), str(published_folder(folder))),
        built_line(lang),
    ]
    page.footer(footer, text("generated_by", lang))
    return write_page(page.render(), Path(path) if path is not None else folder / "report.html")

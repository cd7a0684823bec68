"""Figures as a planner reads them: calendar dates on month axes, 万元 / million yuan on money axes,
units in every hover text, and plotly's toolbar in Chinese.

`localise_figure` rewrites a finished figure: a month axis (its traces' x are the model months
0…horizon) gets calendar dates (`time.start` + month), its hover the model month too; an axis in
millions of yuan is shown in 万元 or 亿元 in Chinese and million yuan in English; every hover
names its unit. The figure modules keep building in model months and millions, so this is the one
place where the units a finance bureau uses are decided.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sim.report.dates import month_dates
from sim.report.i18n import text

MONTH_WORD = {"en": "month {m}", "zh": "第{m}月"}
AXIS_TITLE = {"en": "Calendar month", "zh": "日历月份"}


def _ref(axis_name: str) -> str:
    """'xaxis2' → 'x2'."""
    return axis_name[0] + axis_name[5:]


def _month_axes(fig: go.Figure, horizon: int) -> set[str]:
    """The x axis refs whose traces plot model months."""
    refs: set[str] = set()
    for trace in fig.data:
        if trace.type not in ("scatter", "scattergl", "bar") or getattr(trace, "orientation", None) == "h":
            continue
        x = np.asarray(trace.x if trace.x is not None else [], dtype=object)
        try:
            values = x.astype(float)
        except (TypeError, ValueError):
            continue
        finite = values[np.isfinite(values)]
        if len(finite) == 0 or (finite != np.round(finite)).any() or finite.min() < 0 or finite.max() > horizon:
            continue
        if len(np.unique(finite)) >= min(12, horizon) and finite.max() == horizon:
            refs.add(trace.xaxis or "x")
    return refs


def _dates(start: str, values: Any) -> list[str | None]:
    out: list[str | None] = []
    months = np.asarray(values, dtype=float)
    stamps = month_dates(start, [int(m) if np.isfinite(m) else 0 for m in months])
    for m, stamp in zip(months, stamps, strict=True):
        out.append(stamp.strftime("%Y-%m-%d") if np.isfinite(m) else None)
    return out


def dated_axes(fig: go.Figure, start: str, horizon: int, lang: str) -> set[str]:
    """Calendar dates on every month axis of `fig`; returns the refs of the axes changed."""
    refs = _month_axes(fig, horizon)
    if not refs:
        return refs
    shown: set[str] = set()
    for trace in fig.data:
        ref = getattr(trace, "xaxis", None) or "x"
        if ref not in refs:
            continue
        months = np.asarray(trace.x, dtype=float)
        trace.x = _dates(start, months)
        template = getattr(trace, "hovertemplate", None)
        if template and "<extra>" in template and ref not in shown and trace.hoverinfo != "skip":
            shown.add(ref)  # the model month once per panel: the unified hover lists every trace
            data = np.asarray(trace.customdata) if trace.customdata is not None else np.zeros((len(months), 0))
            data = data.reshape(len(months), -1) if data.size else np.zeros((len(months), 0))
            k = data.shape[1]
            trace.customdata = np.column_stack([data, months])
            word = MONTH_WORD[lang].format(m=f"%{{customdata[{k}]:.0f}}")
            trace.hovertemplate = template.replace("<extra>", f" ({word})<extra>", 1)
    for key in list(fig.layout.to_plotly_json()):
        if key.startswith("xaxis") and _ref(key) in refs:
            axis = fig.layout[key]
            title = axis.title.text if axis.title is not None else None
            axis.update(type="date", tickformat="%Y-%m", hoverformat="%Y-%m")
            if title in (text("month", "en"), text("month", "zh")):
                axis.title.text = AXIS_TITLE[lang]
    for shape in fig.layout.shapes or ():
        if (shape.xref or "x") in refs and shape.x0 is not None and not isinstance(shape.x0, str):
            shape.x0, shape.x1 = _dates(start, [shape.x0, shape.x1])
    for note in fig.layout.annotations or ():
        if (note.xref or "x") in refs and isinstance(note.x, int | float):
            note.x = _dates(start, [note.x])[0]
            if note.text in (text("reform", lang), text("deadline", lang)):
                note.text = f"{note.text} ({note.x[:7]})"
    return refs


def money_axes(fig: go.Figure, lang: str) -> None:
    """Axes in millions of yuan shown in 万元 / 亿元 (Chinese) or million yuan (English), with the unit in hover."""
    millions = {text("million_yuan", "en"), text("million_yuan", "zh")}
    people = {text("people", "en"), text("people", "zh")}
    units: dict[str, tuple[float, str]] = {}
    for key in list(fig.layout.to_plotly_json()):
        if not key.startswith("yaxis"):
            continue
        axis = fig.layout[key]
        title = axis.title.text if axis.title is not None else None
        if title in millions:
            units[_ref(key)] = (1.0, "million yuan") if lang == "en" else (100.0, "万元")
        elif title in people:
            units[_ref(key)] = (1.0, "people" if lang == "en" else "人")
    titled = {_ref(k) for k in fig.layout.to_plotly_json() if k.startswith("yaxis")}
    shared = {units[r] for r in titled if r in units}
    if len(shared) == 1 and all(r in units for r in titled if _has_title(fig, r)):
        for ref in titled:  # subplots that leave their y title to the first panel share its unit
            if ref not in units and _numeric_y(fig, ref):
                units[ref] = next(iter(shared))
    if lang == "zh":  # large totals in 亿元
        for ref, (factor, unit) in list(units.items()):
            if unit == "万元" and _largest(fig, ref) * factor >= 1e4:
                units[ref] = (1.0 / 100.0, "亿元")
    for trace in fig.data:
        ref = getattr(trace, "yaxis", None) or "y"
        if ref not in units:
            continue
        factor, unit = units[ref]
        if factor != 1.0:
            if trace.y is not None:
                trace.y = np.asarray(trace.y, dtype=float) * factor
            if trace.customdata is not None and unit != "人":
                data = np.asarray(trace.customdata, dtype=float)
                if (
                    data.ndim == 2
                    and data.shape[1] >= 2
                    and trace.hovertemplate
                    and "customdata[1]" in trace.hovertemplate
                ):
                    data[:, :2] *= factor  # the band's P5 and P95
                    trace.customdata = data
        template = getattr(trace, "hovertemplate", None)
        if template and "<extra>" in template and "%{y" in template:
            head, _, tail = template.partition("<extra>")
            number_end = head.index("}", head.index("%{y")) + 1
            if " [" in head[number_end:] and "]" in head[number_end:]:
                number_end = head.rindex("]") + 1  # after the band "[P5–P95]"
            trace.hovertemplate = head[:number_end] + f" {unit}" + head[number_end:] + "<extra>" + tail
        elif not template and trace.hoverinfo != "skip":
            trace.hovertemplate = f"%{{y:,.1f}} {unit}<extra>%{{fullData.name}}</extra>"
    for key in list(fig.layout.to_plotly_json()):
        if key.startswith("yaxis") and _ref(key) in units:
            factor, unit = units[_ref(key)]
            if unit not in ("people", "人"):
                fig.layout[key].title.text = unit if lang == "zh" else "Million yuan"


def _numeric_y(fig: go.Figure, ref: str) -> bool:
    """Whether every trace on y axis `ref` plots numbers upwards (not categories, not horizontal bars)."""
    traces = [t for t in fig.data if (getattr(t, "yaxis", None) or "y") == ref]
    for t in traces:
        if getattr(t, "orientation", None) == "h" or t.y is None:
            return False
        try:
            np.asarray(t.y, dtype=float)
        except (TypeError, ValueError):
            return False
    return bool(traces)


def _has_title(fig: go.Figure, ref: str) -> bool:
    axis = fig.layout["yaxis" + ref[1:]]
    return axis.title is not None and bool(axis.title.text)


def _largest(fig: go.Figure, ref: str) -> float:
    values = [
        np.nanmax(np.abs(np.asarray(t.y, dtype=float)))
        for t in fig.data
        if (getattr(t, "yaxis", None) or "y") == ref and t.y is not None and len(t.y)
    ]
    return float(max(values, default=0.0))


def localise_figure(fig: go.Figure | None, start: str, horizon: int, lang: str) -> go.Figure | None:
    """Dates, money units and hover units of a finished report figure (None passes through)."""
    if fig is None:
        return None
    money_axes(fig, lang)  # first: the hover's unit goes right after the number and its band
    dated_axes(fig, start, horizon, lang)
    return fig


# plotly.js's toolbar and number formats in Chinese (registered once per page, used with locale "zh-CN")
ZH_LOCALE = {
    "moduleType": "locale",
    "name": "zh-CN",
    "dictionary": {
        "Autoscale": "自动缩放",
        "Box Select": "矩形选择",
        "Click to enter Colorscale title": "点击输入色标标题",
        "Click to enter Plot title": "点击输入图表标题",
        "Click to enter X axis title": "点击输入X轴标题",
        "Click to enter Y axis title": "点击输入Y轴标题",
        "Compare data on hover": "悬停时比较数据",
        "Double-click on legend to isolate one trace": "双击图例只显示该数据",
        "Double-click to zoom back out": "双击复原",
        "Download plot as a png": "下载为PNG图片",
        "Download plot": "下载图表",
        "Lasso Select": "套索选择",
        "Orbital rotation": "轨道旋转",
        "Pan": "平移",
        "Produced with Plotly.js": "由 Plotly.js 生成",
        "Reset": "重置",
        "Reset axes": "重置坐标轴",
        "Reset view": "重置视图",
        "Reset views": "重置视图",
        "Show closest data on hover": "悬停时显示最近的数据",
        "Snapshot succeeded": "截图成功",
        "Sorry, there was a problem downloading your snapshot!": "抱歉,下载截图时出错!",
        "Taking snapshot - this may take a few seconds": "正在截图,可能需要几秒钟",
        "Toggle Spike Lines": "切换辅助线",
        "Toggle show closest data on hover": "切换悬停时显示最近的数据",
        "Zoom": "缩放",
        "Zoom in": "放大",
        "Zoom out": "缩小",
        "trace": "数据",
        "mean": "均值",
        "median": "中位数",
        "min": "最小值",
        "max": "最大值",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
        "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
        "date": "%Y-%m-%d",
        "decimal": ".",
        "thousands": ",",
    },
}
ZH_LOCALE_JS = f"Plotly.register({json.dumps(ZH_LOCALE, ensure_ascii=False)});"

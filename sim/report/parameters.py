"""What each scenario parameter means, for parameter tables: its section in the reader's language,
the schema's description and unit.

The description and unit come from the scenario schema (`sim.scenario.schema`, English); the
section names are translated here, so a Chinese reader sees 改革 › deadline_month with its unit.
"""

from __future__ import annotations

import typing
from functools import cache
from typing import Any

from pydantic import BaseModel

from sim.scenario.schema import Scenario

SECTIONS: dict[str, tuple[str, str]] = {
    "name": ("Name", "方案名称"),
    "description": ("Description", "方案说明"),
    "extends": ("Extends", "继承自"),
    "time": ("Time", "时间"),
    "run": ("Run", "运行"),
    "output": ("Output", "输出"),
    "population": ("Population", "人员"),
    "township_classes": ("Township classes", "乡镇类别"),
    "attrition": ("Natural attrition", "自然减员"),
    "reform": ("Reform", "改革"),
    "hiring": ("Hiring (only exit, no entry)", "进人(只出不进)"),
    "diversion": ("Diversion", "分流"),
    "channels": ("Diversion channels", "分流渠道"),
    "pool": ("Severance funding pool", "补偿金资金池"),
    "money": ("Money", "资金"),
    "finances": ("Township finances", "乡镇财政"),
    "rebound": ("Rebound", "反弹"),
}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (itself, a list or dict of it, or an optional one)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


@cache
def describe(dotted: str) -> tuple[str, str]:
    """(description, unit) of a dotted scenario key; empty strings when the schema does not say."""
    model: type[BaseModel] | None = Scenario
    info = None
    for part in dotted.split("."):
        if model is None:
            return "", ""
        if part.isdigit():
            continue  # a position in a list of sections
        fields = model.model_fields
        if part not in fields:
            # a free key (a channel id, a contributor name) in a mapping of sections
            continue
        info = fields[part]
        model = _model_of(info.annotation)
    if info is None:
        return "", ""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return str(info.description or ""), str(extra.get("unit", ""))


def section(dotted: str, lang: str) -> str:
    """The top-level section of a dotted key, in `lang`."""
    top = dotted.split(".")[0]
    pair = SECTIONS.get(top)
    if pair is None:
        return top
    return pair[1] if lang == "zh" else pair[0]

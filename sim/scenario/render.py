"""Print a resolved scenario as TOML, each value followed by the layer that set it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sim.scenario.loader import DEFAULT_SOURCE, scenario_sources
from sim.scenario.schema import Scenario


def toml_literal(value: Any) -> str:
    """`value` (bool, number, string or list of them) written as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as a TOML literal")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _emit(data: Mapping[str, Any], prefix: str, sources: Mapping[str, str], out: list[str], with_sources: bool) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping) and not _is_table_list(v)}
    width = max((len(k) + len(toml_literal(v)) for k, v in scalars.items() if v is not None), default=0) + 3
    for key, value in scalars.items():
        dotted = f"{prefix}{key}"
        if value is None:
            line = f"# {key} is unset"
        else:
            line = f"{key} = {toml_literal(value)}"
        if with_sources:
            line = f"{line:<{width}}  # {sources.get(dotted, DEFAULT_SOURCE)}"
        out.append(line)
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.extend(["", f"[{dotted}]"])
            _emit(value, dotted + ".", sources, out, with_sources)
        elif _is_table_list(value):
            for i, item in enumerate(value):
                out.extend(["", f"[[{dotted}]]"])
                _emit(item, f"{dotted}.{i}.", sources, out, with_sources)


def to_toml(scenario: Scenario, with_sources: bool = True) -> str:
    """The resolved scenario as TOML; with sources, each value is annotated with its layer."""
    data = scenario.model_dump(mode="json")
    sources = scenario_sources(scenario)
    # a value set inside a list of tables is attributed to the list when the layer replaced it
    resolved = {}
    for key in _dotted_keys(data):
        probe = key
        while probe and probe not in sources:
            probe = probe.rpartition(".")[0]
        resolved[key] = sources.get(probe, DEFAULT_SOURCE)
    out: list[str] = []
    _emit(data, "", resolved, out, with_sources)
    return "\n".join(out).lstrip("\n") + "\n"


def _dotted_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            keys.extend(_dotted_keys(value, dotted + "."))
        elif _is_table_list(value):
            for i, item in enumerate(value):
                keys.extend(_dotted_keys(item, f"{dotted}.{i}."))
        else:
            keys.append(dotted)
    return keys

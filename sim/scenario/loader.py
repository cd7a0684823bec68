"""Load scenario files: resolve `extends`, apply dotted overrides, validate, remember sources.

Layers, lowest first: schema defaults, the chain of `extends` files (base first), then
overrides (sweep points, `--set`). Every leaf value remembers the layer that set it.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from sim.errors import InputError
from sim.scenario.schema import Scenario
from sim.scenario.section import unit_of

DEFAULT_SOURCE = "default"
PATH_KEYS = ("population.roster", "population.townships_file", "population.roster_columns")
BOUND_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError("scenario file not found", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("expected a scenario file (TOML), found a folder", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the scenario file ({exc.strerror or exc})", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"expected TOML text in UTF-8, found a byte that is not UTF-8 at position {exc.start} (a file saved "
            "in GBK, or not a text file?); save it as UTF-8",
            source=str(path),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(path)) from None


def _leaves(data: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, dotted + ".")
        else:
            yield dotted, value


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; arrays and scalars in `top` replace those in `base`."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _absolutise_paths(data: dict[str, Any], folder: Path) -> None:
    """Make file paths given in a layer relative to that layer's own folder."""
    for dotted in PATH_KEYS:
        head, _, leaf = dotted.rpartition(".")
        table = data.get(head)
        if isinstance(table, dict) and isinstance(table.get(leaf), str):
            table[leaf] = str((folder / table[leaf]).resolve())


def _file_layers(path: Path, chain: tuple[Path, ...] = ()) -> list[tuple[str, dict[str, Any]]]:
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise InputError(f"'extends' forms a cycle: {cycle}", source=str(chain[-1]))
    data = _read_toml(path)
    parent = data.pop("extends", None)
    _absolutise_paths(data, path.parent)
    layers: list[tuple[str, dict[str, Any]]] = []
    if parent is not None:
        if not isinstance(parent, str):
            raise InputError(f"key 'extends': expected a relative file path, found {parent!r}", source=str(path))
        target = (path.parent / parent).resolve()
        if not target.exists():
            raise InputError(f"key 'extends': file {parent!r} not found (looked for {target})", source=str(path))
        layers = _file_layers(target, (*chain, path))
    layers.append((str(path), data))
    return layers


def parse_override(text: str) -> tuple[str, Any]:
    """Parse 'dotted.key=value', the value as a TOML literal (bare words are strings)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(f"override {text!r}: expected KEY=VALUE, e.g. reform.cut_admin=0.2")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def _set_dotted(data: dict[str, Any], dotted: str, value: Any, origin: str) -> None:
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[_index(part, node, dotted, origin)]
            continue
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        elif not isinstance(nxt, (dict, list)):
            raise InputError(f"key {'.'.join(parts[: i + 1])!r} is a value, not a table", source=origin)
        node = nxt
    last = parts[-1]
    if isinstance(node, list):
        node[_index(last, node, dotted, origin)] = value
    else:
        node[last] = value


def _index(part: str, node: list[Any], dotted: str, origin: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise InputError(f"key {dotted!r}: {part!r} is not an index of a list of {len(node)}", source=origin)
    return int(part)


def _expand_lists(data: Mapping[str, Any], prefix: str = "") -> Iterable[str]:
    """Dotted leaf keys, with list elements numbered (township_classes.0.name)."""
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _expand_lists(value, dotted + ".")
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for i, item in enumerate(value):
                yield from _expand_lists(item, f"{dotted}.{i}.")
        else:
            yield dotted


def _loc_to_key(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _source_of(key: str, sources: Mapping[str, str]) -> str:
    below = [origin for k, origin in sources.items() if k.startswith(key + ".")] if key not in sources else []
    if below:  # a table named only through its keys (e.g. --set channels.pilot.open=true)
        return max(below, key=lambda origin: _layer_rank(origin, sources))
    while key:
        if key in sources:
            return sources[key]
        key = key.rpartition(".")[0]
    return DEFAULT_SOURCE


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The section model a field holds (directly, in a list of tables, or optional)."""
    for tp in (annotation, *get_args(annotation)):
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return tp
    return None


def _table_model(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The section model holding the last key of `loc` (None when the path leaves the schema)."""
    model: type[BaseModel] | None = Scenario
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        model = _model_in(field.annotation) if field is not None else None
    return model


def _unknown_key(loc: tuple[Any, ...]) -> str:
    """Message for an unknown key: the closest valid key, or the valid keys of its table."""
    model = _table_model(loc)
    if model is None:
        return "unknown key (not in the scenario schema; see docs/scenario-reference.md)"
    valid = list(model.model_fields)
    table = _loc_to_key(loc[:-1])
    where = f"[{table}]" if table else "the top level"
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
    if close:
        return f"unknown key; did you mean {close[0]!r}? (the keys of {where} are in docs/scenario-reference.md)"
    return f"unknown key; expected one of the keys of {where}: {', '.join(valid)}"


def _layer_rank(origin: str, sources: Mapping[str, str]) -> int:
    """Later layers rank higher: overrides above files, files in the order they were layered."""
    order = list(dict.fromkeys(sources.values()))
    return order.index(origin) if origin in order else -1


def _validation_error(exc: ValidationError, sources: Mapping[str, str], fallback: str) -> InputError:
    lines = []
    for err in exc.errors():
        key = _loc_to_key(err["loc"])
        if not key or err["type"] == "value_error":
            # a rule spanning keys: blame the first dotted key the message names, if any
            named = re.findall(r"\b([a-z_]+(?:\.[a-z_0-9]+)+)\b", err["msg"])
            named = [f"{key}.{n}" if key and not n.startswith(key) and f"{key}.{n}" in sources else n for n in named]
            set_by = [n for n in named if n in sources]
            if set_by:
                key = max(set_by, key=lambda n: _layer_rank(sources[n], sources))
        origin = _source_of(key, sources) if key else fallback
        if origin == DEFAULT_SOURCE:
            origin = fallback
        found = err.get("input")
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = _unknown_key(err["loc"])
        elif not isinstance(found, (dict, list)) and "found" not in msg:
            model = _table_model(err["loc"]) if err["type"] in BOUND_ERRORS and err["loc"] else None
            unit = unit_of(model, str(err["loc"][-1])) if model is not None else ""
            unit = "" if unit in ("share", "YYYY-MM") else unit  # shares are plain numbers
            msg = f"{msg}{' ' + unit if unit else ''}; found {found!r}"
        lines.append(f"{origin}: key {key or '(top level)'!r}: {msg}")
    return InputError("invalid scenario\n  " + "\n  ".join(lines))


def _record(sources: dict[str, str], keys: Iterable[str], origin: str) -> None:
    """Note that `origin` set `keys`, moving them to the end so that origins stay in layer order.

    The blame for a rule spanning keys goes to the latest layer (`_layer_rank`), which reads
    the order of `sources`: it must follow the layers, never a set's (hash-seeded) order.
    """
    for key in keys:
        sources.pop(key, None)
        sources[key] = origin


def _replaced(key: str, new: set[str]) -> bool:
    """Whether a strict ancestor of dotted `key` is among the keys a layer sets."""
    parts = key.split(".")
    return any(".".join(parts[:n]) in new for n in range(1, len(parts)))


def build_scenario(
    layers: list[tuple[str, dict[str, Any]]],
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    override_source: str = "--set",
) -> Scenario:
    """Merge named layers and overrides into a validated Scenario with value sources."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for origin, data in layers:
        merged = _merge(merged, data)
        new = list(_expand_lists(data))
        # a value that replaces a deeper table or list drops the sources of what it replaced
        new_set = set(new)
        for old in [k for k in sources if _replaced(k, new_set)]:
            del sources[old]
        _record(sources, new, origin)
    items = overrides.items() if isinstance(overrides, Mapping) else (parse_override(o) for o in overrides or ())
    fallback = layers[-1][0] if layers else override_source
    for key, value in items:
        _set_dotted(merged, key, value, override_source)
        _record(sources, [key], override_source)
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise _validation_error(exc, sources, fallback) from None
    object.__setattr__(scenario, "_sources", sources)
    return scenario


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | Iterable[str] | None = None) -> Scenario:
    """Load a scenario file, resolving `extends` and applying dotted overrides.

    `overrides` is a mapping {dotted.key: value} or strings 'dotted.key=value'.
    """
    layers = _file_layers(Path(path))
    return build_scenario(layers, overrides)


def scenario_sources(scenario: Scenario) -> dict[str, str]:
    """Which layer set each dotted key (keys absent here hold schema defaults)."""
    return dict(getattr(scenario, "_sources", {}))


def _assign(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with `dotted` set, copying only the tables along the path (KeyError if it cannot)."""
    head, _, rest = dotted.partition(".")
    out = dict(data)
    if not rest:
        out[head] = value
        return out
    node = out.get(head)
    if isinstance(node, list) and rest.partition(".")[0].isdigit():
        idx_text, _, tail = rest.partition(".")
        idx = int(idx_text)
        items = list(node)
        if idx < len(items) and isinstance(items[idx], dict) and tail:
            items[idx] = _assign(items[idx], tail, value)
        elif idx < len(items) and not tail:
            items[idx] = value
        else:
            raise KeyError(dotted)
        out[head] = items
        return out
    if node is not None and not isinstance(node, dict):
        raise KeyError(dotted)
    out[head] = _assign(node or {}, rest, value)
    return out


def resolved_with(data: Mapping[str, Any], overrides: Mapping[str, Any], origin: str = "override") -> Scenario:
    """A resolved scenario (`data`, as `model_dump(mode="json")`) with dotted overrides, validated.

    Fast enough for thousands of sweep points: only the tables along each key's path are
    copied and the result is validated once. On any problem the layered build runs instead,
    so that the InputError names the key and the layer (`origin`).
    """
    if not isinstance(overrides, Mapping):  # 'key=value' strings: parsed by the layered build
        return build_scenario([("resolved", dict(data))], overrides, override_source=origin)
    try:
        out = dict(data)
        for key, value in overrides.items():
            out = _assign(out, key, value)
        return Scenario.model_validate(out)
    except (KeyError, ValidationError):
        return build_scenario([("resolved", dict(data))], overrides, override_source=origin)


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any], origin: str = "override") -> Scenario:
    """A new scenario: `scenario` with dotted overrides layered on top (sweep points)."""
    new = resolved_with(scenario.model_dump(mode="json"), overrides, origin)
    sources = scenario_sources(scenario)
    _record(sources, list(overrides), origin)
    object.__setattr__(new, "_sources", sources)
    return new


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the resolved scenario's canonical JSON."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()

"""Reading experiment specs (sweeps, policy searches): the TOML file, its errors, its base scenario.

One reading for every kind of spec, so that a missing file, a folder, bad TOML or a bad key
gives the same kind of message whichever command reads it.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError
from sim.scenario.loader import load_scenario, with_overrides
from sim.scenario.schema import Scenario


def read_spec(spec: str | Path | Mapping[str, Any], what: str) -> tuple[dict[str, Any], Path | None, str]:
    """The spec's data, its file (None for a mapping) and the source its errors name.

    `what` names the kind of spec in messages ("sweep spec", "optimisation spec"). A file's
    `name` defaults to the file's stem.
    """
    if isinstance(spec, Mapping):
        return dict(spec), None, what
    path = Path(spec)
    source = str(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"{what} not found", source=source) from None
    except IsADirectoryError:
        raise InputError(f"expected a {what} file (TOML), found a folder", source=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=source) from None
    data.setdefault("name", path.stem)
    return data, path, source


def spec_error(exc: ValidationError, source: str, what: str, unknown_key: str) -> InputError:
    """One InputError listing every problem of a spec by its dotted key; `unknown_key` says where keys are listed."""
    lines = []
    for err in exc.errors():
        key = ".".join(repr(p) if isinstance(p, str) and "." in p else str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key ({unknown_key})"
        elif not isinstance(err.get("input"), (dict, list)) and err["type"] != "value_error":
            msg = f"{msg}; found {err.get('input')!r}"
        lines.append(f"key {key or '(top level)'!r}: {msg}")
    return InputError(f"invalid {what}\n  " + "\n  ".join(lines), source=source)


def spec_base(
    base: Scenario | str | Path | None,
    base_key: str | None,
    spec_file: Path | None,
    overrides: Mapping[str, Any],
    source: str,
    who: str,
) -> tuple[Scenario, str | None]:
    """The base scenario of a spec and its file: `base` if given, else the spec's `base` key, resolved against
    the spec file's folder (or the working directory); then the spec's own `set` overrides.
    """
    base_file: str | None = None
    if base is None:
        if base_key is None:
            raise InputError(f"key 'base': {who} needs a base scenario file", source=source)
        folder = spec_file.parent if spec_file is not None else Path.cwd()
        path = (folder / base_key).resolve()
        if not path.is_file():
            raise InputError(f"key 'base': scenario file {base_key!r} not found (looked for {path})", source=source)
        base_file = str(path)
        scenario = load_scenario(path)
    elif isinstance(base, Scenario):
        scenario = base
    else:
        base_file = str(Path(base).resolve())
        scenario = load_scenario(base)
    if overrides:
        scenario = with_overrides(scenario, dict(overrides), origin=f"{source} [set]")
    return scenario, base_file


def check_values_or_range(values: tuple[Any, ...] | None, low: float | None, high: float | None, integer: bool) -> None:
    """The checks a varied key of a sweep or a search shares: a non-empty list of values, or a finite,
    non-empty range [low, high] (with a whole number in it when `integer`); ValueError otherwise.
    """
    if values is not None:
        if low is not None or high is not None:
            raise ValueError("give either 'values' or 'low'/'high', not both")
        if not values:
            raise ValueError("empty choice: 'values' must list at least one value")
        return
    if low is None or high is None:
        raise ValueError("expected 'values' = [...] or both 'low' and 'high'")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("'low' and 'high' must be finite numbers")
    if low > high:
        raise ValueError(f"empty range: low ({low:g}) is above high ({high:g})")
    if integer and math.floor(high) < math.ceil(low):
        raise ValueError(f"empty range: no whole number lies in [{low:g}, {high:g}]")

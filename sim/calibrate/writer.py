"""Write a calibrated scenario: a TOML file that `extends` the original and sets the fitted values.

Each fitted value carries a comment saying that `fenliu calibrate` fitted it, when, within
which bounds and from which start, with the loss and the residuals of the fit; the header
repeats the residuals as a table. Values set on the calibration's command line (`--set`) are
written too, marked as such. A key inside a list of tables (township_classes.0.staff_admin)
cannot be set alone through `extends` (a list replaces the parent's list), so the whole list
is written from the calibrated scenario.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sim.calibrate.fit import Free
from sim.experiment.storage import atomic_write
from sim.scenario.render import toml_literal
from sim.scenario.schema import Scenario


class Calibrated(Protocol):
    """What the writer reads of a calibration (`sim.calibrate.result.Calibration` is one)."""

    date: str
    residuals: pd.DataFrame
    targets_name: str
    replications: int
    seed: int
    evaluations: int
    seconds: float
    design: str
    method: str
    loss: float
    start_loss: float
    run_overrides: dict[str, Any]
    free: list[Free]
    evidence: dict[str, str]
    overrides: dict[str, Any]
    values: dict[str, float | int]

    @property
    def scenario(self) -> Scenario:
        """The calibrated scenario."""
        ...

    @property
    def scenario_name(self) -> str:
        """The original scenario's name."""
        ...

    @property
    def description(self) -> str:
        """One line for the calibrated file."""
        ...

    def implied_lines(self) -> list[str]:
        """What the fitted values imply in money, as text lines."""
        ...


def _split(key: str) -> tuple[str, str]:
    """(table, leaf) of a dotted key; a key inside a list is split at the list's name."""
    parts = key.split(".")
    for i, part in enumerate(parts):
        if part.isdigit():
            return ".".join(parts[: i - 1]), parts[i - 1] + "[]"
    return ".".join(parts[:-1]), parts[-1]


def calibrated_toml(cal: Calibrated, out: Path, extends: Path) -> str:
    """The text of the calibrated scenario file written at `out`."""
    date = cal.date
    rel = os.path.relpath(extends.resolve(), out.resolve().parent).replace(os.sep, "/")
    res = cal.residuals
    compact = "; ".join(f"{r.target} {r.scaled:+.2f}" for r in res.itertuples())
    lines = [
        f"# Calibrated by `fenliu calibrate` on {date} from {extends.name}",
        f"# to the targets in {cal.targets_name} ({cal.replications} replications from seed {cal.seed}, common random",
        f"# numbers; {cal.evaluations} evaluation{'s' if cal.evaluations != 1 else ''}, {cal.seconds:.0f} s; "
        f"{cal.design} design then {cal.method}).",
        f"# Loss {cal.loss:.4g} (start {cal.start_loss:.4g}): the sum of weight × ((simulated − target) / tolerance)².",
        "# Residuals at the fitted values (simulated mean over replications ± its standard error):",
    ]
    width = max(len(r.target) for r in res.itertuples())
    for r in res.itertuples():
        mark = "within" if r.within else "OUTSIDE"
        role = f"{getattr(r, 'role', 'fitted')}, {getattr(r, 'sector', 'all')}"
        lines.append(
            f"#   {r.target:<{width}}  [{role}] {r.metric}: {r.simulated:.4g} ± {r.se:.2g} vs {r.value:.4g} "
            f"(tolerance {r.tolerance:g}, {mark}){'  — ' + r.source if r.source else ''}"
        )
    lines += [f"# {line}" for line in cal.implied_lines()]
    if cal.run_overrides:
        shown = ", ".join(f"{k} = {toml_literal(v)}" for k, v in cal.run_overrides.items())
        lines.append(f"# The fitting runs also set (run_overrides of the targets file, not kept here): {shown}.")
    lines += [
        "# Re-run the check: fenliu run THIS_FILE, or the calibrated-target tests in tests/test_library.py.",
        "",
        f"extends = {toml_literal(rel)}",
        f"name = {toml_literal(cal.scenario_name + '_calibrated')}",
        f"description = {toml_literal(cal.description)}",
    ]
    entries: dict[str, list[str]] = {}
    lists: dict[str, str] = {}
    comments = {
        f.key: (
            f"fitted by `fenliu calibrate` on {date} (bounds [{f.low:g}, {f.high:g}], start {f.start:g}); "
            f"loss {cal.loss:.3g}; residuals/tolerance: {compact}"
            + (f"; bounds: {cal.evidence[f.key]}" if cal.evidence.get(f.key) else "")
        )
        for f in cal.free
    }
    settings: dict[str, Any] = {k: v for k, v in cal.overrides.items() if k not in cal.values}
    for key in settings:
        comments[key] = f"set on the command line of the calibration on {date} (--set)"
    for key, value in {**settings, **cal.values}.items():
        table, leaf = _split(key)
        if leaf.endswith("[]"):
            lists[f"{table}.{leaf[:-2]}".strip(".")] = comments[key]
            continue
        entries.setdefault(table, []).append(f"{leaf} = {toml_literal(value)}  # {comments[key]}")
    for table, rows in sorted(entries.items()):
        if table:
            lines += ["", f"[{table}]"]
        elif rows:
            lines.append("")
        lines += rows
    data = cal.scenario.model_dump(mode="json")
    for dotted, why in lists.items():
        node: Any = data
        for part in dotted.split("."):
            node = node[part]
        lines += ["", f"# The whole list {dotted} is written because a value in it was {why.split(' ', 1)[0]}:"]
        lines.append(f"# {why}")
        for item in node:
            lines += ["", f"[[{dotted}]]"]
            lines += _table_lines(item, "")
    return "\n".join(lines) + "\n"


def _table_lines(item: Mapping[str, Any], prefix: str) -> list[str]:
    """`key = value` lines of one table (nested tables as dotted keys; unset values left out)."""
    out = []
    for k, v in item.items():
        if isinstance(v, Mapping):
            out += _table_lines(v, f"{prefix}{k}.")
        elif v is not None:
            out.append(f"{prefix}{k} = {toml_literal(v)}")
    return out


def write_calibrated(cal: Calibrated, out: str | Path, extends: str | Path) -> Path:
    """Write the calibrated scenario to `out` (atomically) and return the path."""
    out, extends = Path(out), Path(extends)
    text = calibrated_toml(cal, out, extends)

    def write(tmp: Path) -> None:
        tmp.write_text(text, "utf-8")

    atomic_write(out, write)
    return out

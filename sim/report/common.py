"""Pieces every report shares: number formats, the parameter table, provenance lines."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.analysis.worlds import flatten
from sim.errors import InputError
from sim.folders import published_folder
from sim.report.html import Cell, Page
from sim.report.i18n import text
from sim.report.load import RunData
from sim.report.parameters import describe, section
from sim.version import __version__

# How each headline outcome is shown: kind of number and its label key.
OUTCOME_KINDS = {
    "headcount_deadline": "people",
    "headcount_change": "people_signed",
    "awaiting_deadline": "people",
    "headcount_horizon": "people",
    "over_y5": "probability",
    "over_end": "probability",
    "diverted_total": "people",
    "one_time_cost": "money",
    "cost_township": "money",
    "cost_government": "money",
    "savings_government": "money_signed",
    "payback_government": "month",
    "fiscal_gap": "money",
    "pool_waiting_deadline": "people",
    "funding_gap_deadline": "money",
    "returned": "people",
    "overquota_net": "people",
}


def fmt(value: float, kind: str, lang: str = "en") -> str:
    """A number as a report shows it: people, money in millions, probability or month."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text("na", lang)
    if kind == "probability":
        return f"{value:.0%}"
    if kind == "month":
        return f"{value:.0f}" if math.isfinite(value) else text("not_reached", lang)
    if kind.startswith("money"):  # 万元 in Chinese, million yuan in English (the unit the labels name)
        value = value / money_divisor(lang)
        return signed(value, 1) if kind.endswith("signed") else f"{value:,.1f}".replace("-", "−")
    if kind.endswith("signed"):
        return signed(value, 0)
    return f"{value:,.0f}".replace("-", "−")


def money_divisor(lang: str) -> float:
    """Yuan per unit of the money that cards and tables show: 万元 (1e4) in Chinese, million yuan in English."""
    return 1e4 if lang == "zh" else 1e6


def signed(value: float, decimals: int) -> str:
    """A signed number with a true minus sign, and no '−0.0'."""
    shown = f"{value:+,.{decimals}f}"
    if float(shown.replace(",", "")) == 0:
        return f"{0:.{decimals}f}"
    return shown.replace("-", "−")


def fmt_diff(value: float, kind: str, lang: str = "en") -> str:
    """A difference: always signed; probabilities in percentage points."""
    if isinstance(value, float) and math.isnan(value):
        return text("na", lang)
    if kind == "probability":
        return f"{signed(value * 100, 1)} pp"
    if kind.startswith("money"):
        return signed(value / money_divisor(lang), 1)
    return signed(value, 1 if kind == "month" or abs(value) < 10 else 0)


def show_value(value: Any) -> str:
    """A scenario value as text (TOML-like booleans, empty for None)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parameter_rows(run: RunData, lang: str) -> list[list[Cell | str]]:
    """Rows of the parameter table: dotted key, value, and the file (or default) it came from."""
    sources = run.manifest.get("scenario_sources") or {}
    rows: list[list[Cell | str]] = []
    for key, value in flatten(run.scenario):
        source = sources.get(key)
        unit = describe(key)[1]
        shown = show_value(value) + (f" ({unit})" if unit and value is not None and unit != "YYYY-MM" else "")
        label = f"{section(key, lang)} · {key}" if lang == "zh" else key
        rows.append([label, shown, Path(str(source)).name if source else text("default", lang)])
    return rows


def add_parameters(page: Page, run: RunData, lang: str) -> None:
    """The scenario's parameter table, when the manifest holds the scenario."""
    if run.scenario:
        header = [text("parameter", lang), text("value", lang), text("source", lang)]
        page.table("parameters", text("parameters", lang), header, parameter_rows(run, lang), sortable=True)


def provenance(run: RunData, lang: str) -> list[tuple[str, str]]:
    """Scenario hash, seed, replications and versions of one run."""
    m = run.manifest
    versions = m.get("versions") or {}
    items = [
        (text("scenario_hash", lang), str(m.get("scenario_sha256", text("na", lang)))),
        (text("seed", lang), str(m.get("seed", text("na", lang)))),
        (text("replications", lang), str(m.get("replications", run.replications))),
        (text("version", lang), str(versions.get("fenliu", text("na", lang)))),
    ]
    if run.folder is not None:
        items.append((text("results_folder", lang), str(published_folder(run.folder))))
    return items


def built_line(lang: str) -> tuple[str, str]:
    """When and by which fenliu the report was built."""
    return text("built", lang), f"{datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} (fenliu {__version__})"


def target_path(path: str | Path | None, folder: Path | None) -> Path:
    """Where to write a report: `path`, else report.html in the results folder."""
    if path is not None:
        return Path(path)
    if folder is None:
        raise InputError("a report of results held in memory needs a path to write to")
    return folder / "report.html"

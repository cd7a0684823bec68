"""The reports opened in a real headless Chromium: they load offline, draw, speak Chinese, stay inert.

One browser per module. Without Chromium (or Playwright) these tests skip with the reason;
with FENLIU_CI=1 (set by .ci/run) a missing browser fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from browser import PageCheck, inspect, launch, unavailable_reason

import sim
from sim.report import SweepData
from sim.report.cjk_font import ENV, find_font

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
SMALL = {"population.synthetic.townships": 3, "time.horizon_months": 72}
HOSTILE = '<script>window.__pwned = 1<img src=x onerror="window.__pwned = 2"> & "q"'  # a name holds no '/'
RUN_FIGURES = 12  # with the ranked chart of townships (the run is saved: by_township.parquet)


def small(overrides: dict[str, Any] | None = None, n: int = 3) -> sim.Results:
    return sim.run(sim.load_scenario(BASE, overrides={**SMALL, **(overrides or {})}), replications=n, seed=3)


def no_browser(reason: str) -> None:
    if os.environ.get("FENLIU_CI") == "1":
        pytest.fail(f"FENLIU_CI=1 but the report tests cannot run a browser: {reason}", pytrace=False)
    pytest.skip(f"report browser tests skipped: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = unavailable_reason()
    if reason:
        no_browser(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            chromium = launch(p)
        except Exception as exc:  # noqa: BLE001 - any launch failure means no browser here
            no_browser(f"Chromium did not start ({exc})")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every kind of report, built from small real runs."""
    root = tmp_path_factory.mktemp("reports")
    base = small()
    folder = base.save(root / "base")
    deeper = small({"reform.cut_admin": 0.2, "name": "deeper cut"})
    hostile = small({"name": HOSTILE, "description": HOSTILE + "</script><script>window.__pwned = 3</script>"}, n=2)
    points = [({"reform.cut_admin": a, "hiring.refill_lag_months": lag}) for a in (0.05, 0.2) for lag in (1, 12)]
    summaries = [small(p, n=2).summary().assign(point=k) for k, p in enumerate(points)]
    sweep = SweepData(
        pd.DataFrame([{"point": k, **p} for k, p in enumerate(points)]),
        pd.concat(summaries, ignore_index=True),
        pd.DataFrame(
            {
                "metric": ["headcount_total"] * 2,
                "month": [60] * 2,  # indices of the month the report shows
                "parameter": list(points[0]),
                "S1": [0.6, 0.1],
                "S1_conf": [0.1] * 2,
                "ST": [0.7, 0.2],
                "ST_conf": [0.1] * 2,
            }
        ),  # fmt: skip
        {"name": "cut × lag"},
    )
    return {
        "run": sim.report(folder),
        "run_zh": sim.report(folder, root / "zh.html", lang="zh"),
        "hostile": sim.report(hostile, root / "hostile.html"),
        "compare": sim.report.compare_report([base, deeper, hostile], root / "compare.html"),
        "sweep": sim.report.sweep_report(sweep, root / "sweep.html", metric="headcount_total", month=60),
        "sweep_summary": sweep.summary,
    }


def assert_clean(check: PageCheck, figures: int) -> None:
    assert check.errors == [], "console errors"
    assert check.requests == [], "network requests"
    assert check.figures == figures
    assert check.rendered == figures, "every figure draws a non-empty SVG"


def test_run_report_loads_offline_and_draws_every_figure(browser: Any, reports: dict[str, Path]) -> None:
    check = inspect(browser, reports["run"])
    assert_clean(check, RUN_FIGURES)
    assert "Headcount against establishment" in check.info["text"]
    assert "Where the surplus went" in check.info["text"]


def test_chinese_report_shows_chinese_glyphs(browser: Any, reports: dict[str, Path], tmp_path: Path) -> None:
    if find_font() is None:  # the page then uses the reader's fonts, which this machine may lack
        reason = f"no open CJK font to embed in the Chinese report (install Noto Sans CJK or set {ENV})"
        if os.environ.get("FENLIU_CI") == "1":
            pytest.fail(f"FENLIU_CI=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    shot = tmp_path / "zh.png"
    check = inspect(browser, reports["run_zh"], screenshot=shot)
    assert_clean(check, RUN_FIGURES)
    for words in ("实有人员与编制", "富余人员去向", "补偿金资金池", "未完成的分流与反弹", "方案参数"):
        assert words in check.info["text"]
    for words in ("月份", "编制", "人数"):
        assert words in check.info["svg_text"], "figure labels are Chinese"
    assert check.info["glyphs_distinct"], "CJK characters render as distinct glyphs, not boxes"
    assert check.info["embedded_font"] == ["loaded"], "the page draws its Chinese with the font it embeds"
    assert shot.stat().st_size > 20_000


def test_hostile_scenario_name_stays_inert(browser: Any, reports: dict[str, Path]) -> None:
    check = inspect(browser, reports["hostile"], keep=True)
    page = check.info["page"]
    try:
        assert_clean(check, RUN_FIGURES)
        assert check.info["pwned"] is None
        assert check.info["h1"] == HOSTILE
        assert page.locator("header img").count() == 0
        assert page.locator("header script").count() == 0
    finally:
        page.close()


def test_compare_report(browser: Any, reports: dict[str, Path]) -> None:
    check = inspect(browser, reports["compare"])
    assert_clean(check, 5)
    assert check.info["pwned"] is None
    assert HOSTILE in check.info["text"] and HOSTILE in check.info["svg_text"]


def test_sweep_report_and_its_sortable_table(browser: Any, reports: dict[str, Path]) -> None:
    check = inspect(browser, reports["sweep"], keep=True)
    page = check.info["page"]
    try:
        assert_clean(check, 5)  # scatter, heatmap, Sobol bars, the metric and month selector, parallel coordinates
        assert check.info["text"].count("month 60") >= 3  # the panels name their month
        table = page.locator("#points table")
        mean_col = table.locator("thead th").nth(3)

        def column() -> list[float]:
            return [float(c.replace(",", "")) for c in table.locator("tbody tr td:nth-child(4)").all_inner_texts()]

        mean_col.click()
        assert column() == sorted(column())
        mean_col.click()
        assert column() == sorted(column(), reverse=True)
        # the selector redraws its chart for another metric and month, from the summary's point means
        page.select_option("#sel-metric", "state_awaiting")
        page.select_option("#sel-month", "24")
        shown = page.evaluate("() => document.getElementById('fig-selector').data.flatMap(t => t.y)")
        summary = reports["sweep_summary"]
        expected = summary[(summary["metric"] == "state_awaiting") & (summary["month"] == 24)]["mean"]
        assert sorted(shown) == pytest.approx(sorted(expected), rel=1e-3)
        title = page.evaluate("() => document.getElementById('fig-selector').layout.yaxis.title.text")
        assert "24" in title
    finally:
        page.close()

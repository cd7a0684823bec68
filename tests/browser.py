"""Headless Chromium for the report tests (and for the README screenshots).

`launch()` starts Debian's chromium through Playwright's Python package; `inspect()` opens a
report file and gathers what the tests check: console errors, network requests, one plot
SVG per figure, and whether CJK text renders as glyphs. Where no browser is available the
tests skip, except in CI (FENLIU_CI=1), where a missing browser fails the run.

Run as a script to refresh the screenshots: `python tests/browser.py REPORT.html OUT.png`.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def executable() -> str | None:
    """Path of a Chromium binary: $FENLIU_CHROMIUM, a Debian path, or one on PATH."""
    env = os.environ.get("FENLIU_CHROMIUM")
    if env:
        return env
    for path in CANDIDATES:
        if Path(path).exists():
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable_reason() -> str | None:
    """Why no browser can run here, or None when one can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    if executable() is None:
        return "no Chromium found (apt-get install chromium fonts-noto-cjk, or set FENLIU_CHROMIUM)"
    return None


@dataclass
class PageCheck:
    """What a report page did when opened."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    figures: int = 0
    rendered: int = 0
    info: dict[str, Any] = field(default_factory=dict)


# For each plotly figure: does it hold a main SVG with drawn content?
FIGURES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(div => {
  const svg = div.querySelector('svg.main-svg');
  if (!svg) return false;
  const drawn = div.querySelectorAll('path, rect, text, image').length;
  const box = svg.getBoundingClientRect();
  return drawn > 5 && box.width > 50 && box.height > 50;
})"""

# Draws characters in the page's font stack: distinct glyphs differ, missing-glyph boxes do not.
GLYPHS_JS = """(chars) => {
  const font = getComputedStyle(document.body).fontFamily;
  const images = chars.map(ch => {
    const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const g = c.getContext('2d'); g.fillStyle = '#000'; g.font = '40px ' + font; g.textBaseline = 'top';
    g.fillText(ch, 2, 2);
    return Array.from(g.getImageData(0, 0, 48, 48).data.filter((v, i) => i % 4 === 3)).join(',');
  });
  return new Set(images).size === images.length;
}"""


def launch(playwright: Any) -> Any:
    """A headless Chromium browser."""
    return playwright.chromium.launch(executable_path=executable(), args=ARGS)


def inspect(browser: Any, path: Path, screenshot: Path | None = None, full_page: bool = False) -> PageCheck:
    """Open a report file, wait for every figure, and report what happened."""
    check = PageCheck()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda msg: check.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: check.errors.append(str(exc)))
    page.on("request", lambda req: None if req.url.startswith(LOCAL_SCHEMES) else check.requests.append(req.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot')).every(d => d._fullLayout)", timeout=30_000
    )
    page.wait_for_timeout(200)
    drawn = page.evaluate(FIGURES_JS)
    check.figures = page.locator(".plotly-graph-div").count()
    check.rendered = sum(bool(d) for d in drawn)
    check.info["title"] = page.title()
    check.info["h1"] = page.locator("header h1").inner_text()
    check.info["text"] = page.locator("body").inner_text()
    check.info["svg_text"] = " ".join(page.locator("svg.main-svg text").all_text_contents())
    check.info["glyphs_distinct"] = page.evaluate(GLYPHS_JS, ["分", "流", "编", "制"])
    check.info["pwned"] = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=full_page)
    check.info["page"] = page
    return check


def main(argv: list[str]) -> int:
    """Screenshot a report: browser.py REPORT.html OUT.png [--full]."""
    from playwright.sync_api import sync_playwright

    report, out = Path(argv[0]), Path(argv[1])
    with sync_playwright() as p:
        browser = launch(p)
        check = inspect(browser, report, out, full_page="--full" in argv)
        print(f"{out}: {check.rendered}/{check.figures} figures, errors {check.errors}, requests {check.requests}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


# ----- test data ----------------------------------------------------------------------------
CHANNEL_SHARES = {
    "teacher": 0.15,
    "early_retirement": 0.2,
    "resignation": 0.1,
    "termination": 0.1,
    "institution_vacancy": 0.1,
    "enterprise": 0.1,
    "police": 0.05,
}


def with_engine_columns(monthly: Any, reform_month: int = 12, seed: int = 0) -> Any:
    """A real monthly table plus made-up columns of the metrics the engine will add.

    The numbers are plausible in shape, not in size: they exist so that every panel of the
    report is drawn in the tests before the engine writes these columns itself.
    """
    import numpy as np

    out = monthly.copy()
    rng = np.random.default_rng(seed)
    month = out["month"].to_numpy()
    rep = out["replication"].to_numpy()
    noise = 1 + 0.05 * rng.standard_normal(rep.max() + 1)[rep]
    after = np.clip(month - reform_month, 0, None)
    ramp = (1 - np.exp(-after / 8.0)) * noise
    surplus = 1000.0
    for k, (ch, share) in enumerate(CHANNEL_SHARES.items()):
        out[f"diverted_{ch}"] = np.round(surplus * share * ramp)
        out[f"queue_{ch}"] = np.round(surplus * share * np.exp(-after / (6.0 + k)) * (after > 0) * noise)
    out["returned_cumulative"] = np.round(20 * np.clip(month - 36, 0, None) / 84 * noise)
    contributors = ("higher_level", "county", "township", "unit_individual")
    total = np.zeros(len(out))
    for k, who in enumerate(contributors):
        out[f"pool_contributed_{who}"] = 1e6 * (k + 1) * np.minimum(after, 12) / 12 * noise
        total += out[f"pool_contributed_{who}"].to_numpy()
    out["pool_contributed_cumulative"] = total
    out["pool_paid_cumulative"] = 0.8 * total * ramp / np.maximum(noise, 1)
    out["pool_balance"] = total - out["pool_paid_cumulative"]
    out["pool_waiting"] = np.round(120 * np.exp(-after / 10) * (after > 0) * noise)
    base = 2e6 * np.ones(len(out))
    one_time = (after > 0) * (after < 18) * 3e5 * noise
    for comp, value in (
        ("salary_in_post", base * np.where(after > 0, 0.8, 1.0)),
        ("allowance_awaiting", 1e5 * np.exp(-after / 10) * (after > 0)),
        ("severance", one_time * 0.5),
        ("pension_buyin", one_time * 0.3),
        ("placement_subsidy", one_time * 0.2),
        ("salary_moved_teacher", 1e5 * ramp),
        ("salary_hires", 2e4 * np.clip(month - 60, 0, None) / 10),
    ):
        out[f"cost_{comp}"] = value
    cost_cols = [c for c in out.columns if c.startswith("cost_") and not c.startswith("cost_by_")]
    government = out[cost_cols].sum(axis=1).to_numpy()
    moved = out["cost_salary_moved_teacher"].to_numpy()
    out["cost_by_township"] = (government - moved) * 0.7
    out["cost_by_county"] = (government - moved) * 0.3
    out["cost_by_education"] = moved
    out["cost_township"] = out["cost_by_township"]
    out["cost_government"] = government
    saving = np.where(after > 0, 2e6 - government, 0.0)
    frame = out[["replication"]].assign(s=saving)
    out["savings_cumulative_government"] = frame.groupby("replication")["s"].cumsum()
    frame = out[["replication"]].assign(s=np.where(after > 0, 2e6 * 0.7 - out["cost_township"], 0.0))
    out["savings_cumulative_township"] = frame.groupby("replication")["s"].cumsum()
    out["fiscal_gap"] = 1e5 * noise
    out["debt"] = 3.7e7 * noise
    out["overquota_hires_cumulative"] = np.round(np.clip(month - 60, 0, None) * 0.5 * noise)
    out["overquota_reversed_cumulative"] = np.floor(out["overquota_hires_cumulative"] * 0.4)
    return out

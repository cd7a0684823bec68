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
    exe = executable()
    if exe is None or not Path(exe).exists():
        where = exe or "any usual path"
        return f"no Chromium at {where} (apt-get install chromium fonts-noto-cjk, or set FENLIU_CHROMIUM)"
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


EMBEDDED_FONT_JS = """async () => {
  await document.fonts.ready;
  return Array.from(document.fonts).filter(f => f.family.replace(/"/g, '') === 'fenliu CJK').map(f => f.status);
}"""


def launch(playwright: Any) -> Any:
    """A headless Chromium browser."""
    return playwright.chromium.launch(executable_path=executable(), args=ARGS)


def inspect(
    browser: Any, path: Path, screenshot: Path | None = None, full_page: bool = False, keep: bool = False
) -> PageCheck:
    """Open a report file, wait for every figure, and report what happened.

    With `keep`, the page stays open as `check.info["page"]` for the caller to use and close.
    """
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
    check.info["glyphs_distinct"] = page.evaluate(GLYPHS_JS, ["编", "制", "人", "数"])
    check.info["embedded_font"] = page.evaluate(EMBEDDED_FONT_JS)
    check.info["pwned"] = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=full_page)
    if keep:
        check.info["page"] = page
    else:
        page.close()
    return check


def main(argv: list[str]) -> int:
    """Screenshot a report: browser.py REPORT.html OUT.png [--full | --height PIXELS]."""
    from playwright.sync_api import sync_playwright

    report, out = Path(argv[0]), Path(argv[1])
    height = int(argv[argv.index("--height") + 1]) if "--height" in argv else 900
    with sync_playwright() as p:
        browser = launch(p)
        check = inspect(browser, report, keep=True)
        page = check.info["page"]
        page.set_viewport_size({"width": 1280, "height": height})
        page.wait_for_timeout(500)  # figures are responsive: let them settle at the new size
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page="--full" in argv)
        print(f"{out}: {check.rendered}/{check.figures} figures, errors {check.errors}, requests {check.requests}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

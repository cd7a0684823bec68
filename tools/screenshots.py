"""Regenerate the report screenshots of the README and the guide (docs/img/*.png) in one command.

    python tools/screenshots.py [--work DIR] [--only NAME ...]

Runs the cases below into DIR (default results/screenshots/), writes their reports and photographs
them in headless Chromium, found as the report tests find it (`tests/browser.py`: Debian's
`chromium`, or $FENLIU_CHROMIUM; `apt-get install chromium fonts-noto-cjk`). Each image is 1280 px
wide and at most 1500 px high. About three minutes of CPU on a 2-core machine:

- report-run.png, report-run-zh.png: `fenliu run scenarios/base.toml` (its 20 replications), in
  English and in Chinese;
- report-compare.png: `fenliu compare` of base, lax_enforcement and strict_enforcement, 10 paired
  replications;
- report-robustness.png (the robustness and PRIM sections) and report-sweep.png (the panels after
  them): the sweep of `examples/10_which_policy_is_robust.py` at its default sizes (24 worlds × 4
  policies × 10 replications of 20 townships), reused when its folder is complete.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
WIDTH, HEIGHT = 1280, 1500
sys.path.insert(0, str(ROOT / "tests"))

from browser import inspect, launch, unavailable_reason  # noqa: E402


def fenliu(*args: object) -> None:
    """Run a fenliu command from the project folder (this checkout's code first on the path)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=ROOT, env=env, check=True)


def make_reports(work: Path, only: set[str]) -> dict[str, Path]:
    """Run the cases the wanted screenshots need; their report files by screenshot name."""
    reports: dict[str, Path] = {}
    if only & {"report-run", "report-run-zh"}:
        fenliu("run", "scenarios/base.toml", "--quiet", "--out", work / "base", "--force")
        fenliu("report", work / "base", "--lang", "zh", "--out", work / "base-zh.html")
        reports |= {"report-run": work / "base" / "report.html", "report-run-zh": work / "base-zh.html"}
    if "report-compare" in only:
        scenarios = [f"scenarios/{name}.toml" for name in ("base", "lax_enforcement", "strict_enforcement")]
        fenliu("compare", *scenarios, "-n", 10, "--out", work / "compare", "--force")
        reports["report-compare"] = work / "compare" / "report.html"
    if only & {"report-sweep", "report-robustness"}:
        env = {**os.environ, "FENLIU_EXAMPLE_OUT": str(work), "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "examples/10_which_policy_is_robust.py"], cwd=ROOT, env=env, check=True)
        report = work / "10-robust" / "report.html"
        reports |= {"report-sweep": report, "report-robustness": report}
    return reports


# The sections each picture shows (ids of the report's <section>s); None: the top of the page.
SECTIONS: dict[str, tuple[str, ...] | None] = {
    "report-run": None,
    "report-run-zh": None,
    "report-compare": None,
    "report-robustness": ("robustness", "robustness-table", "prim"),
    "report-sweep": ("scatter", "heatmap", "sobol", "selector"),  # those the sweep has
}


def photograph(browser: Any, report: Path, out: Path, sections: tuple[str, ...] | None) -> None:
    """Open the report, wait for its figures, and save the top of the page or the named sections."""
    check = inspect(browser, report, keep=True)
    page = check.info["page"]
    if check.errors or check.requests or check.rendered < check.figures:
        raise SystemExit(f"{report}: errors {check.errors}, requests {check.requests}, drawn {check.rendered}")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.wait_for_timeout(500)  # figures are responsive: let them settle at this width
    clip = {"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT}
    if sections:
        found = [page.locator(f"section#{s}") for s in sections]
        boxes = [b for b in (loc.bounding_box() for loc in found if loc.count()) if b]
        if not boxes:
            raise SystemExit(f"{report}: none of the sections {sections}")
        top = min(b["y"] for b in boxes) - 8
        bottom = max(b["y"] + b["height"] for b in boxes) + 8
        clip = {"x": 0, "y": top, "width": WIDTH, "height": min(bottom - top, HEIGHT)}
    page.screenshot(path=str(out), clip=clip, full_page=True)
    page.close()
    print(f"{out.relative_to(ROOT)}: {check.rendered}/{check.figures} figures drawn")


def main(argv: list[str] | None = None) -> int:
    """Make the reports, then the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "results" / "screenshots", help="folder for the runs")
    parser.add_argument("--only", nargs="+", choices=sorted(SECTIONS), default=sorted(SECTIONS))
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(f"no screenshots: {reason}", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    reports = make_reports(args.work.resolve(), set(args.only))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        for name in args.only:
            photograph(browser, reports[name], IMG / f"{name}.png", SECTIONS[name])
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

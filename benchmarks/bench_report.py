"""Benchmark: time to build the report of a 500-replication city-scale run, its size, and its opening time.

    python benchmarks/bench_report.py                        # runs base.toml × 500 first (a few minutes)
    python benchmarks/bench_report.py --results results/base # an existing results folder
    python benchmarks/bench_report.py --replications 50      # a quick look

Reports aggregate before plotting, so size and build time should hardly depend on the number
of replications. Targets: under 10 MB, and open (load event, every figure drawn) in a few
seconds. The opening time needs Chromium (Debian's `chromium`); it is skipped without it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"
sys.path.insert(0, str(ROOT / "tests"))


def open_time(path: Path) -> tuple[float, int] | None:
    """Seconds from navigation to every figure drawn in headless Chromium, and the figures drawn."""
    from browser import inspect, launch, unavailable_reason

    if unavailable_reason():
        print(f"  (not opened: {unavailable_reason()})")
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        inspect(browser, path)  # warm up the browser once
        t0 = time.perf_counter()
        check = inspect(browser, path)
        elapsed = time.perf_counter() - t0
        browser.close()
    if check.errors or check.requests:
        print(f"  console errors {check.errors}, requests {check.requests}")
    return elapsed, check.rendered


def main() -> int:
    """Run (or read) the results, then build and measure the reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=None, help="an existing results folder (skip the run)")
    parser.add_argument("--replications", "-n", type=int, default=500)
    parser.add_argument("--no-open", action="store_true", help="do not time opening the report in Chromium")
    args = parser.parse_args()

    import sim

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.results
        if folder is None:
            folder = Path(tmp) / "run"
            t0 = time.perf_counter()
            sim.run(sim.load_scenario(BASE), replications=args.replications).save(folder)
            print(f"run: base.toml × {args.replications} replications in {time.perf_counter() - t0:.0f} s")
        data = sim.report.load_run(folder)
        print(
            f"results: {data.replications} replications × {data.horizon + 1} months × {len(data.columns)} metrics "
            f"({(folder / 'monthly.parquet').stat().st_size / 1e6:.1f} MB parquet)"
        )
        for lang in ("en", "zh"):
            out = Path(tmp) / f"report-{lang}.html"
            t0 = time.perf_counter()
            sim.report(folder, out, lang=lang)  # reads the folder, as `fenliu report` does
            built = time.perf_counter() - t0
            print(f"report ({lang}): built in {built:.2f} s, {out.stat().st_size / 1e6:.2f} MB")
            if not args.no_open and lang == "en":
                opened = open_time(out)
                if opened:
                    print(f"  opened in headless Chromium in {opened[0]:.2f} s ({opened[1]} figures drawn)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run a library scenario and read its results (运行方案库中的方案, 读报告).

Runs scenarios/base.toml — a city of 110 townships cutting administrative establishment (编制)
by 10% and stations (事业站所) by 30% — prints the headline figures, saves the results folder
and writes the offline report in English and in Chinese.

    python examples/01_run_library_scenario.py

Sizes: FENLIU_EXAMPLE_REPLICATIONS (default 20), FENLIU_EXAMPLE_TOWNSHIPS (default: the
scenario's own 110). Output: FENLIU_EXAMPLE_OUT (default results/examples)/01-base/.
"""

import os
from pathlib import Path

import sim

REPLICATIONS = int(os.environ.get("FENLIU_EXAMPLE_REPLICATIONS", "20"))
TOWNSHIPS = os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS")  # unset: the scenario's own number of townships
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))


def main() -> None:
    """Run base.toml, print what it shows, save it and write its reports."""
    size = {"population.synthetic.townships": int(TOWNSHIPS)} if TOWNSHIPS else {}
    scenario = sim.load_scenario("scenarios/base.toml", overrides=size)
    print(f"{scenario.name}: {scenario.description}")

    # Monte Carlo replications; the seed is the scenario's run.seed unless you pass seed=.
    results = sim.run(scenario, replications=REPLICATIONS)

    # The monthly table: one row per replication and month, one column per metric.
    monthly = results.monthly
    before, deadline = scenario.reform.month - 1, scenario.reform.deadline_month
    print(f"\nmeans over {REPLICATIONS} replications   month {before} (before)   month {deadline} (deadline)")
    for metric in ["headcount_total", "establishment_total", "state_awaiting", "state_diverted"]:
        means = monthly.groupby("month")[metric].mean()
        print(f"  {metric:<26} {means[before]:>18,.0f} {means[deadline]:>22,.0f}")

    # The same figures with their spread: mean, SE, P5, P50, P95 at months 0, 12, 24, 29 (deadline), 60, 120.
    summary = results.summary()
    print("\npeople awaiting diversion (待分流):")
    awaiting = summary[summary["metric"] == "state_awaiting"]
    print(awaiting[["month", "mean", "p5", "p50", "p95"]].to_string(index=False))

    # Risk figures: over establishment (超编) at years 5 and 10, pool running dry, payback month.
    print("\nrisk figures:")
    print(results.risk()[["figure", "month", "estimate", "se"]].to_string(index=False))

    folder = results.save(OUT / "01-base")  # monthly.parquet, summary.csv, manifest.json
    sim.report(folder)  # report.html: one offline file, opens by double-click
    sim.report(folder, folder / "report-zh.html", lang="zh")  # the same report in Chinese
    print(f"\nresults in {folder}; open {folder / 'report.html'} in a browser")


if __name__ == "__main__":
    main()

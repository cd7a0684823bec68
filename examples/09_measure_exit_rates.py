r"""Measure your county's exit rates from two rosters (用两期花名册测算减员率).

Two real-name rosters of the same county a year apart (examples/exits/, Excel, as a county
personnel office exports them: Chinese words, a 减员原因 column for most leavers) give exits per
person-year at risk by cause, age band, sex, sector and cadre/worker status, with exact Poisson
intervals, a Poisson model for thin cells, retirements against the statutory rule, and a scenario
fragment. A scenario that `extends` the fragment runs with the measured rates. The same from the
command line:

    fenliu estimate-exits examples/exits/county_roster_2004-12.xlsx examples/exits/county_roster_2005-12.xlsx \\
        --dates 2004-12,2005-12 --scenario scenarios/base.toml --out results/exits

Sizes: FENLIU_EXAMPLE_REPLICATIONS (default 20), FENLIU_EXAMPLE_TOWNSHIPS (default 8, the
rosters' county). Output: FENLIU_EXAMPLE_OUT (default results/examples)/09-exits/.
"""

import os
from pathlib import Path

import sim

REPLICATIONS = int(os.environ.get("FENLIU_EXAMPLE_REPLICATIONS", "20"))
TOWNSHIPS = int(os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS", "8"))
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))
ROSTERS = ["examples/exits/county_roster_2004-12.xlsx", "examples/exits/county_roster_2005-12.xlsx"]

# Our scenario: base.toml's reform with the exit rates we measured (the fragment extends base.toml).
OURS = """\
extends = "exit_rates.toml"
name = "measured_exits"

[population.synthetic]
townships = {townships}
"""


def main() -> None:
    """Estimate, look at the tables, write the fragment, run a scenario that uses it."""
    folder = OUT / "09-exits"
    est = sim.estimate_exits(ROSTERS, dates="2004-12,2005-12", scenario="scenarios/base.toml")

    # 1. Who left and why: 'unexplained' are people who vanished from the roster without a reason.
    print(est.exits["outcome"].value_counts().to_string())
    print(f"{len(est.entries)} entries, {len(est.changes)} changes of township, sector or status")

    # 2. Exits per 1,000 person-years, with the exact 95% interval, for the two causes the model draws.
    rates = est.rates[(est.rates["dimension"] == "sex") & est.rates["cause"].isin(["died", "quit"])]
    for r in rates.itertuples():
        print(
            f"{r.cause:>5} {r.sex:<6} {r.events:3d} in {r.exposure_years:6.1f} person-years: "
            f"{1000 * r.rate:5.1f} [{1000 * r.ci_low:.1f}, {1000 * r.ci_high:.1f}] per 1,000"
        )

    # 3. Retirements against base.toml's statutory ages (60 men, 55 women cadres, 50 women workers).
    print(
        est.retirement[["sex", "status", "due_by_rule", "retired", "retired_early", "stayed_past_statutory"]].to_string(
            index=False
        )
    )

    # 4. Tables (CSV, Parquet) and exit_rates.toml; our scenario extends it and runs with the rates.
    fragment = est.save(folder, extends="scenarios/base.toml")
    (folder / "measured_exits.toml").write_text(OURS.format(townships=TOWNSHIPS), encoding="utf-8")
    measured = sim.load_scenario(folder / "measured_exits.toml")
    assumed = sim.load_scenario("scenarios/base.toml", overrides={"population.synthetic.townships": TOWNSHIPS})
    print(
        f"{fragment}: quit rate {measured.attrition.quit_rate:.4f} a year (base.toml assumes "
        f"{assumed.attrition.quit_rate}), {len(measured.attrition.age_bands)} age bands by sex"
    )
    for scenario in (assumed, measured):
        left = sim.run(scenario, replications=REPLICATIONS).metric("state_left").loc[60].mean()
        print(f"{scenario.name}: {left:,.0f} people have left (quit or died) by month 60")


if __name__ == "__main__":
    main()

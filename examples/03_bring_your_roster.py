"""Bring your own real-name roster (使用自己的编制实名制名册, CSV or Excel).

A scenario with population.source = "roster" reads its staff from a roster: one row per person
(columns in docs/roster-format.md). This script makes a roster the way `fenliu roster` does
(from a synthetic county), edits it with pandas as you would in Excel, writes a scenario that
reads it, runs that scenario, and shows the message a bad row gets.

    python examples/03_bring_your_roster.py

Sizes: FENLIU_EXAMPLE_REPLICATIONS (default 20), FENLIU_EXAMPLE_TOWNSHIPS (townships on the
roster, default 12). Output: FENLIU_EXAMPLE_OUT (default results/examples)/03-roster/.
"""

import os
from pathlib import Path

import pandas as pd

import sim
from sim.population import write_roster, write_townships

REPLICATIONS = int(os.environ.get("FENLIU_EXAMPLE_REPLICATIONS", "20"))
TOWNSHIPS = int(os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS", "12"))
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))

# Paths in a scenario file are relative to that file: the roster sits beside it.
MY_ROSTER = """\
extends = "{base}"
name = "my_roster"
description = "base.toml's reform applied to our own real-name roster"

[population]
source = "roster"
roster = "roster.csv"
townships_file = "townships.csv"
"""


def main() -> None:
    """Write a roster, edit it, run a scenario on it, and show a roster error."""
    folder = OUT / "03-roster"
    folder.mkdir(parents=True, exist_ok=True)

    # 1. A roster to start from: what `fenliu roster scenarios/base.toml --out roster.xlsx` writes.
    base = sim.load_scenario("scenarios/base.toml", overrides={"population.synthetic.townships": TOWNSHIPS})
    population = sim.build_population(base, seed=base.run.seed)
    write_roster(population, folder / "roster.xlsx")
    write_townships(population, folder / "townships.csv", [c.name for c in base.township_classes])
    print(f"wrote {folder / 'roster.xlsx'}: {len(population)} people in {TOWNSHIPS} townships")

    # 2. Edit it as you would in Excel. Read every column as text so ids and dates stay as typed.
    roster = pd.read_excel(folder / "roster.xlsx", dtype=str)
    soldiers = roster.index[(roster["sector"] == "admin") & (roster["birth_date"] >= "1980-01")][:3]
    roster.loc[soldiers, "protected"] = "1"  # recently placed demobilised soldiers: wait, never diverted
    roster["salary"] = (roster["salary"].astype(float) * 1.08).round(2).astype(str)  # our pay scale: +8%
    roster.to_csv(folder / "roster.csv", index=False, encoding="utf-8")  # Excel: "CSV UTF-8"
    townships = pd.read_csv(folder / "townships.csv")
    townships.loc[0, "establishment_admin"] = 70  # the first township's old establishment was 70 posts
    townships.to_csv(folder / "townships.csv", index=False)
    print(f"edited: {len(soldiers)} people protected, salaries +8%, {townships.loc[0, 'township']} has 70 posts")

    # 3. A scenario that reads the roster, extending the library's base scenario.
    path = folder / "my_roster.toml"
    extends = Path(os.path.relpath(Path("scenarios/base.toml").resolve(), folder.resolve())).as_posix()
    path.write_text(MY_ROSTER.format(base=extends), encoding="utf-8")
    scenario = sim.load_scenario(path)  # the roster is read and checked when the population is built
    results = sim.run(scenario, replications=REPLICATIONS)
    results.save(folder / "results")
    deadline = scenario.reform.deadline_month
    at = results.monthly[results.monthly["month"] == deadline].mean()
    print(
        f"month {deadline}: staff {at['headcount_total']:,.0f} against establishment "
        f"{at['establishment_total']:,.0f}, awaiting diversion {at['state_awaiting']:,.0f}"
    )

    # 4. A bad cell stops the run with a message naming file, row and column (exit code 2 in the CLI).
    bad = roster.copy()
    bad.loc[0, "birth_date"] = "1970-13"
    bad.to_csv(folder / "roster-bad.csv", index=False, encoding="utf-8")
    try:
        sim.run(sim.with_overrides(scenario, {"population.roster": str(folder.resolve() / "roster-bad.csv")}))
    except sim.InputError as error:
        print(f"a bad roster is refused:\n{error}")


if __name__ == "__main__":
    main()

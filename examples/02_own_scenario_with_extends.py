"""Write your own scenario that extends a library file (编写自己的方案: extends).

A scenario file only needs the keys that differ from the file it `extends`; everything else
comes from that file (here scenarios/base.toml) and, in the end, from the schema's defaults
(docs/scenario-reference.md). This script writes my_county.toml, checks it, shows where each
changed value comes from, and runs it.

    python examples/02_own_scenario_with_extends.py

Sizes: FENLIU_EXAMPLE_REPLICATIONS (default 20), FENLIU_EXAMPLE_TOWNSHIPS (default: the file's
12). Output: FENLIU_EXAMPLE_OUT (default results/examples)/02-my-county/.
"""

import os
from pathlib import Path

import sim
from sim.scenario import scenario_sources

REPLICATIONS = int(os.environ.get("FENLIU_EXAMPLE_REPLICATIONS", "20"))
TOWNSHIPS = os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS")  # unset: the 12 townships of my_county.toml
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))

# `extends` is a path relative to the folder of the file that says it. Saved in the project
# folder, the file would say extends = "scenarios/base.toml".
MY_COUNTY = """\
extends = "{base}"
name = "my_county"
description = "A county of 12 townships: administrative establishment -15%, stations -30%, a 5-year freeze"

[population.synthetic]
townships = 12                  # our county

[reform]
cut_admin = 0.15                # 行政编制 -15%
deadline_month = 24             # a 12-month drive from the reform in month 12

[hiring]
freeze_months = 60              # 5年内只能减少,不能增加: no hiring for five years

[channels.teacher]
places_per_year = 20            # rural teacher posts the education bureau offers us each year

[channels.police]
open = false                    # no police recruitment this time
"""


def main() -> None:
    """Write my_county.toml, validate it, show its sources and run it."""
    folder = OUT / "02-my-county"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "my_county.toml"
    base = Path(os.path.relpath(Path("scenarios/base.toml").resolve(), folder.resolve())).as_posix()
    path.write_text(MY_COUNTY.format(base=base), encoding="utf-8")
    print(f"wrote {path} (extends {base})")

    # Loading validates the file: a wrong key or value raises sim.InputError naming file and key.
    size = {"population.synthetic.townships": int(TOWNSHIPS)} if TOWNSHIPS else {}
    scenario = sim.load_scenario(path, overrides=size)
    sources = scenario_sources(scenario)
    for key, value in [
        ("reform.cut_admin", scenario.reform.cut_admin),  # set by my_county.toml
        ("reform.cut_institution", scenario.reform.cut_institution),  # from base.toml
        ("channels.teacher.acceptance", scenario.channels.teacher.acceptance),  # the schema's default
    ]:
        print(f"  {key:<28} = {value:<5} from {Path(sources.get(key, 'the schema default')).name}")

    results = sim.run(scenario, replications=REPLICATIONS)
    results.save(folder / "results")
    deadline = scenario.reform.deadline_month
    at_deadline = results.monthly[results.monthly["month"] == deadline].mean()
    print(f"\nat the deadline (month {deadline}), mean over {REPLICATIONS} replications:")
    print(
        f"  staff {at_deadline['headcount_total']:,.0f} against establishment "
        f"{at_deadline['establishment_total']:,.0f}; awaiting diversion {at_deadline['state_awaiting']:,.0f}"
    )
    channels = [c for c in results.monthly.columns if c.startswith("diverted_")]
    print("  diverted so far: " + ", ".join(f"{c.removeprefix('diverted_')} {at_deadline[c]:.0f}" for c in channels))


if __name__ == "__main__":
    main()

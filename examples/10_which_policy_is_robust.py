"""Which policy is robust: robustness and scenario discovery (哪项政策稳健: 稳健性与情景发现).

Crosses four policies — a five-year hiring freeze or none (只出不进), weak or strong enforcement —
with uncertain worlds (how many staff quit, how hard townships push to hire, how many teacher
places open), as the library's sweep scenarios/sweeps/freeze-and-enforcement.toml does. For each
policy it shows how its outcome spreads across the worlds, its regret (how far it falls short of
the best policy in the same world), and — by PRIM scenario discovery — in which worlds even the
most robust policy does worst.

    python examples/10_which_policy_is_robust.py

Sizes: FENLIU_EXAMPLE_REPLICATIONS (default 10 per point), FENLIU_EXAMPLE_POINTS (worlds; at least
10, since PRIM needs enough of them; default 24), FENLIU_EXAMPLE_TOWNSHIPS (default 20),
FENLIU_EXAMPLE_WORKERS (default 2). Output: FENLIU_EXAMPLE_OUT (default results/examples)/10-robust/.
"""

import os
import tomllib
from pathlib import Path

import sim
from sim.report.load import load_sweep
from sim.report.robustness import prim_note, robustness

SPEC = Path("scenarios/sweeps/freeze-and-enforcement.toml")
REPLICATIONS = int(os.environ.get("FENLIU_EXAMPLE_REPLICATIONS", "10"))
WORLDS = max(int(os.environ.get("FENLIU_EXAMPLE_POINTS", "24")), 10)  # PRIM needs 10 or more
TOWNSHIPS = int(os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS", "20"))
WORKERS = int(os.environ.get("FENLIU_EXAMPLE_WORKERS", "2"))
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))
METRIC, MONTH = "overquota_hires_cumulative", 120  # hires over establishment (超编进人) by year 10


def main() -> None:
    """Run the levers × worlds sweep, rank the policies by their worst regret, find where the best one fails."""
    with SPEC.open("rb") as fh:
        spec = tomllib.load(fh)
    spec.update(name="robust", replications=REPLICATIONS)
    spec["design"]["points"] = WORLDS
    spec["set"]["population.synthetic.townships"] = TOWNSHIPS
    folder = OUT / "10-robust"
    sweep = sim.sweep(spec, base="scenarios/base.toml", out=folder, workers=WORKERS, resume=True, report=False)
    print(sweep)

    rb = robustness(load_sweep(folder), METRIC, MONTH)  # less is better for hires over establishment
    print(f"\n{METRIC} at month {MONTH}, across {WORLDS} worlds; policies ranked by their worst regret:")
    table = rb.summary.assign(policy=[rb.labels[p] for p in rb.summary["policy"]])
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    print("\n" + prim_note(rb, "en"))

    # The report: box plots, regret, the PRIM box, then the usual sweep panels, at this metric and month.
    path = sim.report.sweep_report(folder, folder / "report.html", metric=METRIC, month=MONTH)
    print(f"\nreport: {path}")


if __name__ == "__main__":
    main()

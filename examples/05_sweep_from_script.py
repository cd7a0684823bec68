"""Run a parameter sweep from a Python script (参数扫描: 脚本).

Runs the library's sweep scenarios/sweeps/freeze-and-enforcement.toml: two policy levers — a
hiring freeze (只出不进 for five years, or only while over establishment) and enforcement —
crossed with a Latin hypercube of uncertain worlds (quit rate, pressure to hire, teacher
places). Asks which lever keeps the rebound (反弹) down whatever the world turns out to be.

    python examples/05_sweep_from_script.py

The sweep runs on a local pool of worker processes; a script that starts one must keep its work
under `if __name__ == "__main__":`. Run it again and it resumes: finished jobs are kept.
Sizes (default: the spec file's own): FENLIU_EXAMPLE_REPLICATIONS (10 per point),
FENLIU_EXAMPLE_POINTS (20 worlds, × 4 policies), FENLIU_EXAMPLE_TOWNSHIPS (20),
FENLIU_EXAMPLE_WORKERS (default 2). Output: FENLIU_EXAMPLE_OUT (default results/examples)/05-sweep/.
"""

import os
import tomllib
from pathlib import Path

import sim

SPEC = Path("scenarios/sweeps/freeze-and-enforcement.toml")
REPLICATIONS = os.environ.get("FENLIU_EXAMPLE_REPLICATIONS")  # unset: the spec's own sizes
POINTS = os.environ.get("FENLIU_EXAMPLE_POINTS")
TOWNSHIPS = os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS")
WORKERS = int(os.environ.get("FENLIU_EXAMPLE_WORKERS", "2"))
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))


def load_spec() -> dict:
    """The spec file as a dict, resized by the environment variables above."""
    with SPEC.open("rb") as fh:
        spec = tomllib.load(fh)
    if REPLICATIONS:
        spec["replications"] = int(REPLICATIONS)
    if POINTS:
        spec["design"]["points"] = int(POINTS)
    if TOWNSHIPS:
        spec["set"]["population.synthetic.townships"] = int(TOWNSHIPS)
    return spec


def main() -> None:
    """Run (or resume) the sweep and say which lever matters."""
    # base= replaces the spec's base ("../base.toml", relative to the spec file, not to this folder).
    # resume=True: a rerun keeps finished jobs; a changed spec is refused with a message naming the change.
    sweep = sim.sweep(load_spec(), base="scenarios/base.toml", out=OUT / "05-sweep", workers=WORKERS, resume=True)
    print(sweep)
    if len(sweep.failed):
        print(sweep.failed[["job", "point", "error"]])

    design = sweep.design()  # one row per point: policy, world, levers, sampled parameters
    print(design.head().to_string(index=False))

    # Mean over replications of the rebound at year 10, per point, then averaged over worlds per policy.
    month = sweep.horizon
    summary = sweep.summary(with_design=True)
    rebound = summary[(summary["metric"] == "overquota_hires_cumulative") & (summary["month"] == month)]
    by_policy = rebound.groupby(sweep.levers)["mean"].agg(["mean", "min", "max"])
    print(f"\nhires over establishment (超编进人) by month {month}, across the sampled worlds:")
    print(by_policy.to_string(float_format=lambda v: f"{v:,.1f}"))

    # Which input matters most? Spearman rank importance, with replication noise as an input of its own.
    ranks = sim.sensitivity(sweep, "overquota_hires_cumulative", month=month, method="rank")
    print(ranks.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"\nsweep folder: {sweep.folder}; report: {sweep.folder / 'report.html'}")


if __name__ == "__main__":
    main()

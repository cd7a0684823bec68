"""Reproduce a result from its manifest (按 manifest 复现结果).

Every results folder holds manifest.json: the resolved scenario (every value, not just the file
name), the seed, the number of replications and the versions. A run is a pure function of
(scenario, seed, replication), so running the manifest's scenario with its seed gives the same
monthly table, to the last digit. This script re-runs a folder's manifest and checks that.

    python examples/08_reproduce_from_manifest.py results/base   # a folder written by `fenliu run`
    python examples/08_reproduce_from_manifest.py                # makes a small run first, then reproduces it

Sizes of the first run: FENLIU_EXAMPLE_REPLICATIONS (default 20), FENLIU_EXAMPLE_TOWNSHIPS
(default: the scenario's 110). Output: FENLIU_EXAMPLE_OUT (default results/examples)/08-reproduce/.
"""

import json
import os
import sys
from pathlib import Path

import pandas as pd

import sim
from sim.scenario import scenario_hash

FOLDER = sys.argv[1] if len(sys.argv) > 1 else None  # a run's results folder; None: make one first
REPLICATIONS = int(os.environ.get("FENLIU_EXAMPLE_REPLICATIONS", "20"))
TOWNSHIPS = os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS")
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))


def main() -> None:
    """Re-run the manifest's scenario and seed; compare the monthly tables."""
    if FOLDER:
        folder = Path(FOLDER)
    else:  # a run someone made earlier, with a seed of their choosing
        size = {"population.synthetic.townships": int(TOWNSHIPS)} if TOWNSHIPS else {}
        scenario = sim.load_scenario("scenarios/base.toml", overrides=size)
        folder = sim.run(scenario, replications=REPLICATIONS, seed=7).save(OUT / "08-reproduce" / "original")

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    print(
        f"{folder}: {manifest['scenario_name']}, seed {manifest['seed']}, {manifest['replications']} replications, "
        f"engine {manifest['engine']}, fenliu {manifest['versions']['fenliu']} (this is {sim.__version__})"
    )

    # The resolved scenario, exactly as it ran; its hash proves nothing was lost on the way.
    scenario = sim.Scenario.model_validate(manifest["scenario"])
    assert scenario_hash(scenario) == manifest["scenario_sha256"], "the manifest's scenario does not match its hash"

    if manifest["engine"] == "expected":  # `fenliu run --engine expected`: the deterministic twin
        again = sim.expected(scenario, seed=manifest["seed"])
    else:
        again = sim.run(scenario, replications=manifest["replications"], seed=manifest["seed"])

    original = pd.read_parquet(folder / "monthly.parquet")
    identical = again.monthly.equals(original)
    print(f"monthly table ({len(original):,} rows × {original.shape[1]} columns) identical: {identical}")
    if not identical:
        differ = [c for c in original.columns if not again.monthly[c].equals(original[c])]
        sys.exit(f"not reproduced: columns {differ} differ (another fenliu version, or a roster file that changed?)")
    again.save(OUT / "08-reproduce" / "again")


if __name__ == "__main__":
    main()

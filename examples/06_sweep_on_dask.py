"""Run the same sweep on a Dask cluster (在 Dask 集群上运行参数扫描).

The sweep of 05_sweep_from_script.py, computed by the workers of a Dask distributed cluster —
the machines of a computer room, or a server with many cores. Give the scheduler's address as
the first argument (or FENLIU_DASK_SCHEDULER); without one, a LocalCluster of
FENLIU_EXAMPLE_WORKERS processes (default 2) on this machine stands in for the cluster. Every
worker needs fenliu installed (the same version). A run is a pure function of scenario, seed
and replication, so the numbers are those of the local pool, byte for byte: if example 05 has
run with the same sizes, this script checks that.

    python examples/06_sweep_on_dask.py                       # LocalCluster
    python examples/06_sweep_on_dask.py tcp://10.0.0.5:8786   # a running cluster

Sizes as in 05 (FENLIU_EXAMPLE_REPLICATIONS, _POINTS, _TOWNSHIPS; default: the spec's own).
Output: FENLIU_EXAMPLE_OUT (default results/examples)/06-sweep-dask/.
"""

import os
import sys
import tomllib
from pathlib import Path

import sim

SPEC = Path("scenarios/sweeps/freeze-and-enforcement.toml")
SCHEDULER = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FENLIU_DASK_SCHEDULER")  # None: LocalCluster
REPLICATIONS = os.environ.get("FENLIU_EXAMPLE_REPLICATIONS")  # unset: the spec's own sizes
POINTS = os.environ.get("FENLIU_EXAMPLE_POINTS")
TOWNSHIPS = os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS")
WORKERS = int(os.environ.get("FENLIU_EXAMPLE_WORKERS", "2"))
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))


def load_spec() -> dict:
    """The spec file as a dict, resized by the environment variables above (as in example 05)."""
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
    """Run the sweep on Dask and check it against the local pool's results."""
    print(f"Dask scheduler: {SCHEDULER or f'none given, a LocalCluster of {WORKERS} workers'}")
    sweep = sim.sweep(
        load_spec(),
        base="scenarios/base.toml",
        out=OUT / "06-sweep-dask",
        executor="dask",
        scheduler=SCHEDULER,  # e.g. "tcp://10.0.0.5:8786"; unreachable: sim.InputError, nothing written
        workers=WORKERS,  # only for the LocalCluster; a real cluster has the workers it has
        resume=True,  # if the connection drops, run the script again: finished jobs are kept
    )
    print(sweep)
    print("jobs per worker (host:process):", sweep.jobs["worker"].value_counts().to_dict())

    # The same sweep on the local pool (example 05) wrote the same bytes, whatever ran it.
    local = OUT / "05-sweep" / "points"
    if local.is_dir():
        ours = sorted((sweep.folder / "points").glob("point-*.parquet"))
        same = [(local / p.name).is_file() and (local / p.name).read_bytes() == p.read_bytes() for p in ours]
        print(f"point files identical to example 05's local pool: {sum(same)} of {len(ours)}")
        if not all(same):
            sys.exit("the Dask results differ from the local pool's (were the sizes the same?)")


if __name__ == "__main__":
    main()

"""Run a sweep from a notebook (参数扫描: 在笔记本中) — a Sobol sensitivity analysis.

This file is a notebook in percent format: each `# %%` line starts a cell. Open it in VS Code
(the Python extension shows "Run Cell" above each cell) or in Jupyter with jupytext ("Open With →
Notebook"), and run the cells from the project folder. In a notebook no `if __name__ ==
"__main__":` guard is needed; as a plain `python` script use 05_sweep_from_script.py instead.

It runs scenarios/sweeps/cut-sobol.toml — the size of the two establishment cuts against quits and
the retirement age — and asks which input drives the number still awaiting diversion (待分流) at
the deadline. Sizes (default: the spec's): FENLIU_EXAMPLE_REPLICATIONS (4), FENLIU_EXAMPLE_POINTS
(32, a power of two), FENLIU_EXAMPLE_TOWNSHIPS (10). Output: FENLIU_EXAMPLE_OUT/05b-sobol/.
"""

# %% Settings
import os
import tomllib
from pathlib import Path

import sim
from sim import figures

if "__file__" in globals():  # started as `python 05b_...py`: its worker processes would each rerun this file
    raise SystemExit("05b is a notebook: run its cells in Jupyter or VS Code, or run 05_sweep_from_script.py")
if not Path("scenarios").is_dir() and Path("../scenarios").is_dir():
    os.chdir("..")  # Jupyter and VS Code start a notebook in its own folder; work from the project folder

SPEC = Path("scenarios/sweeps/cut-sobol.toml")
REPLICATIONS = os.environ.get("FENLIU_EXAMPLE_REPLICATIONS")  # unset: the spec's own sizes
POINTS = os.environ.get("FENLIU_EXAMPLE_POINTS")
TOWNSHIPS = os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS")
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples")) / "05b-sobol"

with SPEC.open("rb") as fh:
    spec = tomllib.load(fh)
if REPLICATIONS:
    spec["replications"] = int(REPLICATIONS)
if POINTS:
    spec["design"]["points"] = int(POINTS)  # Sobol: a power of two
if TOWNSHIPS:
    spec["set"]["population.synthetic.townships"] = int(TOWNSHIPS)
spec["summary_months"] = [0, 12, 29, 60, 120]  # the deadline (29) too, for the figures below; the spec: yearly
print(spec["design"], spec["replications"], "replications per point")

# %% Run the sweep on a local pool (rerunning the cell resumes: finished jobs are kept)
sweep = sim.sweep(spec, base="scenarios/base.toml", out=OUT, workers=2, resume=True)
sweep  # noqa: B018 - a notebook shows the last expression of a cell

# %% The design: one row per point
design = sweep.design()
design.head()

# %% Sobol indices of the people still awaiting diversion at the deadline (month 29)
indices = sim.sensitivity(sweep, "state_awaiting", month=29)
print(indices[["parameter", "S1", "S1_conf", "ST", "ST_conf", "rank"]].to_string(index=False))
# The row `replication` is chance itself: the share of the variance no parameter explains.

# %% The metric against each parameter (a notebook shows the last expression of a cell)
figures.sweep_scatter(sweep.folder, metric="state_awaiting", month=29)

# %% The Sobol indices as bars, in Chinese
figures.sobol_bars(sweep.folder, metric="state_awaiting", month=29, lang="zh")

"""Scenario discovery: which ranges of the uncertain inputs make a policy fail (PRIM boxes).

PRIM (Friedman & Fisher's Patient Rule Induction Method) peels the input space, a small slice
at a time, towards a box where the cases of interest (failures) are dense. Each step of the
peeling trajectory trades *coverage* (share of all failures inside the box) for *density*
(share of the cases inside the box that fail); *mass* is the share of all cases inside.
The peeling itself is EMA Workbench's (`ema_workbench.analysis.prim`), a well-kept
implementation; this module chooses a box on its trajectory and returns plain numbers.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.errors import InputError


@dataclass(frozen=True)
class PrimBox:
    """A box of input ranges where failures concentrate, with its quality figures.

    `limits` maps each restricted input to (low, high); inputs not listed are unrestricted.
    `trajectory` has one row per peeling step: coverage, density, mass, restricted dimensions.
    `chosen` is the row of the trajectory the box is.
    """

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    cases: int
    failures: int
    trajectory: pd.DataFrame = field(repr=False)
    chosen: int = 0
    min_density: float = 0.8  # the density the box was to reach (`dense` says whether it did)

    @property
    def dense(self) -> bool:
        """Whether the box reaches `min_density` (else it is the densest step of the trajectory)."""
        return self.density >= self.min_density - 1e-12

    @property
    def base_rate(self) -> float:
        """Share of all cases that fail (the density of the whole space)."""
        return self.failures / self.cases if self.cases else float("nan")


def prim_box(x: pd.DataFrame, failed: np.ndarray, min_density: float = 0.8, peel_alpha: float = 0.05) -> PrimBox:
    """PRIM box of the numeric inputs `x` (one row per case) where `failed` is true.

    The box chosen is the step of the peeling trajectory with the highest coverage among those
    whose density reaches `min_density` (of equal coverage, the densest), else the densest step.
    Raises InputError when there are no failures or no inputs to explain them by.
    """
    failed = np.asarray(failed, dtype=bool)
    if len(x) != len(failed):
        raise InputError(f"PRIM: {len(x)} cases of inputs but {len(failed)} outcomes")
    numeric = x.select_dtypes(include="number").astype(float)
    numeric = numeric.loc[:, numeric.nunique() > 1]
    if numeric.shape[1] == 0:
        raise InputError("PRIM: no input varies across the cases")
    if not failed.any():
        raise InputError("PRIM: no case fails, so there is nothing to find")
    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the workbench warns on import about evaluators we do not use
        from ema_workbench.analysis import prim  # imported here: the workbench takes seconds to import

        finder = prim.Prim(numeric.reset_index(drop=True), failed, threshold=min_density, peel_alpha=peel_alpha)
        box = finder.find_box()
    traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(drop=True)
    good = traj.index[traj["density"] >= min_density - 1e-12]
    if len(good):  # the most coverage, and of equal coverage the densest
        chosen = int(traj.loc[good].sort_values(["coverage", "density"], ascending=False, kind="stable").index[0])
    else:
        chosen = int(traj["density"].idxmax())
    lims = box.box_lims[chosen]
    full = box.box_lims[0]
    limits = {
        str(col): (float(lims[col].iloc[0]), float(lims[col].iloc[1]))
        for col in numeric.columns
        if not np.isclose(lims[col].iloc[0], full[col].iloc[0]) or not np.isclose(lims[col].iloc[1], full[col].iloc[1])
    }
    row = traj.loc[chosen]
    return PrimBox(
        limits=limits,
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        mass=float(row["mass"]),
        cases=len(failed),
        failures=int(failed.sum()),
        trajectory=traj,
        chosen=chosen,
        min_density=min_density,
    )

"""Sensitivity of a sweep's metric to its parameters, with replication noise as an input.

Because every point uses the same seed (common random numbers), replication r is the same
"world of chance" at every point, so the replication index can be treated as one more input
(`replication` in the tables) instead of being averaged away:

- Sobol designs: first-order and total Sobol indices (SALib's estimators) on an augmented
  Saltelli design. For base sample j and every pair of replications (r, r'): A = (x_A, r),
  B = (x_B, r'), AB_i = (x_AB_i, r) and AB_replication = (x_A, r') — all already run, so
  the replication is an input drawn uniformly from 0..R-1 at no extra cost. Confidence
  intervals come from a bootstrap over base samples (keeping each sample's replications
  together, as they share inputs).
- Morris designs: elementary effects per trajectory and replication; the replication's
  effect is the change from switching world r → r' (every pair r ≠ r') at a trajectory's
  first point, divided by the Morris step Δ. Bootstrap over trajectories.
- Any design: rank importance: Spearman's ρ² of each input against the metric over every
  (point, replication), and for the replication the share of the metric's rank variance
  within points (what no parameter explains).

With levers, Sobol and Morris are computed for each policy (the design is repeated per
policy); rank importance takes the levers as inputs too unless a policy is chosen.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.experiment.design import UNIT_PREFIX
from sim.experiment.sweep_results import SweepResults

NOISE = "replication"
METHODS = ("sobol", "morris", "rank")


def _open(sweep: SweepResults | str | Path) -> SweepResults:
    return sweep if isinstance(sweep, SweepResults) else SweepResults(sweep)


def _outcomes(sw: SweepResults, metric: str, month: int, table: pd.DataFrame | None = None) -> np.ndarray:
    """(points × replications) array of the metric at `month`; NaN where a point has no results.

    `table` (point, replication, metric columns at `month`) saves reading the point files again.
    """
    n_points = int(sw.manifest["design"]["points"])
    reps = int(sw.manifest["replications"])
    values = sw.values(metric, month) if table is None else table.rename(columns={metric: "value"})
    y = np.full((n_points, reps), np.nan)
    y[values["point"].to_numpy(), values["replication"].to_numpy()] = values["value"].to_numpy(dtype=np.float64)
    return y


def _z(confidence: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + confidence / 2))


# ----- Sobol ---------------------------------------------------------------------------------
def sobol_indices(
    y: np.ndarray, names: list[str], confidence: float = 0.95, resamples: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """S1, ST and their confidence half-widths from a Saltelli design's outputs.

    `y` is (N·(D+2) worlds × R replications) in SALib's order (A, AB_1..AB_D, B per base
    sample). With R ≥ 2 the replication is an extra input (last row of the table).
    """
    from SALib.analyze.sobol import first_order, total_order

    d = len(names)
    n_rows, reps = y.shape
    if n_rows % (d + 2):
        raise InputError(f"a Sobol' design of {d} parameters has a multiple of {d + 2} points, found {n_rows}")
    n = n_rows // (d + 2)
    block = y.reshape(n, d + 2, reps)
    a, ab, b = block[:, 0, :], block[:, 1 : d + 1, :], block[:, d + 1, :]
    if reps >= 2:
        # every (r, r') pair is a base sample: A = (x_A, r), B = (x_B, r'), AB_i = (x_ABi, r), AB_rep = (x_A, r')
        a_aug = np.broadcast_to(a[:, :, None], (n, reps, reps)).reshape(n, -1)
        b_aug = np.broadcast_to(b[:, None, :], (n, reps, reps)).reshape(n, -1)
        ab_par = np.broadcast_to(ab[:, :, :, None], (n, d, reps, reps)).reshape(n, d, -1)
        ab_rep = np.broadcast_to(a[:, None, :], (n, reps, reps)).reshape(n, 1, -1)
        ab_aug = np.concatenate([ab_par, ab_rep], axis=1)
        names = [*names, NOISE]
    else:
        a_aug, b_aug, ab_aug = a, b, ab
    k = len(names)
    pooled = np.concatenate([a_aug.ravel(), b_aug.ravel()])
    centre, scale = pooled.mean(), pooled.std()
    scale = scale if scale > 0 else 1.0
    a_n, b_n, ab_n = (a_aug - centre) / scale, (b_aug - centre) / scale, (ab_aug - centre) / scale

    def indices(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        aa, bb = a_n[rows].ravel(), b_n[rows].ravel()
        s1 = np.array([first_order(aa, ab_n[rows, i, :].ravel(), bb) for i in range(k)])
        st = np.array([total_order(aa, ab_n[rows, i, :].ravel(), bb) for i in range(k)])
        return s1, st

    with np.errstate(invalid="ignore", divide="ignore"):
        s1, st = indices(np.arange(n))
        rng = np.random.default_rng(seed)
        boot = [indices(rng.integers(0, n, n)) for _ in range(resamples)]
    z = _z(confidence)
    s1_conf = z * np.nanstd([bs[0] for bs in boot], axis=0, ddof=1) if resamples > 1 else np.full(k, np.nan)
    st_conf = z * np.nanstd([bs[1] for bs in boot], axis=0, ddof=1) if resamples > 1 else np.full(k, np.nan)
    frame = pd.DataFrame({"parameter": names, "S1": s1, "S1_conf": s1_conf, "ST": st, "ST_conf": st_conf})
    frame["rank"] = _importance_ranks(frame["ST"])
    return frame


# ----- Morris --------------------------------------------------------------------------------
def morris_effects(
    unit: np.ndarray,
    y: np.ndarray,
    names: list[str],
    levels: int,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """mu, mu*, sigma of the elementary effects (per unit-cube step) of each input.

    `unit` is (r·(D+1) × D) Morris trajectories in the unit cube, `y` (same rows × R).
    """
    d = len(names)
    n_rows, reps = y.shape
    if n_rows % (d + 1):
        raise InputError(f"a Morris design of {d} parameters has a multiple of {d + 1} points, found {n_rows}")
    t = n_rows // (d + 1)
    x = unit.reshape(t, d + 1, d)
    yy = y.reshape(t, d + 1, reps)
    dx = np.diff(x, axis=1)  # (t, d, d): one factor changes per step
    moved = np.abs(dx).argmax(axis=2)  # (t, d)
    step = np.take_along_axis(dx, moved[:, :, None], axis=2)[:, :, 0]
    dy = np.diff(yy, axis=1)  # (t, d, R)
    ee = np.full((t, d, reps), np.nan)
    for j in range(d):  # step j moved factor moved[:, j]
        ee[np.arange(t), moved[:, j], :] = dy[:, j, :] / step[:, j, None]
    if reps >= 2:
        # the replication's effect: switch world r -> r' (every ordered pair r != r') at a trajectory's first point
        delta = levels / (2.0 * (levels - 1))
        first, second = np.nonzero(~np.eye(reps, dtype=bool))
        noise = (yy[:, 0, second] - yy[:, 0, first]) / delta  # (t, R(R-1))
        names = [*names, NOISE]
    else:
        noise = None

    def effects(rows: np.ndarray) -> list[np.ndarray]:
        per = [ee[rows, i, :].ravel() for i in range(d)]
        return per + ([noise[rows].ravel()] if noise is not None else [])

    def stat(values: list[np.ndarray], fn: Any) -> np.ndarray:
        return np.array([fn(v) if len(v) > 1 else np.nan for v in values])

    every = effects(np.arange(t))
    rng = np.random.default_rng(seed)
    boot = np.array([stat(effects(rng.integers(0, t, t)), lambda v: np.abs(v).mean()) for _ in range(resamples)])
    frame = pd.DataFrame(
        {
            "parameter": names,
            "mu": stat(every, np.mean),
            "mu_star": stat(every, lambda v: np.abs(v).mean()),
            "mu_star_conf": _z(confidence) * boot.std(axis=0, ddof=1) if resamples > 1 else np.nan,
            "sigma": stat(every, lambda v: v.std(ddof=1)),
        }
    )
    frame["rank"] = _importance_ranks(frame["mu_star"])
    return frame


# ----- rank importance -----------------------------------------------------------------------
def _constant(y: np.ndarray) -> bool:
    """Whether an outcome takes one value at every point and replication (its finite values)."""
    finite = y[np.isfinite(y)]
    return bool(len(finite)) and bool(finite.max() == finite.min())


def _ranks(values: np.ndarray) -> np.ndarray:
    from scipy import stats

    return stats.rankdata(values, axis=0)


def _rank_measures(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ρ per input (columns of x, rows = points) and the within-point share of rank variance of y (points × R)."""
    points, reps = y.shape
    ry = _ranks(y.ravel()).reshape(points, reps)
    rx = _ranks(np.repeat(x, reps, axis=0))
    ryf = ry.ravel()
    rho = np.array([np.corrcoef(rx[:, i], ryf)[0, 1] if np.ptp(rx[:, i]) > 0 else 0.0 for i in range(x.shape[1])])
    total = ryf.var()
    within = ry.var(axis=1).mean() if reps > 1 else np.nan
    return np.append(rho, within / total if total > 0 else 0.0)


def rank_importance(
    x: pd.DataFrame, y: np.ndarray, confidence: float = 0.95, resamples: int = 200, seed: int = 0
) -> pd.DataFrame:
    """Spearman ρ and ρ² per input, and the replication's share of rank variance.

    Intervals: for ρ², Fisher's z with n = points (conservative: replications of a point are
    not independent); for the replication's share, a percentile bootstrap over points.
    """
    codes = np.column_stack(
        [
            x[c].to_numpy(dtype=np.float64) if pd.api.types.is_numeric_dtype(x[c]) else pd.factorize(x[c])[0]
            for c in x.columns
        ]
    ).astype(np.float64)
    names = [*x.columns, NOISE]
    n = len(y)
    alpha = (1 - confidence) / 2
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        est = _rank_measures(codes, y)
        rho = est[:-1]
        half = _z(confidence) * np.sqrt(1.06 / max(n - 3, 1))
        lo, hi = np.tanh(np.arctanh(np.clip(rho, -0.999999, 0.999999)) + np.array([[-half], [half]]))
        rho2_low = np.where((lo < 0) & (hi > 0), 0.0, np.minimum(lo**2, hi**2))
        rho2_high = np.maximum(lo**2, hi**2)
        rng = np.random.default_rng(seed)
        shares = np.array([_rank_measures(np.empty((n, 0)), y[rng.integers(0, n, n)])[-1] for _ in range(resamples)])
    noise_low, noise_high = np.nanquantile(shares, [alpha, 1 - alpha]) if resamples > 1 else (np.nan, np.nan)
    frame = pd.DataFrame(
        {
            "parameter": names,
            "rho": np.append(rho, np.nan),
            "importance": np.append(rho**2, est[-1]),
            "conf_low": np.append(rho2_low, noise_low),
            "conf_high": np.append(rho2_high, noise_high),
        }
    )
    frame["rank"] = _importance_ranks(frame["importance"])
    return frame


def _importance_ranks(importance: pd.Series) -> pd.Series:
    """1 for the most important input; no rank (NA) where the importance is not a number."""
    return importance.rank(ascending=False, method="min").astype("Int64")


def _nothing_to_attribute(table: pd.DataFrame) -> pd.DataFrame:
    """The table of an outcome that takes one value at every point and replication: no variance to share out,
    so no index and no rank (rather than zeros that rank every input first).
    """
    for col in table.columns:
        if col not in ("parameter", "rank") and pd.api.types.is_float_dtype(table[col]):
            table[col] = np.nan
    table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table.attrs["constant"] = True
    return table


# ----- entry point ---------------------------------------------------------------------------
def sensitivity(
    sweep: SweepResults | str | Path,
    metric: str,
    month: int | None = None,
    method: str | None = None,
    *,
    policy: int | None = None,
    confidence: float = 0.95,
    resamples: int | None = None,
    seed: int = 0,
    _table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sensitivity of `metric` at `month` (default: the horizon) to the sweep's inputs.

    `method` defaults to the design's: 'sobol' (S1, ST with confidence half-widths) for Sobol
    designs, 'morris' (mu, mu_star, sigma) for Morris designs, 'rank' (Spearman ρ², any
    design). The row `replication` is the replication noise as an input. `rank` is 1 for the
    most important input. With levers, Sobol and Morris give one block per policy.
    """
    sw = _open(sweep)
    kind = sw.manifest["design"]["kind"]
    method = method or (kind if kind in ("sobol", "morris") else "rank")
    if method not in METHODS:
        raise InputError(f"method: expected one of {', '.join(METHODS)}, found {method!r}")
    if method in ("sobol", "morris") and kind != method:
        raise InputError(f"method {method!r} needs a {method} design; this sweep's design is {kind!r} (use 'rank')")
    if not 0 < confidence < 1:
        raise InputError(f"confidence: expected a number between 0 and 1, found {confidence}")
    month = sw.horizon if month is None else int(month)
    y = _outcomes(sw, metric, month, _table)
    design = sw.design(unit=True)
    params, levers = sw.parameters, sw.levers
    n_worlds = int(sw.manifest["design"]["worlds"])
    n_policies = int(sw.manifest["design"]["policies"])
    if policy is not None and not 0 <= policy < n_policies:
        raise InputError(f"policy: expected 0 to {n_policies - 1}, found {policy}")
    if method == "rank":
        rows = np.arange(len(design)) if policy is None else np.arange(policy * n_worlds, (policy + 1) * n_worlds)
        keep = rows[~np.isnan(y[rows]).any(axis=1)]
        if len(keep) < 3:
            raise InputError(f"{sw.name}: rank importance needs at least 3 finished points, found {len(keep)}")
        inputs = params if policy is not None else [*levers, *params]
        x = design.set_index("point").loc[keep, inputs]
        if y.shape[1] < 2:
            warnings.warn("one replication per point: the replication's share cannot be estimated", stacklevel=2)
        table = rank_importance(x, y[keep], confidence, resamples or 200, seed)
        return _finish(table, sw, metric, month, method, None, _constant(y[keep]))
    if np.isnan(y).any():
        missing = int(np.isnan(y).any(axis=1).sum())
        raise InputError(
            f"{sw.name}: {method} indices need every point, but {missing} lack results (failed or unfinished jobs); "
            "resume the sweep first, or use method='rank'"
        )
    if y.shape[1] < 2:
        warnings.warn("one replication per point: replication noise cannot be treated as an input", stacklevel=2)
    blocks = []
    for pol in range(n_policies) if policy is None else [policy]:
        sl = slice(pol * n_worlds, (pol + 1) * n_worlds)
        if method == "sobol":
            table = sobol_indices(y[sl], params, confidence, resamples or 1000, seed)
        else:
            unit = design[[UNIT_PREFIX + p for p in params]].to_numpy(dtype=np.float64)[sl]
            levels = int(sw.manifest["design"].get("levels", 4))
            table = morris_effects(unit, y[sl], params, levels, confidence, resamples or 1000, seed)
        blocks.append(_finish(table, sw, metric, month, method, pol if n_policies > 1 else None, _constant(y[sl])))
    return pd.concat(blocks, ignore_index=True)


def _finish(
    table: pd.DataFrame,
    sw: SweepResults,
    metric: str,
    month: int,
    method: str,
    policy: int | None,
    constant: bool = False,
) -> pd.DataFrame:
    if constant:
        table = _nothing_to_attribute(table)
    table.insert(0, "month", month)
    table.insert(0, "metric", metric)
    if policy is not None:
        table.insert(0, "policy", policy)
    table.attrs.update({"method": method, "sweep": sw.name, "metric": metric, "month": month})
    return table


def policy_values(sw: SweepResults) -> dict[int, dict[str, Any]]:
    """Lever values of each policy index."""
    design = sw.design()
    first = design.drop_duplicates("policy").set_index("policy")
    return {int(p): {k: row[k] for k in sw.levers} for p, row in first.iterrows()}


HEADLINE_METRICS = ("state_awaiting", "savings_cumulative_government", "headcount_total")


def sobol_months(sw: SweepResults) -> list[int]:
    """The months whose Sobol indices a sweep stores: its reform month, deadline and horizon."""
    reform = sw.manifest["base_scenario"].get("reform") or {}
    months = {sw.horizon, *(int(reform[k]) for k in ("month", "deadline_month") if k in reform)}
    return sorted(m for m in months if 0 <= m <= sw.horizon)


def sobol_rows(sw: SweepResults, metrics: list[str], month: int, resamples: int = 300) -> pd.DataFrame:
    """Sobol indices of `metrics` at `month` (columns metric, month, parameter, S1, S1_conf, ST, ST_conf, rank)."""
    values = sw.at_month(metrics, month)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.concat(
            [
                sensitivity(
                    sw, m, month, method="sobol", resamples=resamples, _table=values[["point", "replication", m]]
                )
                for m in metrics
            ],
            ignore_index=True,
        )


def write_sobol_table(sweep: SweepResults | str | Path, metrics: tuple[str, ...] = HEADLINE_METRICS) -> Path | None:
    """sobol.parquet for a complete single-policy Sobol sweep: headline metrics at `sobol_months` (for reports)."""
    from sim.experiment.storage import write_parquet

    sw = _open(sweep)
    design = sw.manifest["design"]
    if design["kind"] != "sobol" or int(design["policies"]) != 1 or not sw.complete:
        return None
    chosen = [m for m in metrics if m in sw.metrics] or sw.metrics[:1]
    table = pd.concat([sobol_rows(sw, chosen, month) for month in sobol_months(sw)], ignore_index=True)
    path = sw.folder / "sobol.parquet"
    write_parquet(table, path)
    return path


def add_sobol_rows(sweep: SweepResults | str | Path, metric: str, month: int) -> bool:
    """Add the Sobol indices of `metric` at `month` to sobol.parquet when missing; whether it holds them now.

    For `fenliu report SWEEP --metric M --month N`: the report reads files only, so the indices
    of a month the sweep did not store are computed here, from the point files, and kept.
    """
    from sim.experiment.storage import write_parquet

    sw = _open(sweep)
    design = sw.manifest.get("design") or {}
    if design.get("kind") != "sobol" or int(design.get("policies", 1)) != 1 or not sw.complete:
        return False
    path = sw.folder / "sobol.parquet"
    table = pd.read_parquet(path) if path.is_file() else None
    if table is not None and {"metric", "month"} <= set(table.columns):
        if ((table["metric"] == metric) & (table["month"].astype(int) == int(month))).any():
            return True
    rows = sobol_rows(sw, [metric], int(month))
    write_parquet(rows if table is None else pd.concat([table, rows], ignore_index=True), path)
    from sim.folders import reseal

    reseal(sw.folder, path.name)  # the manifest keeps vouching for the folder's files
    return True

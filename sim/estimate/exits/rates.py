"""Exposure-based exit hazards: person-years at risk split by age band (Lexis), exits per person-year,
exact Poisson (Garwood) intervals, and a Poisson regression with an exposure offset for thin cells.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from sim.estimate.exits.intervals import UNEXPLAINED

CAUSES = ("retired", "died", "left", "diverted", UNEXPLAINED, "quit", "all")
FACTORS = ("age_band", "sex", "sector", "status")
DIMENSIONS: tuple[tuple[str, ...], ...] = ((), ("age_band",), ("sex",), ("sector",), ("status",), ("age_band", "sex"))
DEFAULT_EDGES = (0.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 120.0)


def band_names(edges: tuple[float, ...]) -> list[str]:
    """Labels of the age bands between `edges`: '25-30', the first '<25', the last '60+'."""
    names = [f"{lo:g}-{hi:g}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    if edges[0] == 0:
        names[0] = f"<{edges[1]:g}"
    if edges[-1] >= 100:
        names[-1] = f"{edges[-2]:g}+"
    return names


def cause_flags(cohort: pd.DataFrame, unexplained: str) -> dict[str, np.ndarray]:
    """Which rows end in each cause. `quit` is the model's quit: those who left, and (with unexplained
    'quit') those who disappeared before reaching the statutory age.
    """
    out = {c: (cohort["outcome"] == c).to_numpy() for c in CAUSES[:5]}
    quit = out["left"].copy()
    if unexplained == "quit":
        quit |= out[UNEXPLAINED] & ~cohort["reached_statutory"].to_numpy()
    out["quit"] = quit
    out["all"] = (cohort["outcome"] != "stayed").to_numpy()
    return out


def fine_cells(cohort: pd.DataFrame, edges: tuple[float, ...], unexplained: str) -> pd.DataFrame:
    """Events and person-years by age band, sex, sector and status (exposure split across age bands)."""
    lo, hi = np.asarray(edges[:-1]), np.asarray(edges[1:])
    a0 = cohort["age_start"].to_numpy()
    a1 = a0 + cohort["exposure_years"].to_numpy()
    years = np.clip(np.minimum(a1[:, None], hi) - np.maximum(a0[:, None], lo), 0.0, None)  # (people, bands)
    at_exit = np.clip(
        np.searchsorted(edges, np.nan_to_num(cohort["exit_age"].to_numpy()), side="right") - 1, 0, len(lo) - 1
    )
    names = np.asarray(band_names(edges), dtype=object)
    keys = cohort[["sex", "sector", "status"]].reset_index(drop=True)
    parts = []
    flags = cause_flags(cohort, unexplained)
    for b, name in enumerate(names):
        part = keys.assign(age_band=name, exposure_years=years[:, b])
        for cause, hit in flags.items():
            part[cause] = (hit & (at_exit == b)).astype(np.int64)
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    cells = long.groupby(list(FACTORS), sort=False, observed=True)[["exposure_years", *CAUSES]].sum().reset_index()
    order = {n: k for k, n in enumerate(names)}
    cells = cells[cells["exposure_years"] > 0]
    return cells.sort_values(
        ["age_band", "sex", "sector", "status"], key=lambda s: s.map(order) if s.name == "age_band" else s
    ).reset_index(drop=True)


def garwood(events: np.ndarray, exposure: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval of a rate: events D over exposure E, [χ²(α/2; 2D)/2, χ²(1−α/2; 2D+2)/2] / E."""
    alpha = 1.0 - level
    d = np.asarray(events, dtype=float)
    e = np.asarray(exposure, dtype=float)
    low = np.where(d > 0, chi2.ppf(alpha / 2, 2 * np.maximum(d, 1e-300)) / 2, 0.0)
    high = chi2.ppf(1 - alpha / 2, 2 * d + 2) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(e > 0, low / e, np.nan), np.where(e > 0, high / e, np.nan)


def _design(cells: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Treatment-coded design (intercept, then every factor with more than one level)."""
    columns, names = [np.ones(len(cells))], ["intercept"]
    for f in FACTORS:
        levels = list(dict.fromkeys(cells[f].tolist()))
        for level in levels[1:]:
            columns.append((cells[f] == level).to_numpy(dtype=float))
            names.append(f"{f}={level}")
    return np.column_stack(columns), names


@dataclass(frozen=True)
class Fit:
    """A Poisson GLM's expected events per fine cell, its design and the covariance of its coefficients."""

    mu: np.ndarray
    x: np.ndarray
    cov: np.ndarray

    def group(self, mask: np.ndarray, exposure: float, z: float) -> tuple[float, float, float]:
        """Model rate of the cells in `mask` (expected events over person-years) with a delta-method
        interval on the log scale.
        """
        m = float(self.mu[mask].sum())
        if m <= 0 or exposure <= 0:
            return 0.0, 0.0, np.nan
        grad = self.mu[mask] @ self.x[mask]
        se = float(np.sqrt(max(grad @ self.cov @ grad, 0.0))) / m
        with np.errstate(over="ignore"):  # a cell the model cannot pin down: an unbounded interval
            return m / exposure, m * np.exp(-z * se) / exposure, m * np.exp(z * se) / exposure


def poisson_fit(cells: pd.DataFrame, cause: str) -> Fit | None:
    """Poisson GLM (statsmodels) of a cause's events with offset log(person-years) and main effects of
    age band, sex, sector and status; None when there is no event to fit.
    """
    import statsmodels.api as sm

    y = cells[cause].to_numpy(dtype=float)
    if y.sum() <= 0:
        return None
    x, _ = _design(cells)
    offset = np.log(cells["exposure_years"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a level without events drifts towards a zero rate: that is the answer
        fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
    return Fit(np.asarray(fit.mu), x, np.asarray(fit.cov_params()))


def rate_table(cells: pd.DataFrame, level: float, min_events: float) -> pd.DataFrame:
    """Observed and modelled rates of every cause over every dimension (all, age band, sex, sector, status,
    age band × sex), with their intervals and, for each row, which of the two a scenario should use.
    """
    z = float(norm.ppf(0.5 + level / 2))
    exposure_of = cells["exposure_years"].to_numpy()
    groups: list[tuple[tuple[str, ...], tuple[object, ...], np.ndarray]] = []  # (dims, key, mask) of each row
    for dims in DIMENSIONS:
        if not dims:
            groups.append(((), (), np.ones(len(cells), dtype=bool)))
            continue
        keys = list(zip(*(cells[d].tolist() for d in dims), strict=True))
        codes, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
        groups += [(dims, tuple(key), codes == k) for k, key in enumerate(uniques)]
    rows = []
    for cause in CAUSES:
        fit = poisson_fit(cells, cause)
        events_of = cells[cause].to_numpy()
        for dims, key, mask in groups:
            exposure = float(exposure_of[mask].sum())
            model = fit.group(mask, exposure, z) if fit is not None else (0.0, 0.0, np.nan)
            row: dict[str, object] = {
                "cause": cause,
                "dimension": "×".join(dims) or "all",
                **dict.fromkeys(FACTORS, ""),
            }
            row.update(dict(zip(dims, key, strict=True)))
            expected = model[0] * exposure
            row.update(events=int(events_of[mask].sum()), exposure_years=exposure, expected_events=expected)
            row.update(model_rate=model[0], model_low=model[1], model_high=model[2])
            row["use"] = "observed" if expected >= min_events else "model"
            rows.append(row)
    table = pd.DataFrame(rows)
    table["rate"] = table["events"] / table["exposure_years"]
    table["ci_low"], table["ci_high"] = garwood(table["events"].to_numpy(), table["exposure_years"].to_numpy(), level)
    # a cell where even the model cannot pin the rate down (no exits at its level) takes the crude rate
    loose = (table["use"] == "model") & ~np.isfinite(table["model_high"].to_numpy(dtype=float))
    table.loc[loose, "use"] = "crude"
    crude = table[table["dimension"] == "all"].set_index("cause")
    crude_rate = table["cause"].map(crude["events"] / crude["exposure_years"])
    table["rate_used"] = np.select(
        [table["use"] == "observed", table["use"] == "model"], [table["rate"], table["model_rate"]], crude_rate
    )
    columns = ["cause", "dimension", *FACTORS, "events", "exposure_years", "rate", "ci_low", "ci_high"]
    return table[[*columns, "expected_events", "model_rate", "model_low", "model_high", "use", "rate_used"]]

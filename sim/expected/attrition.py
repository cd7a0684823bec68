"""Attrition integrated: survival profiles of lines and the kernel of a hire.

The engine draws the same exits in `sim.engine.attrition`, from the same `hazard_intervals` and
`retirement_abs_month`.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from sim.engine.attrition import hazard_intervals, retirement_abs_month, sex_specific
from sim.scenario.schema import AttritionSection


def cumulative_hazard(att: AttritionSection, ages_years: np.ndarray, female: bool = False) -> np.ndarray:
    """Death plus quit cumulative hazard Λ(age) from age 0 of a man (or a woman), piecewise linear in age."""
    ages = np.asarray(ages_years, dtype=float)
    total = np.zeros_like(ages)
    for kind in ("death", "quit"):
        edges, rates = hazard_intervals(att, kind, female)
        lo = edges[:-1]
        width = np.diff(edges)[:-1]
        at_lo = np.concatenate([[0.0], np.cumsum(rates[:-1] * width)])
        k = np.clip(np.searchsorted(edges, ages, side="right") - 1, 0, len(rates) - 1)
        total += at_lo[k] + rates[k] * (ages - lo[k])
    return total


class Survival:
    """Λ on the integer age-month grid, cut into affine segments.

    The engine draws exits from exponentials against Λ over (age, age + m/12], so a person
    of age a months at month 0 is still present in the row of month m with probability
    exp(L[a] − L[a + m]) (and m < their retirement month). On a segment of the grid where
    L is affine (slope β per month) that factor is a line constant times exp(−β m), which
    lets a profile over all months be a difference array and a cumulative sum.

    With sex-specific hazards, women's Λ follows men's on the grid, `offset` further on: a line's
    survival index (`index`) is its age in months, plus `offset` for a woman; otherwise the index is the age.
    """

    def __init__(self, att: AttritionSection, max_age_months: int) -> None:
        size = int(max_age_months) + 2
        grid = np.arange(size + 1) / 12.0
        self.L = cumulative_hazard(att, grid)
        self.offset = 0
        if sex_specific(att):
            self.offset = len(self.L)
            # continued from men's last value: only differences within a block matter, and no slope jumps
            self.L = np.concatenate([self.L, self.L[-1] + cumulative_hazard(att, grid, True)])
        d = np.diff(self.L)
        change = np.flatnonzero(~np.isclose(d[1:], d[:-1], rtol=1e-10, atol=1e-15)) + 1
        starts = np.concatenate([[0], change]).astype(np.int64)
        ends = np.concatenate([change, [len(self.L)]]).astype(np.int64)
        slope = d[np.minimum(starts, len(d) - 1)]
        self.segments = [
            (int(lo), int(hi), float(b), float(self.L[lo] - b * lo))
            for lo, hi, b in zip(starts, ends, slope, strict=True)
        ]

    def index(self, age_months: np.ndarray, female: np.ndarray) -> np.ndarray:
        """The survival index of lines of these ages (months at month 0) and sexes."""
        return age_months + self.offset * np.asarray(female, dtype=np.int64)

    def alive(self, a: np.ndarray, r: np.ndarray, m: int) -> np.ndarray:
        """Probability that each line (age a months at month 0, leaving in month r) is present at month m."""
        return np.exp(self.L[a] - self.L[a + m]) * (m < r)

    def profile(self, a: np.ndarray, r: np.ndarray, weights: np.ndarray, m0: int, m1: int) -> np.ndarray:
        """Σ weight × alive(m) over lines, for m in [m0, m1) and m < r: (columns, m1 − m0).

        `weights` is (lines, columns): conditional weights (shares of each line, times
        whatever the column measures).
        """
        weights = np.asarray(weights, dtype=float)
        n, q = weights.shape
        width = m1 - m0
        out = np.zeros((q, max(width, 0)))
        if width <= 0 or n == 0:
            return out
        t = np.arange(m0, m1)
        column = np.arange(q) * (width + 1)  # a difference array per column, flat
        for lo, hi, beta, alpha in self.segments:
            start = np.maximum(lo - a, m0) - m0
            end = np.minimum(np.minimum(hi - a, r), m1) - m0
            ok = start < end
            if not ok.any():
                continue
            u, aa = weights, a
            if not ok.all():
                keep = np.flatnonzero(ok)
                u, aa, start, end = (x.take(keep, axis=0) for x in (u, aa, start, end))
            if len(self.segments) > 1:
                u = u * np.exp(self.L[aa] - alpha - beta * aa)[:, None]
            where = np.concatenate([(start[:, None] + column).ravel(), (end[:, None] + column).ravel()])
            d = np.bincount(where, np.concatenate([u.ravel(), -u.ravel()]), q * (width + 1))
            cum = np.cumsum(d.reshape(q, width + 1)[:, :width], axis=1)
            out += cum * np.exp(-beta * t) if beta else cum
        return out

    def retired_flow(self, a: np.ndarray, r: np.ndarray, weights: np.ndarray, m0: int, months: int) -> np.ndarray:
        """Σ weight × alive(r − 1) at each retirement month r in (m0, months]: those who retire then."""
        sel = (r > m0) & (r <= months)
        if not sel.any():
            return np.zeros(months + 1)
        rs = r[sel]
        value = weights[sel] * np.exp(self.L[a[sel]] - self.L[a[sel] + rs - 1])
        return np.bincount(rs, value, months + 1)


@dataclass(frozen=True)
class Kernel:
    """What becomes of one hire d months after hiring: present, exits, retirements, age."""

    present: np.ndarray  # (months + 1,)
    exits: np.ndarray  # present(d − 1) − present(d)
    retired: np.ndarray  # retirements at d
    age: np.ndarray  # expected age (years) × present

    def stacked(self) -> np.ndarray:
        """(months + 1, 4): present, exits, retired, age — reversed in time for convolutions."""
        return np.stack([self.present, self.exits, self.retired, self.age], axis=1)[::-1].copy()


def normal_nodes(count: int) -> np.ndarray:
    """Equal-weight quantile nodes of the standard normal."""
    nd = NormalDist()
    return np.array([nd.inv_cdf((k + 0.5) / count) for k in range(count)])


NORMAL_NODES = normal_nodes(64)


def hire_kernel(
    att: AttritionSection,
    age_mean: float,
    age_sd: float,
    share_female: float,
    share_worker: float,
    ref_abs: int,
    months: int,
) -> Kernel:
    """The kernel of a hire: age clip(N(mean, sd), 18, 55), hazards from that exact age,
    statutory retirement from the birth month (phased raise evaluated for a hire at `ref_abs`).
    """
    ages = np.clip(age_mean + age_sd * NORMAL_NODES, 18.0, 55.0)
    age_months = np.round(ages * 12).astype(np.int64)
    d = np.arange(months + 1)
    survival = {
        sex: np.exp(cumulative_hazard(att, ages, sex)[:, None] - cumulative_hazard(att, ages[:, None] + d / 12.0, sex))
        for sex in ((False, True) if sex_specific(att) else (False,))
    }
    present = np.zeros(months + 1)
    retired = np.zeros(months + 1)
    age = np.zeros(months + 1)
    types = (
        (False, False, 1.0 - share_female),
        (True, False, share_female * (1.0 - share_worker)),
        (True, True, share_female * share_worker),
    )
    birth = ref_abs - age_months
    for female, worker, p in types:
        if p <= 0:
            continue
        n = len(ages)
        surv = survival.get(female, survival[False])
        if att.retirement:
            ret_abs = retirement_abs_month(att, birth, np.full(n, female), np.full(n, worker))
            ret = np.maximum(ret_abs - ref_abs, 1)
        else:
            ret = np.full(n, months + 10)
        there = surv * (d < ret[:, None])
        present += p * there.mean(axis=0)
        age += p * (there * (age_months[:, None] + d) / 12.0).mean(axis=0)
        hit = ret <= months
        if hit.any():
            retired += p * np.bincount(ret[hit], surv[hit, ret[hit] - 1], months + 1) / n
    exits = np.concatenate([[0.0], present[:-1] - present[1:]])
    return Kernel(present, exits, retired, age)

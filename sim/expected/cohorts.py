"""Cohort arithmetic of the expected-value twin: lines grouped by survival class, and fast unique keys.

The twin carries expected counts, never people. A *line* is one person of the month-0
population (or a representative pre-reform hire) with a weight: the expected share of
that person in some state. Attrition is independent of state in the engine (each person's
exit month is drawn once), so the mass of a line in any state at month m is its
conditional weight times the line's survival ``alive(m)``; a *profile* sums such masses
over many lines for every month at once (`Classes.profile`, from `sim.expected.attrition.Survival`).
"""

from __future__ import annotations

import numpy as np

from sim.expected.attrition import Survival


class Classes:
    """Lines grouped by survival class — age at month 0 and retirement month, all a line's survival
    depends on — so that city-wide profiles sum over classes, not people.
    """

    def __init__(self, a: np.ndarray, r: np.ndarray) -> None:
        span = int(r.max(initial=0)) + 1
        uniq, self.index = small_unique(a.astype(np.int64) * span + r)  # by age, then retirement month
        self.a, self.r = uniq // span, uniq % span

    def profile(
        self, surv: Survival, weights: np.ndarray, m0: int, m1: int, idx: np.ndarray | None = None
    ) -> np.ndarray:
        """Σ weight × alive(m) over the lines (or the lines `idx`), (columns, m1 − m0); `weights` is
        (lines, columns).
        """
        weights = np.asarray(weights, dtype=float)
        if weights.ndim == 1:
            weights = weights[:, None]
        q = weights.shape[1]
        return self.profile_entries(surv, np.arange(q), weights, q, m0, m1, idx)

    def profile_entries(
        self,
        surv: Survival,
        cols: np.ndarray,
        values: np.ndarray,
        q: int,
        m0: int,
        m1: int,
        idx: np.ndarray | None = None,
    ) -> np.ndarray:
        """The same with each line's weights as entries: `values` in columns `cols` of q (both (lines, k),
        or `cols` (k,) alike for all lines).
        """
        index = self.index if idx is None else self.index[idx]
        where = (index * q)[:, None] + cols
        by_class = np.bincount(where.ravel(), values.ravel(), len(self.a) * q).reshape(-1, q)
        live = np.flatnonzero(by_class.any(axis=1))
        return surv.profile(self.a[live], self.r[live], by_class.take(live, axis=0), m0, m1)


def unique_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first line of each distinct row of integer `columns` (rows in order) and the row of each line, as
    `np.unique(np.stack(columns, axis=1), axis=0, return_index=True, return_inverse=True)`.
    """
    key, span = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        low = int(column.min()) if len(column) else 0
        width = int(column.max()) - low + 1 if len(column) else 1
        if span * width >= 2**62:  # too wide for one key
            _, first, inverse = np.unique(np.stack(columns, axis=1), axis=0, return_index=True, return_inverse=True)
            return first, inverse.ravel()
        key, span = key * width + (column - low), span * width
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse


def small_unique(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(key, return_inverse=True)` for non-negative integer keys, by counting where their range is small."""
    top = int(key.max(initial=-1)) + 1
    if top > 64 * len(key) + 4096:
        uniq, inverse = np.unique(key, return_inverse=True)
        return uniq, inverse.ravel()
    present = np.bincount(key, minlength=top) > 0
    uniq = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    return uniq, rank[key]

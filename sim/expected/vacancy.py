"""Vacancies integrated: freed posts repost the waiting surplus or go to the institution vacancy channel.

The engine's `sim.engine.vacancy` and reposting in `sim.engine.diversion`; the rest earn hire credit.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.special import gammaln

from sim.engine.diversion import INSTITUTION_VACANCY
from sim.expected.hiring import Hiring
from sim.expected.lines import DIV_F, IV_BIT, LIVE, W0
from sim.population.table import INSTITUTION


class Vacancies(Hiring):
    """Posts freed below establishment: reposting, the institution vacancy channel, hire credit."""

    def _vacate(self, m: int, leave: np.ndarray, pay: np.ndarray) -> None:
        """Payroll left in each township sector after the reform opens posts where below establishment: an
        institution post goes to the surplus waiting for it (`_fill_vacancies`), the rest earn hire credit.
        """
        hiring = self.s.hiring
        vacant = np.clip(self._room(pay), 0.0, leave)
        if self.iv_on and len(self.counties) == 1:
            inst = vacant[INSTITUTION::3]
            total = inst.sum()
            placed = self._fill_vacancies(m, total, self.iv_ts) if total > 1e-12 else 0.0
            vacant[INSTITUTION::3] = inst * (1.0 - placed / total) if placed > 0 else inst
        elif self.iv_on:  # a county's vacancies go to its own surplus
            inst = vacant[INSTITUTION::3]
            for c, county in enumerate(self.counties):
                part = inst[county.first : county.last]
                total = part.sum()
                placed = self._fill_vacancies(m, total, self.iv_ts * self.county_ts[c]) if total > 1e-12 else 0.0
                if placed > 0:
                    part *= 1.0 - placed / total
        when = max(m + hiring.refill_lag_months, self.freeze_end)
        if hiring.replacement_ratio > 0 and when <= self.M:
            self.ripe[when] += hiring.replacement_ratio * vacant

    def _fill_vacancies(self, m: int, vacancies: float, rows: np.ndarray) -> float:
        """`vacancies` institution posts opening in month m, taken by the waiting surplus of the county (the
        whole city for one) in the channel's sectors (township sectors `rows`, 1.0 or 0.0) who would take it:
        min(vacancies, those willing), thinning every waiting person of those township sectors alike, as
        reposting does (the engine takes the best first). They count as in post where they waited, with their
        sector's pay. Returns those placed.
        """
        k = INSTITUTION_VACANCY
        waiting = self.rho * self.ahead.at(m, slice(W0, W0 + 1))[0] * rows
        take = float(self.choice[IV_BIT, k])
        willing = float(waiting.sum()) * take
        if willing <= 1e-12:
            return 0.0
        f = min(1.0, vacancies / willing)
        share = f * take * rows
        self.Phi += self.rho * share
        self.rho *= 1.0 - share
        if m + self.rules.lead[k] <= self.M:
            self.G[DIV_F + k, m + int(self.rules.lead[k])] += f * willing
            self.iv_placed[:, m + int(self.rules.lead[k])] += f * take * waiting
        return f * willing

    def _repost(self, m: int, freed: np.ndarray, hs: np.ndarray) -> np.ndarray:
        """Freed posts taken by waiting surplus of the same township sector, thinning it evenly — as
        long as staff in post stay below establishment (never temporaries).
        """
        taken = np.zeros(self.TS)
        if not self.s.diversion.repost_on_vacancy:
            return taken
        now = self.ahead.at(m, LIVE)
        w0 = now[W0]
        waiting = self.rho * w0
        below = self._room(self._post(now) + self.Phi * w0 + hs[:, 0])  # in post, after exits
        can = np.flatnonzero((below > 0) & (waiting > 0))  # elsewhere none are taken
        if len(can) == 0:
            return taken
        taken[can] = np.minimum(expected_min(freed[can], waiting[can]), below[can])
        share = np.divide(taken, waiting, out=np.zeros(self.TS), where=waiting > 1e-300)
        self.Phi += self.rho * share
        self.rho *= 1.0 - share
        return taken


_TAIL_STEP, _TAIL_MAX, _TAIL_K = 0.02, 40.0, 96
_TAIL: np.ndarray | None = None


def _poisson_tails() -> np.ndarray:
    """P(X ≥ k), k = 1 .. _TAIL_K, for Poisson X with means on a grid 0, 0.02, .., 40 (cached)."""
    global _TAIL
    if _TAIL is None:
        lam = np.arange(0.0, _TAIL_MAX + _TAIL_STEP / 2, _TAIL_STEP)
        k = np.arange(_TAIL_K + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            pmf = np.exp(k * np.log(lam)[:, None] - lam[:, None] - gammaln(k + 1.0))
        pmf[0] = np.where(k == 0, 1.0, 0.0)
        _TAIL = np.clip(1.0 - np.cumsum(pmf, axis=1)[:, :-1], 0.0, 1.0)
    return _TAIL


@functools.lru_cache(maxsize=8)
def _tails_upto(k: int) -> np.ndarray:
    """The first k columns of `_poisson_tails()`, contiguous (cached)."""
    return np.ascontiguousarray(_poisson_tails()[:, :k])


def expected_min(f: np.ndarray, w: np.ndarray) -> np.ndarray:
    """E[min(F, W)] for independent Poisson counts with means f and w (elementwise).

    Freed posts in a month and waiting people are counts; the minimum of their means
    overstates the reposts (Jensen). Σ_k P(F ≥ k) P(W ≥ k) from a cached table of Poisson
    tails; where both means exceed the table, the smaller mean.
    """
    f, w = np.maximum(f, 0.0), np.maximum(w, 0.0)
    out = np.minimum(f, w)
    big = np.maximum(f, w)
    use = (out > 0) & (out <= _TAIL_MAX - 1.0) & (big < out + 8.0 * np.sqrt(out + 1.0) + 8.0)
    if not use.any():
        return out
    smaller = float(out[use].max())  # the sum stops where the smaller count's tail vanishes
    table = _tails_upto(min(_TAIL_K, int(smaller + 10.0 * np.sqrt(smaller + 1.0) + 10.0)))
    x = np.minimum(np.concatenate([f[use], w[use]]), _TAIL_MAX) / _TAIL_STEP  # both means at once
    i = np.minimum(x.astype(np.int64), len(table) - 2)
    frac = (x - i)[:, None]
    tails = table.take(i, axis=0)
    tails *= 1.0 - frac
    above = table.take(i + 1, axis=0)
    above *= frac
    tails += above
    half = len(tails) // 2
    tails[:half] *= tails[half:]
    out[use] = tails[:half] @ np.ones(tails.shape[1])
    return out

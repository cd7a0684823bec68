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
    """Posts freed below establishment: reposting, the institution vacancy channel, hire credit.

    Those an institution vacancy places move, as in the engine, into the institution payroll of the
    vacancy's township: `moved_out` (per township sector they waited in) leaves that payroll, `moved_in`
    (per institution row of the vacancy's township) joins it, both from the month the post is taken (the
    engine holds it for them through the lead time, so it is no room either way). Their exits free posts
    where they serve. Their pay and age stay booked with the reposted of the sector they waited in, and
    `moved_in` shrinks with the county's `moved_out` alike (the mix of townships is not followed per cohort).

    What the twin cannot integrate: where queues for places or money bind, the engine's surplus waits longer,
    so more of it is there when vacancies open (after a hiring freeze, say) and the engine places more:
    `scenarios/base.toml` 201 ± 3 placed by month 120 against the twin's 121 (headcount 12,809 ± 2 against
    12,852). With no queue binding the twin is within 3 standard errors plus its residual without the channel.
    """

    def _vacate(self, m: int, leave: np.ndarray, pay: np.ndarray) -> None:
        """Payroll left in each township sector after the reform opens posts where below establishment: an
        institution post goes to the surplus waiting for it (`_offer`), the rest earn hire credit.
        """
        hiring = self.s.hiring
        vacant = np.clip(self._room(pay), 0.0, leave)
        if self.iv_on:
            vacant[INSTITUTION::3] -= self._offer(m, vacant[INSTITUTION::3])
        when = max(m + hiring.refill_lag_months, self.freeze_end)
        if hiring.replacement_ratio > 0 and when <= self.M:
            self.ripe[when] += hiring.replacement_ratio * vacant

    def _claim(self, m: int, hires: np.ndarray) -> np.ndarray:
        """Institution hires falling due as credit ripens go to the surplus waiting for them first (as the
        engine's `Hiring._hire_check`); returns those taken, per township sector.
        """
        taken = np.zeros_like(hires)
        if self.iv_on:
            taken[INSTITUTION::3] = self._offer(m, hires[INSTITUTION::3])
        return taken

    def _offer(self, m: int, inst: np.ndarray) -> np.ndarray:
        """Institution posts `inst` (per township) opening in month m offered to the waiting surplus of each
        county (`_fill_vacancies`); returns those taken, per township.
        """
        placed = np.zeros_like(inst)
        if not inst.any():
            return placed
        one = len(self.counties) == 1
        for c, county in enumerate(self.counties):
            part = inst[county.first : county.last]
            total = part.sum()
            if total <= 1e-12:
                continue
            rows = self.iv_ts if one else self.iv_ts * self.county_ts[c]
            taken = part * (self._fill_vacancies(m, total, rows) / total)
            placed[county.first : county.last] = taken
            self.moved_in[INSTITUTION::3][county.first : county.last] += taken
            done = m + int(self.rules.lead[INSTITUTION_VACANCY])  # on the payroll they waited on until then
            self.moved_lead[m:done, INSTITUTION::3][:, county.first : county.last] += taken
        return placed

    def _fill_vacancies(self, m: int, vacancies: float, rows: np.ndarray) -> float:
        """`vacancies` institution posts opening in month m, taken by the waiting surplus of the county (the
        whole city for one) in the channel's sectors (township sectors `rows`, 1.0 or 0.0) who would take it:
        min(vacancies, those willing). The willing are the share `iv_willing` of each township sector's
        waiting (a candidate's acceptance and exam are drawn once, so those placed leave it and those who
        declined stay out); every willing person of those township sectors is taken alike (the engine takes
        the best first). They leave the payroll they waited on (`moved_out`); returns those placed.
        """
        k = INSTITUTION_VACANCY
        waiting = self.rho * self.ahead.at(m, slice(W0, W0 + 1))[0] * rows
        if self.iv_willing is None:
            self.iv_willing = np.full(self.TS, float(self.choice[IV_BIT, k]))
        u = self.iv_willing
        willing = float(waiting @ u)
        if willing <= 1e-12:
            return 0.0
        f = min(1.0, vacancies / willing)
        share = f * u * rows
        self.Phi += self.rho * share
        self.rho *= 1.0 - share
        self.iv_willing = np.divide(u - share, 1.0 - share, out=np.zeros(self.TS), where=share < 1.0)
        placed = share * waiting
        self.moved_out += placed
        self.moved_lead[m : m + int(self.rules.lead[k])] -= placed
        done = m + int(self.rules.lead[k])
        if done <= self.M:
            self.G[DIV_F + k, done] += f * willing
            self.iv_placed[:, done] += placed
            self.iv_left[:, done] += placed
        return f * willing

    def _moved_exits(self, m: int, reposted: np.ndarray, exits: np.ndarray) -> np.ndarray:
        """The month's exits of those the channel moved (`reposted`: the reposted and placed of each township
        sector a month ago, `exits`: theirs since, which the moved share alike): posts they free move from
        the sector they waited in to the institution rows they serve in. Returns the change to freed posts.
        """
        if not self.moved_out.any():
            return np.zeros(self.TS)
        keep = np.divide(reposted - exits, reposted, out=np.ones(self.TS), where=reposted > 1e-12)
        before = self.moved_out
        self.moved_out = before * np.clip(keep, 0.0, 1.0)
        cut = before - self.moved_out
        county, nc = np.repeat(self.county_tw, 3), len(self.counties)
        was = np.bincount(county, before, nc)
        ratio = np.divide(np.bincount(county, self.moved_out, nc), was, out=np.ones(nc), where=was > 1e-12)
        gone = self.moved_in * (1.0 - ratio[county])
        self.moved_in = self.moved_in - gone
        return gone - cut

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
        below = self._room(self._post(now) + self.Phi * w0 + hs[:, 0] + self.moved_in - self.moved_out)  # in post
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

"""Rebound integrated: returns of the diverted, over-establishment approvals and inspections.

The engine's `sim.engine.rebound`; the petition chain is exact; rates and chances from
`sim.engine.rebound_rules`.
"""

from __future__ import annotations

import functools

import numpy as np

from sim.engine.ledger import CHANNEL_COMPONENT, C, P
from sim.engine.rebound_rules import inspection_detection, request_rate
from sim.expected.lines import (
    BACK,
    COMPOSITION,
    DIVERTED,
    LEFT_F,
    OVERQ_F,
    PETITIONS_F,
    POST,
    POST_EXIT,
    RETURNS_F,
    REVERSED_F,
    TOWNSHIP,
    TW_RATE,
)
from sim.expected.people import People
from sim.population.table import ADMIN, INSTITUTION


@functools.lru_cache(maxsize=64)
def petition_chain(
    hazard: float, success: float, window: int, max_petitions: int, months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per diverted person still alive, d months after diverting: expected petitions in
    month d, returns in month d, and the probability of still being diverted at d.

    Petitions come with the monthly `hazard` (geometric gaps) up to `max_petitions`; each
    succeeds with `success` from month `window` on. Cached: the arrays are read-only.
    """
    pet, ret, still = [0.0] * (months + 1), [0.0] * (months + 1), [1.0] * (months + 1)
    x = [1.0] + [0.0] * max_petitions  # not yet returned, by petitions made
    for d in range(1, months + 1):
        win = success if d >= window else 0.0
        moved = [hazard * v for v in x[:max_petitions]]
        pet[d] = sum(moved)
        ret[d] = pet[d] * win
        for n, v in enumerate(moved):
            x[n] -= v
            x[n + 1] += v * (1.0 - win)
        still[d] = sum(x)
    chain = np.array(pet), np.array(ret), np.array(still)
    for series in chain:
        series.flags.writeable = False  # shared through the cache
    return chain


class Rebound(People):
    """Returns of the diverted, over-establishment hires and the inspections that undo them."""

    def _inspect(self, m: int) -> np.ndarray | None:
        """Inspections undoing over-establishment hires in month m: those found, per township sector (None:
        no inspection now).
        """
        rb = self.s.rebound
        interval = rb.inspection_interval_months
        if interval <= 0 or m <= self.R or (m - self.R) % interval or not self.I_eff[:, : m + 1].any():
            return None
        detect = inspection_detection(rb)
        standing = self._standing(m)
        self.Hh[:, : m + 1] -= detect * self.I_eff[:, : m + 1]
        self.I_eff[:, : m + 1] *= 1 - detect
        gone = detect * standing.reshape(-1)
        self.G[REVERSED_F, m] += gone.sum()
        self.G[LEFT_F, m] += gone.sum()
        return gone

    def _diverted(self, k: int, done: int, glob: np.ndarray, at_done: np.ndarray, mix: np.ndarray | None) -> None:
        """Book people diverted through channel k in month `done` (count and recurring pay from `done` on;
        `mix`, per sector of origin and per person diverted: share, age, four education kinds, pay of
        those not hired and hired — the returnees' composition).
        """
        M, T = self.M, self.T
        ch = self.channels[k]
        d = np.arange(M + 1 - done)
        chain = self.chain.get(k)
        still = chain[2][d] if chain is not None else np.ones(M + 1 - done)
        count = glob[0]
        self.G[DIVERTED, done:] += count * still
        share_tw = at_done.reshape(T, 3).sum(axis=1) / max(at_done.sum(), 1e-300)
        if ch.recurring_share > 0:
            comp, payer = C[CHANNEL_COMPONENT.get(k, "recurring_other")], P[ch.recurring_payer]
            self.R3[comp, payer, done:] += glob[1] * still
            if payer == TOWNSHIP:  # split over townships as they were at diversion
                self.ahead.add_plain(TW_RATE, done, share_tw[:, None] * (glob[1] * still))
        if chain is None or mix is None:  # mix is given wherever returns are possible (k in self.chain)
            return
        pet, ret, g = chain
        self.G[PETITIONS_F, done:] += count * pet[d]
        self.G[RETURNS_F, done:] += count * ret[d]
        back = (1.0 - g[d]) * count
        self.G[BACK, done:] += back
        if self.by_county_on:
            self.back_tw[:, done:] += share_tw[:, None] * back
        for sec in (ADMIN, INSTITUTION):
            self.PS[sec, :, done:] += mix[sec, :COMPOSITION, None] * back
            for hired in (0, 1):
                comp = C["salary_hires"] if hired else C["salary_in_post"]
                self.R3[comp, self.sector_payer[sec], done:] += mix[sec, COMPOSITION + hired] * back
                if self.sector_payer[sec] == TOWNSHIP:
                    self.ahead.add_plain(TW_RATE, done, share_tw[:, None] * (mix[sec, COMPOSITION + hired] * back))
        # per township sector: those diverted from it, shaped like the channel's cohort
        shape = count / max(count[0], 1e-300)
        level = (1.0 - g[d]) * shape
        exits = np.zeros(M + 1 - done)
        exits[1:] = (1.0 - g[d[:-1]]) * (shape[:-1] - shape[1:])
        self.ahead.add_plain(POST, done, at_done[:, None] * level)
        self.ahead.add_plain(POST_EXIT, done, at_done[:, None] * exits)

    def _overquota(self, m: int, pay: np.ndarray) -> np.ndarray:
        """Over-establishment hiring requests approved this month, per township and sector (administrative,
        institution).
        """
        rb = self.s.rebound
        pay = pay.reshape(self.T, 3)[:, :2]
        staff = np.maximum(pay[:, ADMIN] + pay[:, INSTITUTION], 1.0)
        rate = request_rate(self.s, m, self.staff_at_reform / staff)
        full = np.exp(-np.maximum(self.est[:, :2] - pay, 0.0))  # P(no post free below establishment)
        out = (1.0 - np.exp(-rate))[:, None] * (0.5 * (1.0 - rb.enforcement)) * full
        self.I_eff[:2, m] += out.T
        self.G[OVERQ_F, m] += out.sum()
        return out

    def _standing(self, m: int) -> np.ndarray:
        """Over-establishment hires still on the payroll in month m, per township and sector (T, 3)."""
        d = m - np.arange(m + 1)
        standing = np.zeros((self.T, 3))
        for sector in (ADMIN, INSTITUTION):
            standing[:, sector] = self.I_eff[sector, : m + 1].T @ self.k_hire[sector].present[d]
        return standing

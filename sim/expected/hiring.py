"""Hiring integrated: hires in post through their kernels, payroll against establishment, hire credit.

The engine's `sim.engine.hiring` ("only exit, no entry"): credit ripens into hires after the lag.
"""

from __future__ import annotations

import numpy as np

from sim.expected.lines import HIRES_F, LATE, LEAD, LIVE, POST, W0
from sim.expected.rebound import Rebound
from sim.population.table import TEMPORARY


class Hiring(Rebound):
    """Hires, payroll and the room below establishment per township sector."""

    def _hire_stats(self, m: int) -> np.ndarray:
        """Hires in post, their exits, retirements and age-years in month m, per township sector (TS, 4)."""
        out = np.matmul(self.Hh[:, : m + 1].transpose(0, 2, 1), self.k_hire_rev[:, self.M - m :])  # (3, T, 4)
        if self.reformed and self.rec_any:
            out += self.rec.T[:, :, None] * self.k_rec_table[:, m - self.R, None]
        return out.transpose(1, 0, 2).reshape(self.TS, 4)

    def _payroll(self, m: int, hs: np.ndarray) -> np.ndarray:
        """Expected payroll per township sector now."""
        now = self.ahead.at(m, LIVE)
        return self._post(now) + now[LEAD] + (self.rho + self.Phi) * now[W0] + hs[:, 0] + self.moved_in - self.moved_out

    def _post(self, now: np.ndarray) -> np.ndarray:
        """Lines in post per township sector from the blocks `LIVE` of a month, the reposted included."""
        return now[POST] + self.F * now[W0] - now[LATE]

    def _room(self, pay: np.ndarray) -> np.ndarray:
        """Posts free below establishment per township sector (none for temporaries)."""
        room = self.est_flat - pay
        room[TEMPORARY::3] = 0.0
        return room

    def _claim(self, m: int, hires: np.ndarray) -> np.ndarray:
        """Hires falling due in month m that the surplus takes instead (`Vacancies._claim`); here none."""
        return np.zeros_like(hires)

    def _hire(self, m: int, pay: np.ndarray) -> np.ndarray:
        """After the reform: credit ripening this month becomes hires into room below establishment,
        and over-establishment requests are approved.
        """
        ripe = self.ripe[m]
        self.credit += ripe
        hires = np.where(ripe > 0, np.minimum(self.credit, np.maximum(self._room(pay), 0.0)), 0.0)
        self.credit -= hires
        hires = hires - self._claim(m, hires)
        if self.overquota_on and m > self.R:
            hires.reshape(self.T, 3)[:, :2] += self._overquota(m, pay + hires)
        self.Hh[:, m] += hires.reshape(self.T, 3).T
        self.G[HIRES_F, m] += hires.sum()
        return hires

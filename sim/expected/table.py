"""The results assembly of the twin: every monthly column of the engine, from what the months booked."""

from __future__ import annotations

import numpy as np

from sim.engine.ledger import LEDGER_COLUMNS, PUBLIC, P
from sim.engine.model import COUNTERFACTUAL_COLUMNS, SECTOR_COLUMNS, monthly_columns
from sim.engine.rebound import REBOUND_COLUMNS
from sim.engine.rebound_rules import DERIVED_COLUMNS, fill_derived
from sim.engine.states import columns_for
from sim.expected.channels import N_CHANNELS
from sim.expected.lines import (
    BACK,
    DIV_F,
    DIVERTED,
    HIRES_F,
    LEAD_A,
    LEAD_R,
    LEFT_F,
    OVERQ_F,
    PAID_F,
    PETITIONS_F,
    RETIRED_F,
    RETURNS_F,
    REVERSED_F,
    STANDING,
    TOPUP_F,
    TOWNSHIP,
)
from sim.expected.posting import Posting
from sim.population.table import ADMIN, INSTITUTION, TEMPORARY


class Table(Posting):
    """The monthly table in the engine's columns."""

    def _table(self) -> np.ndarray:
        """All monthly columns at once, from what the months booked."""
        s, M, T = self.s, self.M, self.T
        months = np.arange(M + 1)
        rho, phi = self.rho_hist.T, self.phi_hist.T
        w0, w1, w2, w3 = self.W
        hire_n = self.hire_hist[:, :, 0].T
        pay_ts = self.ts_post + self.ts_lead + (rho + phi) * w0 + hire_n
        by_sector = pay_ts.reshape(T, 3, M + 1).sum(axis=0)
        total = by_sector.sum(axis=0)
        awaiting = (rho * (w0 - w2)).sum(axis=0) + self.G[LEAD_A]
        rotating = (rho * w2).sum(axis=0) + self.G[LEAD_R]
        in_post = total - awaiting - rotating
        g = self.G
        rate, twr, ps = self._rates()
        cost = rate * self.wage + self.O3
        by_comp, by_payer = cost.sum(axis=1), cost.sum(axis=0)
        gap, debt = self._finances(twr, pay_ts)
        self.pay_ts = pay_ts
        # age and education of staff in post, per sector and in all
        tr = s.training
        p0 = 1 - np.exp(-tr.diploma_rate * np.maximum(months - tr.start_month, 0) / 12.0)
        pr = 1 - np.exp(-tr.diploma_rate * np.maximum(months - max(tr.start_month, self.R), 0) / 12.0)
        posted = (self.ts_post + phi * w0 + hire_n).reshape(T, 3, M + 1).sum(axis=0)
        hire_age = self.hire_hist[:, :, 3].T.reshape(T, 3, M + 1).sum(axis=0)
        ages = (ps[:, 1] + months * ps[:, 0]) / 12.0 + hire_age
        sec = ps[:, 2] + ps[:, 3] * p0 + ps[:, 4] * pr + self._hires_secondary(hire_n.reshape(T, 3, M + 1).sum(axis=0))
        composition = []
        for n, x in ((posted.sum(axis=0), ages.sum(axis=0)), (posted.sum(axis=0), sec.sum(axis=0))):
            composition.append(ratio(x, n))
        by_sector_composition = []
        for k in (ADMIN, INSTITUTION):
            by_sector_composition += [ratio(ages[k], posted[k]), ratio(sec[k], posted[k])]
        contrib = np.cumsum(self.contrib, axis=1)
        paid = np.cumsum(g[PAID_F])
        pools = [c.pool for c in self.counties]
        if any(pool.unlimited for pool in pools):
            contrib[-1] = np.cumsum(g[TOPUP_F])
        contributed = sum(pool.initial_balance for pool in pools) + contrib.sum(axis=0)
        put = np.cumsum(self.put_by[0] if len(pools) == 1 else self.put_by.sum(axis=0), axis=1)
        for c, pool in enumerate(pools):
            put[P[pool.top_up_payer]] += np.cumsum(self.topup_c[c])
        est = np.where(months >= self.R, 1, 0)
        est_a = np.where(est, self.est[:, ADMIN].sum(), self.old_est[:, ADMIN].sum())
        est_i = np.where(est, self.est[:, INSTITUTION].sum(), self.old_est[:, INSTITUTION].sum())
        zero = np.zeros(M + 1)
        values = [
            total,
            by_sector[ADMIN],
            by_sector[INSTITUTION],
            by_sector[TEMPORARY],
            est_a + est_i,
            est_a,
            est_i,
            in_post,
            awaiting,
            rotating,
            g[DIVERTED],
            np.cumsum(g[RETIRED_F]),
            np.cumsum(g[LEFT_F]),
            np.cumsum(g[HIRES_F]),
            *composition,
            *np.cumsum(g[DIV_F : DIV_F + N_CHANNELS], axis=1),
            *([zero] * N_CHANNELS),
            contributed,
            paid,
            contributed - paid,
            zero,
            *contrib,
            zero,
            *put,
            *np.cumsum(self.charged, axis=1),
            *by_comp,
            *by_payer,
            by_payer.sum(axis=0),
            by_payer[TOWNSHIP],
            by_payer[PUBLIC].sum(axis=0),
            gap,
            debt,
            np.cumsum(g[PETITIONS_F]),
            np.cumsum(g[RETURNS_F]),
            np.cumsum(g[OVERQ_F]),
            np.cumsum(g[REVERSED_F]),
            g[BACK] + g[STANDING],
            *([zero] * len(DERIVED_COLUMNS)),
            *by_sector_composition,
        ]
        named = dict(zip(self.twin_columns(), values, strict=True))
        nan = np.full(M + 1, np.nan)  # a column the engine writes and the twin does not know (yet)
        table = np.stack([named.get(c, nan) for c in self.columns()], axis=1)
        fill_derived(table, self.columns(), self.R if self.reform_on else None)
        return table

    def columns(self) -> tuple[str, ...]:
        """The engine's monthly columns for this scenario (before the counterfactual's), in its order."""
        return monthly_columns(self.s)[: -len(COUNTERFACTUAL_COLUMNS)]

    def twin_columns(self) -> tuple[str, ...]:
        """The columns the twin computes, in the order `_table` computes them."""
        return (*columns_for(self.names), *LEDGER_COLUMNS, *REBOUND_COLUMNS, *SECTOR_COLUMNS)


def ratio(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """X / n, NaN where n is (nearly) 0: a mean over nobody."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1e-9, x / np.where(n > 1e-9, n, 1.0), np.nan)

"""Results by county integrated: each county's headline outcomes per month, as `sim.engine.by_county`."""

from __future__ import annotations

import numpy as np

from sim.engine.by_county import COUNTY_OUTCOMES
from sim.expected.booking import Booking
from sim.population.table import ADMIN, INSTITUTION


def county_table(p: Booking, pay_ts: np.ndarray) -> np.ndarray:
    """(months + 1, counties, COUNTY_OUTCOMES) of a projection that has run, `pay_ts` its payroll per township
    sector and month.

    Counts and money add up over the counties to the province's columns, as in the engine; `over_establishment`
    is the expected payroll of the establishment sectors above establishment (the engine's is the mean of
    the realised excess, which is larger where a township may be over or under); the twin never queues, so
    `pool_waiting` and `pool_dry` are 0 and a pool short of money shows a negative `pool_balance`.
    """
    M, T = p.M, p.T
    months = np.arange(M + 1)
    new_est = (p.est[:, ADMIN] + p.est[:, INSTITUTION])[:, None]
    old_est = (p.old_est[:, ADMIN] + p.old_est[:, INSTITUTION])[:, None]
    est = np.where(months[None, :] >= p.R, new_est, old_est)  # (townships, months)
    pay = pay_ts.reshape(T, 3, M + 1)
    over = np.maximum(pay[:, ADMIN] + pay[:, INSTITUTION] - est, 0.0)
    surplus = (p.rho_hist.T * p.W[0] + p.ts_lead).reshape(T, 3, M + 1).sum(axis=1)
    diverted = np.cumsum(p.ts_leave + p.iv_placed, axis=1).reshape(T, 3, M + 1).sum(axis=1)
    per_township = np.stack([pay.sum(axis=1), est, surplus, over, p.back_tw + p.standing_tw, diverted], axis=2)
    starts = np.array([c.first for c in p.counties], dtype=np.int64)
    out = np.zeros((M + 1, len(p.counties), len(COUNTY_OUTCOMES)))
    out[:, :, :6] = np.add.reduceat(per_township, starts, axis=0).transpose(1, 0, 2)
    contributed = np.cumsum(p.put_by.sum(axis=1) + p.topup_c, axis=1)  # the initial balance is put in at 0
    paid = np.cumsum(p.paid_c, axis=1)
    out[:, :, 6] = contributed.T
    out[:, :, 7] = paid.T
    out[:, :, 8] = (contributed - paid).T
    out[:, :, 11] = paid.T  # one-time cost: what the pool paid (pool_waiting, pool_dry: 0)
    return out

"""The cost ledger integrated: recurring rates by component and payer, retirement pay, township finances.

As `sim.engine.ledger`, with `sim.engine.funds.retirement_payer` and `fiscal_index`.
"""

from __future__ import annotations

import numpy as np

from sim.engine.funds import fiscal_index, retirement_payer
from sim.engine.ledger import PUBLIC, C, P
from sim.expected.lines import TOWNSHIP, Lines
from sim.expected.pool import Pool
from sim.population.table import ADMIN, INSTITUTION


class Ledger(Pool):
    """Recurring cost rates, retirement pay and township finances."""

    def _retirement_pay(self, ln: Lines, idx: np.ndarray, c: np.ndarray, m0: int, k: int | None) -> None:
        """Book the retirement pay of lines `idx` (weights `c`) retiring after month m0, to the horizon.

        k None: the month-0 people retiring from the payroll (`money.payer_retirement_pay`); a channel:
        those diverted through it in month m0 move that pay to whom `funds.retirement_payer` names (or
        nobody). The engine stops following retirees, so the pay runs on to the horizon there too.
        """
        s = self.s
        share, base = s.money.retirement_pay_share, s.money.payer_retirement_pay
        if share <= 0 or m0 >= self.M:
            return
        for sector in (ADMIN, INSTITUTION):
            payer = retirement_payer(s, sector, k)
            if k is not None and payer == base:
                continue
            at = idx[ln.sector[idx] == sector]
            if not len(at):
                continue
            weights = c[ln.sector[idx] == sector] * ln.salary[at] * share
            rate = np.cumsum(self.surv.retired_flow(ln.a[at], ln.r[at], weights, m0, self.M))
            if k is not None:
                self.R3[C["retirement_pay"], P[base]] -= rate
            if payer is not None and (k is not None or payer == base):
                self.R3[C["retirement_pay"], P[payer]] += rate

    def _reposted(
        self, count: np.ndarray, pay: np.ndarray, waiting_pay: np.ndarray, m0: int, r3: np.ndarray, ps: np.ndarray
    ) -> None:
        """Costs, age and education of reposted people: `count`, `pay` (administrative and institution
        sector, months) from month m0, with the composition of their sector's waiting surplus (`waiting_pay`
        the pay of all waiting).
        """
        m1 = m0 + count.shape[1]
        for j, k in enumerate((ADMIN, INSTITUTION)):
            wg = self.Wg[k, :, m0:m1]
            total_sal = waiting_pay[j]
            hired = np.divide(wg[6], total_sal, out=np.zeros(m1 - m0), where=total_sal > 0)
            payer = self.sector_payer[k]
            r3[C["salary_in_post"], payer] += pay[j] * (1 - hired)
            r3[C["salary_hires"], payer] += pay[j] * hired
            per = np.divide(wg[1:6], wg[0], out=np.zeros((5, m1 - m0)), where=wg[0] > 0)
            ps[k, 0] += count[j]
            ps[k, 1:6] += count[j] * per

    def _rates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Recurring cost rates by component and payer at month-0 wages, the township-paid one per township,
        and the composition of those in post by sector (see COMPOSITION), all from what the months booked.
        """
        s, M, T = self.s, self.M, self.T
        div, money = s.diversion, s.money
        rho, phi = self.rho_hist.T, self.phi_hist.T
        w0, w1, w2, w3 = self.W
        ps = self.PS.copy()
        rate = self.R3.copy()
        twr = self.tw_rate.copy()
        a_pay, r_pay = P[money.payer_allowance], P[money.payer_rotating]
        rate[C["allowance_awaiting"], a_pay] += (rho * (w1 - w3)).sum(axis=0) * div.allowance_share
        rate[C["rotating_pay"], r_pay] += (rho * w3).sum(axis=0) * div.rotating_pay_share
        own = rho * (
            (w1 - w3) * div.allowance_share * (a_pay == TOWNSHIP) + w3 * div.rotating_pay_share * (r_pay == TOWNSHIP)
        )
        twr += own.reshape(T, 3, M + 1).sum(axis=1)
        if phi.any():
            count, pay = phi * w0, phi * w1
            sectors = (ADMIN, INSTITUTION)
            parts = [np.stack([x[k::3].sum(axis=0) for k in sectors]) for x in (count, pay, w1)]
            self._reposted(parts[0], parts[1], parts[2], 0, rate, ps)
            for k in sectors:
                if self.sector_payer[k] == TOWNSHIP:
                    twr += pay[k::3]
        hire_pay = self.hire_hist[:, :, 0].T.reshape(T, 3, M + 1) * self.hire_salary[None, :, None]
        for k in range(3):
            rate[C["salary_hires"], self.sector_payer[k]] += hire_pay[:, k].sum(axis=0)
            if self.sector_payer[k] == TOWNSHIP:
                twr += hire_pay[:, k]
        return rate, twr, ps

    def _costs(self) -> np.ndarray:
        """The cost columns a counterfactual gives (`COUNTERFACTUAL_COSTS`), (months, 2)."""
        rate, _, _ = self._rates()
        by_payer = (rate * self.wage + self.O3).sum(axis=0)
        return np.stack([by_payer[TOWNSHIP], by_payer[PUBLIC].sum(axis=0)], axis=1)

    def _hires_secondary(self, hires: np.ndarray) -> np.ndarray:
        """Secondary-educated among hires in post per sector (3, months), recruits with their own share."""
        rec = np.zeros((3, self.M + 1))
        if self.reformed and self.rec.any():
            d = np.arange(self.R, self.M + 1) - self.R
            for k in range(3):
                rec[k, self.R :] = self.rec[:, k].sum() * self.k_rec[k].present[d]
        share, rec_share = self.s.hiring.hire_share_secondary_plus, self.s.reform.recruit_share_secondary_plus
        return (hires - rec) * share + rec * rec_share

    def _finances(self, twr: np.ndarray, pay_ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Townships' monthly shortfall (cost above own revenue and transfers) and their debt."""
        fiscal, M = self.s.fiscal, self.M
        transfers = np.full((self.T, M + 1), fiscal.transfers)
        if self.reformed and fiscal.withhold_share > 0:
            pay = pay_ts.reshape(self.T, 3, M + 1)
            excess = pay[:, ADMIN] + pay[:, INSTITUTION] - (self.est[:, ADMIN] + self.est[:, INSTITUTION])[:, None]
            over = 1.0 - np.exp(-np.maximum(excess, 0.0))  # P(over establishment)
            over[:, : self.s.reform.deadline_month] = 0.0
            transfers *= 1 - fiscal.withhold_share * over
        index = fiscal_index(fiscal, self.wage, (self.start_abs % 12 + np.arange(M + 1)) // 12)
        gap = twr * self.wage - (fiscal.own_revenue + transfers) * index
        debt = np.zeros((self.T, M + 1))
        level = np.full(self.T, fiscal.initial_debt)
        for m in range(M + 1):
            level = np.maximum(level + gap[:, m], 0.0)
            debt[:, m] = level
        return np.maximum(gap, 0.0).sum(axis=0), debt.sum(axis=0)

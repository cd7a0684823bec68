"""The severance pool integrated: expected contributions, and one-time payments charged to the payers as
the engine's pool (`sim.engine.pool`) charges them (`sim.engine.funds.pro_rata`).
"""

from __future__ import annotations

import numpy as np

from sim.engine.funds import pro_rata
from sim.engine.ledger import C, P
from sim.engine.pool import TOP_UP
from sim.expected.booking import Booking
from sim.expected.lines import (
    N_PAY,
    ONE_TIME,
    PAID_F,
    TOPUP_F,
)


class Pool(Booking):
    """Expected pool contributions and the one-time payments out of the pool."""

    def _contributions(self) -> None:
        """Expected pool contributions per contributor and payer, by month."""
        M, pool = self.M, self.s.pool
        self.names = [c.name for c in pool.contributors] + [TOP_UP]
        self.contrib = np.zeros((len(self.names), M + 1))
        self.put_by = np.zeros((N_PAY, M + 1))  # money put into the pool per payer, by month (not top-ups)
        self.held = np.zeros(N_PAY)  # each payer's money still in the pool, contributions to month `_added`
        self._added = 0
        self.charged = np.zeros((N_PAY, M + 1))  # pool payments charged per payer, by month
        if pool.initial_balance > 0:
            self.put_by[P[pool.initial_payer], 0] += pool.initial_balance
        for k, c in enumerate(pool.contributors):
            step = {"once": 0, "monthly": 1, "yearly": 12}[c.schedule]
            count = 1 if c.schedule == "once" else c.payments
            amount = c.amount * (1.0 - c.shortfall_probability * (1.0 - c.shortfall_share))
            if c.amount <= 0 or amount <= 0:
                continue
            for j in range(count):
                month = c.first_month + j * step + c.delay_months
                for when, p in ((month, 1.0 - c.late_probability), (month + c.late_months, c.late_probability)):
                    if p > 0 and when <= M:
                        self.contrib[k, when] += p * amount
                        self.put_by[P[c.payer], when] += p * amount

    def _book_one_time(self, t: int, parts: np.ndarray) -> None:
        """Pay this month's one-time costs from the pool, charged as the engine charges them.

        The payers' money still in the pool (`held`) pays pro rata (`funds.pro_rata`); an unlimited
        pool's top-ups pay what the balance lacks and are charged to the top-up payer alone. What a
        limited pool lacks (the twin does not queue) is money it assumes, charged pro rata to
        what each payer has put in so far.
        """
        amount = parts.sum()
        if amount <= 0:
            return
        pool = self.s.pool
        upto = t + 1 if t == self.R else t  # contributions of the reform month come before it
        while self._added < upto:
            self.held += self.put_by[:, self._added]
            self._added += 1
        draw = min(amount, float(self.held.sum()))
        booked = pro_rata(self.held, draw)
        self.held = np.maximum(self.held - booked, 0.0)
        short = amount - draw
        if short > 0 and pool.unlimited:
            booked[P[pool.top_up_payer]] += short
            self.G[TOPUP_F, t] += short
        elif short > 0:
            booked += pro_rata(self.put_by[:, :upto].sum(axis=1), short)
        self.charged[:, t] += booked
        for j, comp in enumerate(ONE_TIME):
            self.O3[C[comp], :, t] += parts[j] * booked / amount
        self.G[PAID_F, t] += amount

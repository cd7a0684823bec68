"""The severance pool integrated: expected contributions, and one-time payments charged to the payers.

Charged as the engine's pool (`sim.engine.pool`) charges them (`sim.engine.funds.pro_rata`), each
county's pool apart; contributions from `sim.engine.funds.expected_payments`.
"""

from __future__ import annotations

import numpy as np

from sim.engine.funds import expected_payments, pro_rata
from sim.engine.geography import contributor_names
from sim.engine.ledger import C, P
from sim.engine.pool import TOP_UP
from sim.expected.booking import Booking
from sim.expected.lines import N_PAY, ONE_TIME, PAID_F, TOPUP_F


class Pool(Booking):
    """Expected pool contributions and the one-time payments out of the pool."""

    def _contributions(self) -> None:
        """Expected pool contributions per contributor and payer, by month, into each county's pool."""
        M, nc = self.M, len(self.counties)
        self.names = [*contributor_names(self.s), TOP_UP]
        self.contrib = np.zeros((len(self.names), M + 1))
        self.put_by = np.zeros((nc, N_PAY, M + 1))  # money put into each pool per payer, by month (not top-ups)
        self.held = np.zeros((nc, N_PAY))  # each payer's money still in each pool, contributions to month `_added`
        self.owed = np.zeros((nc, N_PAY))  # money assumed against each payer's contributions still to come
        self._added = np.zeros(nc, dtype=np.int64)
        self.charged = np.zeros((N_PAY, M + 1))  # pool payments charged per payer, by month
        self.topup_c = np.zeros((nc, M + 1))  # top-ups per county, by month
        self.paid_c = np.zeros((nc, M + 1))  # payments per county, by month
        for c, county in enumerate(self.counties):
            pool, put_by = county.pool, self.put_by[c]
            if pool.initial_balance > 0:
                put_by[P[pool.initial_payer], 0] += pool.initial_balance
            for contributor in pool.contributors:
                k = self.names.index(contributor.name)
                for when, amount in expected_payments(contributor, M):
                    self.contrib[k, when] += amount
                    put_by[P[contributor.payer], when] += amount

    def _book_one_time(self, t: int, parts: np.ndarray, c: int = 0) -> None:
        """Pay this month's one-time costs from the pool of county c, charged as the engine charges them.

        The payers' money still in the pool (`held`) pays pro rata (`funds.pro_rata`); an unlimited
        pool's top-ups pay what the balance lacks and are charged to the top-up payer alone. What a
        limited pool lacks (the twin does not queue) is money it assumes: against the payers'
        contributions still to come, pro rata (settled as they arrive), and beyond them charged to
        the top-up payer (`pool.top_up_payer`), so no contributor is charged more than it puts in.
        """
        amount = parts.sum()
        if amount <= 0:
            return
        pool, put_by = self.counties[c].pool, self.put_by[c]
        upto = t + 1 if t == self.R else t  # contributions of the reform month come before it
        held, owed = self.held[c], self.owed[c]
        while self._added[c] < upto:
            held += put_by[:, self._added[c]]
            self._added[c] += 1
        repaid = np.minimum(held, owed)  # contributions arriving first settle what was assumed against them
        held -= repaid
        owed -= repaid
        draw = min(amount, float(held.sum()))
        booked = pro_rata(held, draw)
        self.held[c] = np.maximum(held - booked, 0.0)
        short = amount - draw
        if short > 0 and pool.unlimited:
            booked[P[pool.top_up_payer]] += short
            self.G[TOPUP_F, t] += short
            self.topup_c[c, t] += short
        elif short > 0:
            # Where the engine's people would wait for contributions still to come, the twin pays now
            # against them (pro rata, as they would pay); beyond all that will come, the top-up payer.
            future = np.maximum(put_by[:, upto:].sum(axis=1) - owed, 0.0)
            ahead = pro_rata(future, min(short, float(future.sum())))
            owed += ahead
            booked += ahead
            booked[P[pool.top_up_payer]] += short - ahead.sum()
        self.charged[:, t] += booked
        for j, comp in enumerate(ONE_TIME):
            self.O3[C[comp], :, t] += parts[j] * booked / amount
        self.G[PAID_F, t] += amount
        self.paid_c[c, t] += amount

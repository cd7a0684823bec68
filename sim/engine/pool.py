"""The severance funding pool (补偿金): a SimPy container in yuan filled by named contributors.

One-time costs are taken from it in order of request; the balance never goes negative; a
person whose payment cannot be met waits, on the payroll. With `pool.unlimited`, each
payment is topped up by the contributor `top_up` just before it is taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from sim.engine.calendar import POLICY, at_month
from sim.engine.rng import stream

if TYPE_CHECKING:
    from sim.engine.model import Model

TOP_UP = "top_up"


class Pool:
    """The container, its contributors' schedule, and running totals."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.cfg = model.scenario.pool
        self.container = simpy.Container(model.env, capacity=float("inf"), init=self.cfg.initial_balance)
        self.names = [c.name for c in self.cfg.contributors]
        self.contributed = dict.fromkeys(self.names, 0.0)
        self.contributed_total = self.cfg.initial_balance
        self.by_payer: dict[str, float] = {}
        if self.cfg.initial_balance > 0:
            self.by_payer[self.cfg.initial_payer] = self.cfg.initial_balance
        self.payer_of = {c.name: c.payer for c in self.cfg.contributors}
        self.paid = 0.0
        self.waiting = 0
        self._schedule_contributions()

    def _schedule_contributions(self) -> None:
        rng = stream(self.model.seed, self.model.replication, "pool")
        for contributor in self.cfg.contributors:
            step = {"once": 0, "monthly": 1, "yearly": 12}[contributor.schedule]
            count = 1 if contributor.schedule == "once" else contributor.payments
            draws = rng.random((count, 2))
            for k in range(count):
                month = contributor.first_month + k * step + contributor.delay_months
                if draws[k, 0] < contributor.late_probability:
                    month += contributor.late_months
                amount = contributor.amount
                if draws[k, 1] < contributor.shortfall_probability:
                    amount *= contributor.shortfall_share
                if month <= self.model.horizon and amount > 0:
                    at_month(self.model.env, month, self._contribute, POLICY, (contributor.name, amount))

    def _contribute(self, event: simpy.Event) -> None:
        name, amount = event.value
        self.container.put(amount)
        self.contributed[name] += amount
        self.contributed_total += amount
        payer = self.payer_of[name]
        self.by_payer[payer] = self.by_payer.get(payer, 0.0) + amount

    def request(self, amount: float) -> simpy.Event:
        """Ask for `amount` yuan; the event succeeds when it is paid (in order of request)."""
        if self.cfg.unlimited:
            # top up only what the pool lacks (nobody queues in an unlimited pool); a second pass
            # covers float rounding of level + (amount - level)
            short = amount - self.container.level
            while short > 0:
                self.container.put(short)
                self.contributed[TOP_UP] = self.contributed.get(TOP_UP, 0.0) + short
                self.contributed_total += short
                payer = self.cfg.top_up_payer
                self.by_payer[payer] = self.by_payer.get(payer, 0.0) + short
                short = amount - self.container.level
        return self.container.get(amount)

    def cancel(self, request: simpy.Event) -> None:
        """Withdraw a request not yet paid; those queued behind it may now be paid from the balance."""
        request.cancel()  # type: ignore[attr-defined]
        self.container._trigger_get(None)

    def settle(self, amount: float) -> None:
        """Book a payment that the container has handed out."""
        self.paid += amount

    def refund(self, amount: float) -> None:
        """Put back money taken for a person who left before using it."""
        self.container.put(amount)

    def payer_shares(self) -> dict[str, float]:
        """Each payer's share of all money put into the pool so far."""
        total = sum(self.by_payer.values())
        return {payer: amount / total for payer, amount in self.by_payer.items()} if total > 0 else {}

    @property
    def balance(self) -> float:
        """Yuan in the pool now."""
        return float(self.container.level)

"""The severance funding pool (补偿金): yuan filled by named contributors, paid out to waiting people.

Money in the pool is kept per payer (what each still has there). A payment is drawn from the
payers pro rata to what each still has (`sim.engine.funds.pro_rata`), so each payer is charged
at most what it put in and the charges add up to what the pool paid. Waiting requests are
served by the scenario's discipline:

- `strict`: first come; a request the balance cannot cover blocks those behind it;
- `first_fit`: first come, skipping requests the balance cannot cover;
- `smallest_first`: the smallest request first.

After every change of the balance, no waiting request that the discipline may pay is left
unpaid: under `first_fit` and `smallest_first` every waiting request then exceeds the
balance. Cost per event: O(log n) in the number waiting for a request, a cancellation or a
payment; under `first_fit` a rise of the balance that can pay someone (a contribution or a
refund) walks the queue once, O(n), however many it pays. With `pool.unlimited`, what a
payment lacks is topped up by `top_up_payer` and charged to it alone.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.engine.calendar import POLICY, at_month
from sim.engine.funds import covers, payment_months, pro_rata_list
from sim.engine.rng import stream
from sim.scenario.schema import PAYERS, PoolSection

if TYPE_CHECKING:
    from sim.engine.model import Model

TOP_UP = "top_up"
PAYER_INDEX = {name: k for k, name in enumerate(PAYERS)}


class MoneyRequest(simpy.Event):
    """A request for `amount` yuan; succeeds with the charges per payer (list by PAYERS) when paid."""

    def __init__(self, env: simpy.Environment, amount: float, seq: int) -> None:
        super().__init__(env)
        self.amount = amount
        self.seq = seq
        self.live = True  # waiting or just made; False once paid or withdrawn
        self.charges: list[float] = []


class Pool:
    """The money per payer, its contributors' schedule, the waiting requests and running totals."""

    def __init__(self, model: Model, cfg: PoolSection | None = None, rng: np.random.Generator | None = None) -> None:
        self.model = model
        self.env = model.env
        self.cfg = model.scenario.pool if cfg is None else cfg  # a county's own pool (sim.engine.geography)
        self.discipline = self.cfg.discipline
        n = len(PAYERS)
        self.held = [0.0] * n  # each payer's money still in the pool
        self.put_by = [0.0] * n  # cumulative money put in, per payer
        self.charged_by = [0.0] * n  # cumulative money paid out and charged, per payer
        self.balance = 0.0
        self.names = [c.name for c in self.cfg.contributors]
        self.contributed = dict.fromkeys(self.names, 0.0)
        self.contributed_total = 0.0
        self.payer_of = {c.name: PAYER_INDEX[c.payer] for c in self.cfg.contributors}
        self.paid = 0.0
        self.waiting = 0  # live requests waiting
        self.unpaid = 0.0  # yuan those waiting requests ask for (the funding gap)
        self._seq = itertools.count()
        self._fifo: deque[MoneyRequest] = deque()  # strict: arrival order (lazy deletion)
        self._order: dict[int, MoneyRequest] = {}  # first_fit: live waiting requests, in arrival order
        self._by_amount: list[tuple[float, int, MoneyRequest]] = []  # all: smallest waiting (lazy deletion)
        if self.cfg.initial_balance > 0:
            self._put(PAYER_INDEX[self.cfg.initial_payer], self.cfg.initial_balance)
        self._schedule_contributions(rng)

    # ----- money in -----------------------------------------------------------------------
    def _schedule_contributions(self, rng: np.random.Generator | None) -> None:
        """Schedule the contributions; counties draw one after another from the one `pool` stream."""
        if rng is None:
            rng = stream(self.model.seed, self.model.replication, "pool")
        for contributor in self.cfg.contributors:
            due = payment_months(contributor)
            draws = rng.random((len(due), 2))
            for k, month in enumerate(due):
                if draws[k, 0] < contributor.late_probability:
                    month += contributor.late_months
                amount = contributor.amount
                if draws[k, 1] < contributor.shortfall_probability:
                    amount *= contributor.shortfall_share
                if month <= self.model.horizon and amount > 0:
                    at_month(self.model.env, month, self._contribute, POLICY, (contributor.name, amount))

    def _put(self, payer: int, amount: float) -> None:
        self.held[payer] += amount
        self.put_by[payer] += amount
        self.balance += amount
        self.contributed_total += amount

    def _contribute(self, value: tuple[str, float]) -> None:
        name, amount = value
        self.contributed[name] += amount
        self.deposit(self.payer_of[name], amount)

    def deposit(self, payer: int, amount: float) -> None:
        """Put `amount` yuan of payer `payer` (index in PAYERS) into the pool and pay whom it now can."""
        self._put(payer, amount)
        self._serve()

    # ----- money out ----------------------------------------------------------------------
    def request(self, amount: float) -> MoneyRequest:
        """Ask for `amount` yuan; the event succeeds (with the charges per payer) when it is paid."""
        req = MoneyRequest(self.env, amount, next(self._seq))
        if self.cfg.unlimited:
            short = amount - self.balance
            if short > 0:  # the balance is drawn first; what it lacks is topped up and charged to the top-up payer
                payer = PAYER_INDEX[self.cfg.top_up_payer]
                self.contributed[TOP_UP] = self.contributed.get(TOP_UP, 0.0) + short
                self.put_by[payer] += short
                self.contributed_total += short
                charges = pro_rata_list(self.held, self.balance)
                self.held = [0.0] * len(self.held)
                charges[payer] += short
                self.balance = 0.0
                self._paid(req, charges)
                return req
            self._grant(req)
            return req
        if covers(self.balance, amount) and (self.discipline != "strict" or not self.waiting):
            self._grant(req)  # under first_fit and smallest_first no waiting request is payable now
            return req
        self.waiting += 1
        self.unpaid += amount
        heapq.heappush(self._by_amount, (amount, req.seq, req))
        if self.discipline == "strict":
            self._fifo.append(req)
        if self.discipline == "first_fit":
            self._order[req.seq] = req
        return req

    def _grant(self, req: MoneyRequest) -> None:
        charges = pro_rata_list(self.held, req.amount)
        self.held = [max(h - c, 0.0) for h, c in zip(self.held, charges, strict=True)]
        self.balance = max(self.balance - req.amount, 0.0)
        self._paid(req, charges)

    def _paid(self, req: MoneyRequest, charges: list[float]) -> None:
        req.live = False
        req.charges = charges
        self.paid += req.amount
        for p, c in enumerate(charges):
            self.charged_by[p] += c
        req.succeed(charges)

    def _leave_queue(self, req: MoneyRequest) -> None:
        req.live = False
        self.waiting -= 1
        self.unpaid = self.unpaid - req.amount if self.waiting else 0.0  # no rounding left once nobody waits
        self._order.pop(req.seq, None)

    def _smallest(self) -> MoneyRequest | None:
        heap = self._by_amount
        while heap and not heap[0][2].live:
            heapq.heappop(heap)
        return heap[0][2] if heap else None

    def _serve(self) -> None:
        """Pay waiting requests, by the discipline, while the balance covers them."""
        if not self.waiting:
            return
        if self.discipline == "smallest_first":
            while (req := self._smallest()) is not None and covers(self.balance, req.amount):
                heapq.heappop(self._by_amount)
                self._leave_queue(req)
                self._grant(req)
        elif self.discipline == "strict":
            fifo = self._fifo
            while fifo:
                req = fifo[0]
                if not req.live:
                    fifo.popleft()
                    continue
                if not covers(self.balance, req.amount):
                    break
                fifo.popleft()
                self._leave_queue(req)
                self._grant(req)
        else:
            smallest = self._smallest()
            if smallest is None or not covers(self.balance, smallest.amount):
                return  # nobody waiting can be paid: no walk
            for req in list(self._order.values()):
                if covers(self.balance, req.amount):
                    self._leave_queue(req)
                    self._grant(req)

    def cancel(self, req: MoneyRequest) -> None:
        """Withdraw a request not yet paid; under `strict`, those behind it may now be paid."""
        if req.live and not req.triggered:
            self._leave_queue(req)
            if self.discipline == "strict":
                self._serve()

    def settle(self, req: MoneyRequest) -> list[float]:
        """The charges per payer of a paid request, now used (booked in the ledger by the caller)."""
        return req.charges

    def refund(self, req: MoneyRequest) -> None:
        """Put back money paid for a person who did not use it, into the payers' accounts it came from."""
        for p, c in enumerate(req.charges):
            self.held[p] += c
            self.charged_by[p] -= c
        self.balance += req.amount
        self.paid -= req.amount
        req.charges = []
        self._serve()

    # ----- state for the monthly row ------------------------------------------------------
    @property
    def dry(self) -> bool:
        """Someone waits for money and no waiting request can be paid from the balance."""
        smallest = self._smallest() if self.waiting else None
        return smallest is not None and not covers(self.balance, smallest.amount)


class ProvincePool:
    """The counties' pools read as one, for the province's monthly row (sums; dry when any county is dry)."""

    def __init__(self, pools: list[Pool]) -> None:
        self.pools = pools
        self.names: list[str] = []
        for pool in pools:
            self.names.extend(n for n in pool.names if n not in self.names)

    @property
    def contributed(self) -> dict[str, float]:
        """Money put in per contributor name, over the counties."""
        out: dict[str, float] = {}
        for pool in self.pools:
            for name, amount in pool.contributed.items():
                out[name] = out.get(name, 0.0) + amount
        return out

    @property
    def contributed_total(self) -> float:
        """Money put in, over the counties."""
        return sum(p.contributed_total for p in self.pools)

    @property
    def paid(self) -> float:
        """Money paid out, over the counties."""
        return sum(p.paid for p in self.pools)

    @property
    def balance(self) -> float:
        """Money in the pools, over the counties."""
        return sum(p.balance for p in self.pools)

    @property
    def waiting(self) -> int:
        """Requests waiting for money, over the counties."""
        return sum(p.waiting for p in self.pools)

    @property
    def unpaid(self) -> float:
        """Yuan the waiting requests ask for, over the counties."""
        return sum(p.unpaid for p in self.pools)

    @property
    def dry(self) -> bool:
        """Some county's pool is dry (someone there waits, and nobody waiting there can be paid)."""
        return any(p.dry for p in self.pools)

    @property
    def put_by(self) -> list[float]:
        """Money put in per payer, over the counties."""
        return [sum(col) for col in zip(*(p.put_by for p in self.pools), strict=True)]

    @property
    def charged_by(self) -> list[float]:
        """Money charged per payer, over the counties."""
        return [sum(col) for col in zip(*(p.charged_by for p in self.pools), strict=True)]

"""What a surplus person holds while queueing (a place, money), and the queue join/leave log.

Every join of a place or money queue and every leave is logged (`queue_join`, `queue_leave`)
with the queue, channel, what was asked (places or yuan) and why the person left, so that
queue lengths, waits and Little's law can be recomputed from the event log alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.engine.pool import MoneyRequest, Pool
from sim.engine.resources import PlaceRequest, Places

if TYPE_CHECKING:
    from sim.engine.model import Model

NO_QUEUE = ("", "", math.nan, "")  # the queue columns of an event that is not a queue event


def expire(request: PlaceRequest) -> None:
    """Patience ran out: withdraw the request and wake its process with False."""
    if not request.triggered and not request.withdrawn:
        request.cancel()
        request.succeed(False)


@dataclass(slots=True)
class Pending:
    """What a person holds while queueing, so that an interruption can hand it back."""

    request: PlaceRequest | None = None
    places: Places | None = None
    payment: MoneyRequest | None = None
    queued: tuple[str, str, float] | None = None  # (queue, channel, amount) while in a queue, for the log

    def clean_up(self, pool: Pool) -> None:
        """Give back a place or money taken but not used; cancel open requests."""
        if self.request is not None:
            if not self.request.triggered:
                self.request.cancel()
            elif self.request.value is True and self.places is not None:
                self.places.give_back(self.request)
        if self.payment is not None:
            if self.payment.triggered:
                pool.refund(self.payment)
            else:
                pool.cancel(self.payment)

    def join(self, model: Model, i: int, queue: str, channel: str, amount: float) -> None:
        """Person i joins the `place` or `money` queue of `channel`, asking `amount` (places or yuan)."""
        self.queued = (queue, channel, amount)
        if model.log is not None:
            state = model.people.state[i]
            model.record(i, "queue_join", state, state, "", (queue, channel, amount, ""))

    def leave(self, model: Model, i: int, reason: str) -> None:
        """Person i leaves the queue they are in, if any: placed, paid, gave_up, or what stopped them."""
        queued = self.queued
        if queued is None:
            return
        self.queued = None
        if model.log is not None:
            state = model.people.state[i]
            model.record(i, "queue_leave", state, state, "", (*queued, reason))

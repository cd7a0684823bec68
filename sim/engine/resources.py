"""SimPy resources for what really queues: channel places and the severance pool's money."""

from __future__ import annotations

import bisect
import math
from typing import Any

import simpy
from simpy.resources import base


class PlaceRequest(base.Get):
    """A person's request for one place; `key` orders the queue (lower first)."""

    def __init__(self, places: Places, person: int, key: tuple[float, int]) -> None:
        self.person = person
        self.key = key
        self.requested_at = places._env.now
        self.withdrawn = False
        self.batch = -1  # the release whose place this request was given
        super().__init__(places)

    def cancel(self) -> None:
        """Leave the queue (once); a request already served is not affected."""
        if not self.withdrawn and not self.triggered:
            self.withdrawn = True
            super().cancel()


class KeyedQueue(list):
    """A get queue kept sorted by the requests' keys (merit order) with O(log n) insertion."""

    def append(self, item: Any) -> None:
        """Insert `item` at its place in key order (ties: first come)."""
        bisect.insort_right(self, item, key=lambda e: e.key)


class Places(base.BaseResource):
    """Places in a channel: released in batches, given one per request in queue order.

    With `lapse`, a release replaces what is left of the previous batch (a year's places
    expire at the next year's release); without it, places accumulate.
    """

    GetQueue = KeyedQueue

    def __init__(self, env: simpy.Environment, lapse: bool = True) -> None:
        super().__init__(env, math.inf)
        self.level = 0
        self.lapse = lapse
        self.released = 0
        self.batch = 0  # counts releases; with `lapse`, places of an earlier batch are gone

    def request(self, person: int, key: tuple[float, int]) -> PlaceRequest:
        """Ask for a place; the event succeeds when one is given."""
        return PlaceRequest(self, person, key)

    def release(self, count: int) -> None:
        """Make `count` places available (lapsing unused ones if so configured) and serve the queue."""
        self.level = count if self.lapse else self.level + count
        self.released += count
        self.batch += 1
        self._trigger_get(None)

    def give_back(self, request: PlaceRequest) -> None:
        """Return a place that was given to `request` but not used; a place of a lapsed batch is gone."""
        if self.lapse and request.batch != self.batch:
            return
        self.level += 1
        self._trigger_get(None)

    def _do_put(self, event: base.Put) -> bool | None:  # places are released, never put
        return None

    def _do_get(self, event: PlaceRequest) -> bool | None:
        if self.level >= 1:
            self.level -= 1
            event.batch = self.batch
            event.succeed(True)
            return True
        return None

    @property
    def waiting(self) -> int:
        """People queueing for a place."""
        return len(self.get_queue)

"""SimPy resources for what really queues: channel places and the severance pool's money."""

from __future__ import annotations

import heapq
import itertools
import math
from typing import Any, cast

import simpy
from simpy.resources import base


class PlaceRequest(base.Get):
    """A person's request for one place; `key` orders the queue (lower first)."""

    def __init__(self, places: Places, person: int, key: tuple[float, int]) -> None:
        # `base.Get.__init__` without its `_trigger_put` callback: nobody puts places, they are released
        env = places._env
        self.env = env
        self.callbacks = []
        self.resource = places
        self.proc = env.active_process
        self.person = person
        self.key = key
        self.requested_at = env.now
        self.withdrawn = False
        self.batch = -1  # the release whose place this request was given
        self.places = places
        places.waiting += 1
        places.get_queue.append(self)
        if places.level >= 1:
            places._trigger_get(None)

    def cancel(self) -> None:
        """Leave the queue (once); a request already served is not affected.

        The request stays in the heap, marked withdrawn, until it reaches the top: removing it
        from the middle would cost time in proportion to the queue's length.
        """
        if not self.withdrawn and not self.triggered:
            self.withdrawn = True
            self.places.withdrawn_one()


class KeyedQueue(list[tuple[tuple[float, int], int, PlaceRequest]]):
    """A get queue as a heap of (key, arrival, request): the lowest key first, ties first come.

    Entries of withdrawn requests are dropped lazily; `Places.waiting` counts the live ones.
    """

    def __init__(self) -> None:
        super().__init__()
        self._arrivals = itertools.count()

    def append(self, item: Any) -> None:
        """Push `item` by its key (O(log n))."""
        heapq.heappush(self, (item.key, next(self._arrivals), item))


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
        self.waiting = 0  # live requests in the queue (not served, not withdrawn)

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

    def withdrawn_one(self) -> None:
        """A waiting request was withdrawn; compact the heap once dead entries are three times the live ones.

        A request in the heap is live or withdrawn: one given a place leaves the heap as it is given it.
        """
        self.waiting -= 1
        queue = cast(KeyedQueue, self.get_queue)
        if len(queue) > 64 and len(queue) > 4 * self.waiting:
            queue[:] = [entry for entry in queue if not entry[2].withdrawn]
            heapq.heapify(queue)

    def _do_put(self, event: base.Put) -> bool | None:  # places are released, never put
        return None

    def _do_get(self, event: PlaceRequest) -> bool | None:  # served in _trigger_get
        return None

    def _trigger_get(self, put_event: base.Put | None) -> None:
        """Give places to the waiting requests in key order while places are left (O(log n) each)."""
        queue = cast(KeyedQueue, self.get_queue)
        while queue and self.level >= 1:
            request = heapq.heappop(queue)[2]
            if request.withdrawn or request.triggered:
                continue
            self.waiting -= 1
            self.level -= 1
            request.batch = self.batch
            request.succeed(True)

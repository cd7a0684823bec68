"""A channel's place queue (`sim.engine.resources.Places`): places go to the waiting requests in key order.

Withdrawn requests stay in the heap until they reach its top or the heap is compacted; neither may change
who is served. Random sequences of requests, withdrawals and releases, long enough to compact the heap
many times, are checked against a plain sorted list of the live requests.
"""

from __future__ import annotations

import random

import pytest
import simpy

from sim.engine.resources import PlaceRequest, Places


@pytest.mark.parametrize("seed", range(6))
def test_places_go_in_key_order_whatever_was_withdrawn(seed: int) -> None:
    rnd = random.Random(seed)
    env = simpy.Environment()
    places = Places(env, lapse=rnd.random() < 0.5)
    live: dict[int, tuple[tuple[float, int], PlaceRequest]] = {}  # person → (key, request), not yet served
    compactions, arrival = 0, 0
    for _ in range(4000):
        roll = rnd.random()
        if roll < 0.55 or not live:  # a request, its key a merit (few values: ties go by arrival)
            arrival += 1
            key = (float(rnd.randint(-5, 0)), arrival)
            request = places.request(arrival, key)
            if request.triggered:  # a place left over from a release (no lapse): served at once
                assert request.value is True
                assert not live, "places are left over only when nobody is waiting"
            else:
                live[arrival] = (key, request)
        elif roll < 0.95:  # someone gives up
            person = rnd.choice(list(live))
            before = len(places.get_queue)
            live.pop(person)[1].cancel()
            compactions += len(places.get_queue) < before
        else:  # a release: the best live requests are served, in key order
            count = rnd.randint(0, 6)
            expected = sorted(live.items(), key=lambda item: item[1][0])[:count]
            places.release(count)
            served = {person for person, (_, request) in live.items() if request.triggered}
            assert served == {person for person, _ in expected}
            for person in served:
                assert live.pop(person)[1].value is True
        assert places.waiting == len(live)
        assert all(not request.triggered for _, request in live.values())
    assert compactions > 0, "the case must compact the heap"

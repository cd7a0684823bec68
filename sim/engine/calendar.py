"""Scheduling on top of SimPy: a month-bucketed event queue and callbacks at a month with a priority.

Within a month, events run in priority order: exits (attrition) first, then policy
(the reform, the deadline, place releases), then hires. The monthly snapshot is taken
after all events of the month.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule, SimTime, StopSimulation
from simpy.events import NORMAL, Event, EventPriority

EXIT, POLICY, HIRE = 1, 2, 3
_PRIORITIES = 5  # SimPy's -1 (a StopSimulation re-scheduled), URGENT 0, and the model's 1 to 3


class MonthEnvironment(simpy.Environment):
    """A SimPy environment whose queue is a FIFO per (time, priority) instead of one heap.

    SimPy runs events in order of (time, priority, order of scheduling); events of the same
    time and priority are scheduled in increasing order, so a first-in-first-out queue per
    (time, priority) runs them in exactly SimPy's order, at O(1) a push and a pop instead of
    O(log n) tuple comparisons on a heap of every pending event. The distinct times, few in a
    monthly model, sit in a small heap. `run(until=month)` steps without SimPy's stop event.
    """

    now: SimTime = 0  # a plain attribute, not SimPy's property: it is read at nearly every step of the model

    def __init__(self, initial_time: SimTime = 0) -> None:
        super().__init__(initial_time)
        self._times: list[SimTime] = []  # heap of the times that have events
        self._slots: dict[SimTime, tuple[deque[Any], ...]] = {}  # time → one FIFO per priority: events and calls

    @property
    def _now(self) -> SimTime:
        """SimPy's own name for the clock, kept for its base class: the same value as `now`."""
        return self.now

    @_now.setter
    def _now(self, value: SimTime) -> None:
        self.now = value

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: SimTime = 0) -> None:
        """Schedule `event` at now + `delay` after everything already scheduled there with its priority."""
        at = self.now + delay
        slots = self._slots.get(at)
        if slots is None:
            slots = self._slots[at] = tuple(deque() for _ in range(_PRIORITIES))
            heappush(self._times, at)
        slots[priority + 1].append(event)  # no `next(self._eid)`: SimPy's tie-break count; each FIFO keeps the order

    def call_at(self, at: SimTime, priority: int, func: Callable[[Any], None], value: Any) -> None:
        """Call `func(value)` at time `at` (not before now), in the place an event scheduled now would take.

        A plain call in the queue, not an event: nobody can wait for it, and it costs no SimPy event.
        """
        slots = self._slots.get(at)
        if slots is None:
            slots = self._slots[at] = tuple(deque() for _ in range(_PRIORITIES))
            heappush(self._times, at)
        slots[priority + 1].append((func, value))

    def peek(self) -> SimTime:
        """The time of the next scheduled event (infinity when none)."""
        return self._times[0] if self._times else float("inf")

    def _next(self) -> Event | None:
        """Take the next event off the queue (advancing the clock), or None when the queue is empty."""
        times, slots_at = self._times, self._slots
        while times:
            at = times[0]
            for queue in slots_at[at]:
                if queue:
                    self.now = at
                    return queue.popleft()
            heappop(times)
            del slots_at[at]
        return None

    def step(self) -> None:
        """Process the next event (SimPy's contract: EmptySchedule when there is none)."""
        event = self._next()
        if event is None:
            raise EmptySchedule
        if event.__class__ is tuple:
            event[0](event[1])
            return
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, EventPriority(-1))
            raise
        _check(event)

    def run(self, until: SimTime | Event | None = None) -> Any | None:
        """Run to month `until` (every event before it), or as SimPy does for an event or None."""
        if until is None or isinstance(until, Event):
            return super().run(until)
        if until <= self.now:
            raise ValueError(f"until ({until}) must be greater than the current simulation time")
        times, slots_at = self._times, self._slots
        while times and times[0] < until:
            at = times[0]
            self.now = at
            slots = slots_at[at]
            while True:
                for queue in slots:
                    if queue:
                        break
                else:
                    break  # nothing left at this time (events run now may add more, so look again each time)
                event = queue.popleft()
                if event.__class__ is tuple:  # a plain call (`call_at`)
                    event[0](event[1])
                    continue
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:
                    callback(event)
                if not event._ok:
                    _check(event)
            heappop(times)
            del slots_at[at]
        self.now = until
        return None

    def clear(self) -> None:
        """Drop every scheduled event (a finished replication)."""
        self._times.clear()
        self._slots.clear()


def _check(event: Event) -> None:
    """A failed event that nobody handled crashes the run, as in SimPy."""
    if not event._ok and not hasattr(event, "_defused"):
        raise failure(event)


def failure(event: Event) -> BaseException:
    """A copy of a failed event's exception, caused by it: what SimPy raises, or throws into a waiting process."""
    exc = type(event._value)(*event._value.args)
    exc.__cause__ = event._value
    return exc


class At(Event):
    """An event that fires `delay` months from now with priority `priority` (lower first)."""

    def __init__(self, env: simpy.Environment, delay: float, priority: int, value: Any = None) -> None:
        super().__init__(env)
        self._ok = True
        self._value = value
        env.schedule(self, priority, delay)  # type: ignore[arg-type]  # SimPy types priority as its enum


def call_at(env: simpy.Environment, at: SimTime, priority: int, func: Callable[[Any], None], value: Any = None) -> None:
    """Call `func(value)` at time `at` ≥ now with `priority`, as an event scheduled now for then would run."""
    if isinstance(env, MonthEnvironment):
        env.call_at(at, priority, func, value)
    else:  # a plain SimPy environment (tests of one component)
        At(env, at - env.now, priority, value).callbacks.append(lambda event: func(event.value))


def at_month(
    env: simpy.Environment, month: float, callback: Callable[[Any], None], priority: int, value: Any = None
) -> None:
    """Call `callback(value)` at absolute model month `month` (now, if it has passed)."""
    delay = month - env.now
    call_at(env, env.now + (delay if delay > 0 else 0), priority, callback, value)

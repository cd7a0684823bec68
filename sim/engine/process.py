"""A person's process: a generator the calendar resumes, in exactly SimPy's order, with fewer SimPy events.

SimPy's `Process` makes an event to start a process, one for every `timeout`, one for every interrupt
and one when the process ends; at province scale those are a quarter of a million events a replication,
each built, queued and dispatched. `Proc` drives the same kind of generator and takes each of those
steps as a plain call in the calendar (`calendar.call_at`), at the time and priority SimPy gives the
event, so everything runs in the same order: the start and an interrupt at once with priority URGENT,
a wait of n months (the generator yields the number) n months on with priority NORMAL. A yielded SimPy
event (a place or a payment) is waited for as SimPy does, by a callback on it; the end makes no event
(nobody waits for these processes). The generator sees what it would under SimPy: the event's value,
or `simpy.Interrupt(cause)` thrown in.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT, Event

from sim.engine.calendar import MonthEnvironment, call_at, failure

Step = Event | int  # what a person's generator yields: an event to wait for, or months to wait


class Proc:
    """One person's process: `is_alive` until its generator returns; `interrupt(cause)` as SimPy's."""

    __slots__ = ("env", "_call_at", "_generator", "_target", "_wait", "is_alive")

    def __init__(self, env: simpy.Environment, generator: Generator[Step, Any, None]) -> None:
        self.env = env
        # `calendar.call_at` for this environment, looked up once
        self._call_at: Callable[..., None] = env.call_at if isinstance(env, MonthEnvironment) else partial(call_at, env)
        self._generator = generator
        self._target: Event | None = None  # the event waited for, if any
        self._wait = 0  # the number of the current wait in months (a wait cut short by an interrupt is stale)
        self.is_alive = True
        self._call_at(env.now, URGENT, self._start, None)

    def interrupt(self, cause: Any = None) -> None:
        """Throw `simpy.Interrupt(cause)` into the generator, now with priority URGENT (SimPy's `Interruption`)."""
        if not self.is_alive:
            raise RuntimeError(f"{self} has terminated and cannot be interrupted.")
        self._call_at(self.env.now, URGENT, self._interrupted, cause)

    def close(self) -> None:
        """End the generator where it waits (its `finally` runs): a finished replication's tidying."""
        self.is_alive = False
        self._generator.close()

    def _start(self, _value: None) -> None:
        self._step(True, None)

    def _woken(self, wait: int) -> None:
        if wait == self._wait and self.is_alive:
            self._step(True, None)

    def _on_event(self, event: Event) -> None:
        self._target = None
        self._step(*_outcome(event))

    def _interrupted(self, cause: Any) -> None:
        if not self.is_alive:
            return
        if self._target is not None:
            self._target.callbacks.remove(self._on_event)
            self._target = None
        self._wait += 1  # a wait under way is over
        self._step(False, simpy.Interrupt(cause))

    def _step(self, ok: bool, value: Any) -> None:
        """Resume the generator with `value` (or throw it in) until it waits for something or ends."""
        env = self.env
        env._active_proc = self  # type: ignore[assignment]  # `env.active_process`, as under SimPy
        generator = self._generator
        try:
            while True:
                try:
                    step = generator.send(value) if ok else generator.throw(value)
                except StopIteration:
                    self.is_alive = False
                    return
                if step.__class__ is int or step.__class__ is float:
                    self._wait += 1
                    self._call_at(env.now + step, NORMAL, self._woken, self._wait)
                    return
                if step.callbacks is not None:  # type: ignore[union-attr]  # not yet processed: wait for it
                    step.callbacks.append(self._on_event)  # type: ignore[union-attr]
                    self._target = step  # type: ignore[assignment]
                    return
                ok, value = _outcome(step)  # type: ignore[arg-type]  # processed already: go on at once
        finally:
            env._active_proc = None


def _outcome(event: Event) -> tuple[bool, Any]:
    """What a process waiting for `event` is resumed with, as SimPy does it: (True, its value), or for a failed
    event (False, a copy of its exception caused by it), the failure then counting as handled.
    """
    if event._ok:
        return True, event._value
    event._defused = True
    return False, failure(event)

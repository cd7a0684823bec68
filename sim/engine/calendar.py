"""Scheduling helpers on top of SimPy: callbacks at a month with an explicit priority.

Within a month, events run in priority order: exits (attrition) first, then policy
(the reform, the deadline, place releases), then hires. The monthly snapshot is taken
after all events of the month.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import Event

EXIT, POLICY, HIRE = 1, 2, 3


class At(Event):
    """An event that fires `delay` months from now with priority `priority` (lower first)."""

    def __init__(self, env: simpy.Environment, delay: float, priority: int, value: Any = None) -> None:
        super().__init__(env)
        self._ok = True
        self._value = value
        env.schedule(self, priority, delay)  # type: ignore[arg-type]  # SimPy types priority as its enum


def at_month(
    env: simpy.Environment, month: float, callback: Callable[[Event], None], priority: int, value: Any = None
) -> At:
    """Call `callback(event)` at absolute model month `month` (not before now)."""
    delay = month - env.now
    ev = At(env, delay if delay > 0 else 0, priority, value)
    ev.callbacks.append(callback)
    return ev

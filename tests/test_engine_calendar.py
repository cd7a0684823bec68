"""The month-bucketed event queue runs events in exactly SimPy's order (time, priority, scheduling)."""

from __future__ import annotations

import random
from collections.abc import Generator

import simpy

from sim.engine.calendar import MonthEnvironment, call_at


def _trace(env: simpy.Environment, seed: int) -> list[tuple[float, str]]:
    """Events, processes, interrupts and plain calls scheduled from within each other; what ran when."""
    rng = random.Random(seed)
    seen: list[tuple[float, str]] = []

    def note(label: str) -> None:
        seen.append((env.now, label))
        if len(seen) < 400 and rng.random() < 0.6:  # some events schedule more, now or later
            later = rng.choice([0, 0, 1, 2, 5])
            call_at(env, env.now + later, rng.choice([1, 2, 3]), note, f"{label}>c")
        if len(seen) < 400 and rng.random() < 0.3:
            env.timeout(rng.choice([0, 1, 3]), f"{label}>t").callbacks.append(wake)

    def wake(event: simpy.Event) -> None:
        note(str(event.value))

    def person(k: int) -> Generator[simpy.Event, None, None]:  # a process that waits, and may be interrupted
        try:
            for step in range(3):
                yield env.timeout(rng.choice([0, 1, 2]))
                note(f"p{k}.{step}")
        except simpy.Interrupt as stop:
            note(f"p{k} interrupted by {stop.cause}")

    procs = [env.process(person(k)) for k in range(20)]
    for k in range(60):
        call_at(env, rng.choice([0, 1, 2, 3, 4]), rng.choice([1, 2, 3]), note, f"e{k}")
    for k in range(0, 20, 3):
        call_at(env, 1, 2, lambda p: p.interrupt("policy") if p.is_alive else None, procs[k])
    for month in range(12):
        env.run(until=month + 1)
        seen.append((env.now, "snapshot"))
    return seen


def test_same_order_as_simpy_heap() -> None:
    for seed in range(5):
        assert _trace(MonthEnvironment(), seed) == _trace(simpy.Environment(), seed)


def test_run_stops_before_the_month_and_sets_the_clock() -> None:
    env = MonthEnvironment()
    ran: list[int] = []
    call_at(env, 3, 1, ran.append, 3)
    call_at(env, 5, 1, ran.append, 5)
    env.run(until=4)
    assert ran == [3] and env.now == 4
    env.run(until=6)
    assert ran == [3, 5] and env.now == 6

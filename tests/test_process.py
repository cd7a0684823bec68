"""A `Proc` runs a person's generator in exactly the order SimPy's `Process` would (`sim.engine.process`).

The same random script of people who wait months, wait for events (some already fired, some fired
later), are interrupted while waiting either way (and give up or go on), and note what they see, runs
once with SimPy's own processes on SimPy's own environment and once with `Proc` on the engine's
`MonthEnvironment`: every note, its month and its place in the order must agree. The script draws from
one random stream as it goes, so any step taken out of turn changes everything after it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import pytest
import simpy

from sim.engine.calendar import MonthEnvironment, call_at
from sim.engine.process import Proc


def _trace(env: simpy.Environment, seed: int, start: Callable[..., Any], wait: Callable[..., Any]) -> list[Any]:
    rng = random.Random(seed)
    seen: list[tuple[float, str]] = []
    signals = [env.event() for _ in range(4)]
    procs: dict[int, Any] = {}

    def note(label: str) -> None:
        seen.append((env.now, label))

    def person(k: int) -> Generator[Any, Any, None]:
        try:
            for step in range(5):
                try:
                    if rng.random() < 0.5:
                        got = yield wait(env, rng.choice([0, 0, 1, 2, 3]))
                    else:
                        got = yield signals[rng.randrange(len(signals))]
                except simpy.Interrupt as stop:  # some give up, some go on to their next step
                    note(f"p{k} interrupted by {stop.cause}")
                    if rng.random() < 0.5:
                        return
                    continue
                note(f"p{k}.{step} got {got} as the active process: {env.active_process is procs[k]}")
                if rng.random() < 0.2:  # a person starts another, as an offer of a post does
                    procs[len(procs)] = start(env, person(len(procs)))
        finally:
            note(f"p{k} ends")

    def fire(j: int) -> None:
        if not signals[j].triggered:
            signals[j].succeed(f"s{j}")
            note(f"s{j} fired")

    def interrupt(k: int) -> None:
        if k in procs and procs[k].is_alive:
            procs[k].interrupt(f"policy {k}")
            note(f"p{k} to be interrupted")

    for k in range(20):
        procs[k] = start(env, person(k))
    for j in range(len(signals)):
        call_at(env, rng.choice([0, 1, 2, 4, 7]), rng.choice([1, 2, 3]), fire, j)
    for _ in range(15):
        call_at(env, rng.choice([0, 1, 2, 3, 5]), rng.choice([1, 2, 3]), interrupt, rng.randrange(30))
    for month in range(12):
        env.run(until=month + 1)
        seen.append((env.now, "month end"))
    return [*seen, sorted(k for k, p in procs.items() if p.is_alive)]


@pytest.mark.parametrize("seed", range(8))
def test_same_steps_in_the_same_order_as_simpy_processes(seed: int) -> None:
    ours = _trace(MonthEnvironment(), seed, Proc, lambda _env, months: months)
    simpys = _trace(simpy.Environment(), seed, simpy.Environment.process, simpy.Environment.timeout)
    assert ours == simpys
    assert sum("interrupted by" in str(x) for x in ours) >= 2  # the script exercised interrupts
    assert any("got s" in str(x) for x in ours) and any("got None" in str(x) for x in ours)  # events and waits


def test_a_failed_event_is_thrown_in_as_simpy_does() -> None:
    def trace(env: simpy.Environment, start: Callable[..., Any]) -> list[str]:
        seen: list[str] = []
        failing = env.event()

        def person() -> Generator[Any, Any, None]:
            try:
                yield failing
            except ValueError as error:
                seen.append(f"{env.now}: caught {error!r}, caused by {error.__cause__!r}")

        start(env, person())
        call_at(env, 2, 1, lambda _: failing.fail(ValueError("no place")))
        env.run(until=5)
        return seen

    ours = trace(MonthEnvironment(), Proc)
    assert ours == trace(simpy.Environment(), simpy.Environment.process)
    assert ours == ["2: caught ValueError('no place'), caused by ValueError('no place')"]


def test_an_ended_process_cannot_be_interrupted() -> None:
    env = MonthEnvironment()

    def quick() -> Generator[Any, Any, None]:
        yield 1

    proc = Proc(env, quick())
    env.run(until=3)
    assert not proc.is_alive
    with pytest.raises(RuntimeError, match="cannot be interrupted"):
        proc.interrupt("late")

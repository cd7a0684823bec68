"""A scenario's replications, as they come back from wherever they ran, gathered into Results.

Replications may come back in any order (a pool of workers); `InOrder` hands each on once those
before it have come, so what is gathered, and so every file written, is the same byte for byte as
one process running them in turn gives. `Gathered` keeps what `fenliu run` writes: the monthly
table, and by township, by channel, by county and the event log where the replications have them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

import numpy as np
import pandas as pd

from sim.engine import EVENT_COLUMNS, RunResult
from sim.experiment.results import (
    MonthlyStack,
    Results,
    channel_frame,
    county_frame,
    monthly_table,
    township_frame,
)
from sim.scenario.schema import Scenario

T = TypeVar("T")


class InOrder(Generic[T]):
    """Items numbered 0, 1, 2, … handed on in their numbers' order, whatever order they are pushed in."""

    def __init__(self) -> None:
        self.arrived: dict[int, T] = {}
        self.following = 0

    def push(self, number: int, item: T) -> Iterator[tuple[int, T]]:
        """Take item `number`; yield it and the waiting items after it that are now in order."""
        self.arrived[number] = item
        while self.following in self.arrived:
            yield self.following, self.arrived.pop(self.following)
            self.following += 1

    def finish(self) -> None:
        """Every item has been pushed: one still waiting means one before it never came."""
        if self.arrived:
            raise RuntimeError(f"replications {sorted(self.arrived)} came back without replication {self.following}")


def in_order(arrivals: Iterable[tuple[int, T]]) -> Iterator[tuple[int, T]]:
    """Items numbered 0, 1, 2, … in their numbers' order, whatever order they arrive in: each waits
    only until those before it have come.
    """
    order: InOrder[T] = InOrder()
    for number, item in arrivals:
        yield from order.push(number, item)
    order.finish()


class Gathered:
    """The replications of one scenario, added in replication order, and the Results they make."""

    def __init__(self, replications: int, events: bool = False) -> None:
        self.events = events
        self.stack = MonthlyStack(replications)
        self.logs: list[pd.DataFrame] = []
        self.townships: list[tuple[int, np.ndarray]] = []
        self.channels: list[tuple[int, np.ndarray]] = []
        self.counties: list[tuple[int, np.ndarray]] = []
        self.township_names: tuple[str, ...] = ()
        self.county_names: tuple[str, ...] = ()

    def add(self, replication: int, result: RunResult) -> None:
        """Keep what replication `replication` returned."""
        self.stack.add(replication, *monthly_table(result))
        if result.by_township is not None:
            self.townships.append((replication, result.by_township))
            self.township_names = result.township_names
        if result.channel_one_time is not None:
            self.channels.append((replication, result.channel_one_time))
        if result.by_county is not None:
            self.counties.append((replication, result.by_county))
            self.county_names = result.county_names
        if result.events is not None:
            self.logs.append(pd.DataFrame(result.events, columns=list(EVENT_COLUMNS)).assign(replication=replication))

    def results(self, scenario: Scenario, seed: int, replications: int, timings: dict[str, float]) -> Results:
        """The Results of what was added."""
        event_frame = None
        if self.events:
            event_frame = (
                pd.concat(self.logs, ignore_index=True) if self.logs else pd.DataFrame(columns=[*EVENT_COLUMNS])
            )
            event_frame = event_frame[["replication", *EVENT_COLUMNS]]
        return Results(
            scenario,
            seed,
            replications,
            self.stack.frame(),
            event_frame,
            timings,
            by_township=township_frame(self.townships, self.township_names) if self.townships else None,
            by_channel=channel_frame(self.channels) if self.channels else None,
            by_county=county_frame(self.counties, self.county_names) if self.counties else None,
        )

"""One replication: a SimPy environment in which staff age, leave, are cut and replaced.

`simulate(scenario, population, seed, replication)` is a pure function of its inputs;
it does no I/O. Components (attrition, reform, hiring, and later channels, pool, ledger,
rebound) hang off the `Model` and talk through its hooks.
"""

from __future__ import annotations

import functools
import gc
from array import array
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np
from simpy.resources.base import BaseResource

from sim.engine import geography
from sim.engine.attrition import exit_months, first_exits
from sim.engine.by_county import ByCounty
from sim.engine.by_township import ByTownship
from sim.engine.calendar import EXIT, POLICY, MonthEnvironment, at_month
from sim.engine.diversion import INSTITUTION_VACANCY, Diversion
from sim.engine.funds import wage_index
from sim.engine.hiring import Hiring
from sim.engine.ledger import Ledger
from sim.engine.no_reform import no_reform_costs
from sim.engine.outputs import (
    COUNTERFACTUAL_COLUMNS,
    EVENT_COLUMNS,
    SECTOR_COLUMNS,
    RunResult,
    composition,
    model_columns,
    monthly_columns,
    no_reform,
    with_counterfactual,
)
from sim.engine.people import SURPLUS, People
from sim.engine.pool import TOP_UP
from sim.engine.queues import NO_QUEUE
from sim.engine.rebound import Rebound
from sim.engine.rebound_rules import fill_derived
from sim.engine.reform import Reform
from sim.engine.rng import stream
from sim.engine.states import AWAITING, IN_POST, LEFT, ON_PAYROLL, RETIRED, ROTATING, STATE_NAMES
from sim.population.table import ADMIN, INSTITUTION, SECONDARY, TEMPORARY, Population
from sim.scenario.schema import Scenario

__all__ = [  # what other modules import from here (the results and counterfactual live in sim.engine.outputs)
    "COUNTERFACTUAL_COLUMNS",
    "EVENT_COLUMNS",
    "SECTOR_COLUMNS",
    "Model",
    "RunResult",
    "monthly_columns",
    "no_reform",
    "simulate",
    "with_counterfactual",
]

CAUSES = ("retirement", "death", "quit")


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _without_gc(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `func` with the cyclic garbage collector paused.

    A replication allocates hundreds of thousands of small objects (events, tuples,
    list entries) that reference counting frees; the collector's full passes over them
    cost a fifth of the run time and free nothing that would not be freed right after.
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return func(*args, **kwargs)
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            gc.enable()
            gc.collect(0)  # what the paused collector left: only the small cycles that `close` cannot break

    return wrapper


class Model:
    """The state of one replication and the SimPy environment that drives it."""

    @_without_gc
    def __init__(
        self,
        scenario: Scenario,
        population: Population,
        seed: int,
        replication: int,
        record_events: bool = False,
        costs_only: bool = False,
    ) -> None:
        """`costs_only` (the no-reform twin, whose monthly costs alone are read): no results by township or county."""
        self.scenario = scenario
        self.costs_only = costs_only
        self.seed = seed
        self.replication = replication
        self.env = MonthEnvironment()
        self.start_abs = scenario.time.start_abs
        self.horizon = scenario.time.horizon_months
        self.people = People.from_population(population, hire_prefix=f"H{replication}-")
        self.townships = population.townships
        self.counties = geography.resolve(scenario, population.staff_counts().sum(axis=1))
        self.county_of = [c for c, county in enumerate(self.counties) for _ in range(county.first, county.last)]
        self.est = (
            np.stack([population.townships.establishment_admin, population.townships.establishment_institution], axis=1)
            .astype(int)
            .tolist()
        )
        self._est_totals: tuple[object, int, int] = (None, 0, 0)  # (establishment, admin and institution totals)
        self._est_by_township: tuple[object, np.ndarray] = (None, np.empty(0, dtype=np.int64))
        self.reformed = False
        self.log: list[tuple[Any, ...]] | None = [] if record_events else None
        self.exit_cause: list[int] = []
        self.retire_abs: array[int] = array("q")  # statutory retirement month of each person (compact: see People)
        self.exits: dict[int, list[int]] = {}
        self.scheduled_exits = 0
        self.exits_months: set[int] = set()
        self.hiring = Hiring(self, population)
        self.diversion = Diversion(self)
        self.ledger = Ledger(self)
        self.rebound = Rebound(self)
        deadline = min(scenario.reform.deadline_month, self.horizon)
        self.by_township = ByTownship(self, (deadline, self.horizon), len(self.diversion.channels))
        self.contributor_names = [*geography.contributor_names(scenario), TOP_UP]
        keep_counties = geography.has_counties(scenario) and not costs_only
        self.by_county = ByCounty(self) if keep_counties else None  # a city needs none
        self.columns = model_columns(self.contributor_names)
        self.table = np.zeros((self.horizon + 1, len(self.columns)))
        self._schedule_initial_exits(population)
        self._schedule_diplomas(population)
        self.ledger.start()
        self.reform = Reform(self)
        if scenario.reform.enabled:
            at_month(self.env, scenario.reform.month, self.reform.run, POLICY)

    # ----- time and logging -------------------------------------------------------------
    @property
    def month(self) -> int:
        """The current model month."""
        return int(self.env.now)

    def record(
        self, i: int, event: str, old: int, new: int, detail: str = "", queue: tuple[Any, ...] = NO_QUEUE
    ) -> None:
        """Append a transition to the event log when it is switched on.

        `queue` fills the columns queue, channel, amount and reason of queue events (`sim.engine.queues`).
        """
        if self.log is not None:
            before = STATE_NAMES[old] if old >= 0 else ""
            self.log.append((self.month, self.people.id_of(i), event, before, STATE_NAMES[new], detail, *queue))

    def move(self, i: int, new: int, event: str, detail: str = "") -> None:
        """Change person i's state and log it; a freed post goes to the surplus or to hiring."""
        people = self.people
        old = people.set_state(i, new)
        if SURPLUS[old] and not SURPLUS[new]:
            self.diversion.vacancies.left_surplus(i)
        if new == RETIRED and event == "retirement":
            self.ledger.retiring(i, old)
        self.ledger.update(i)
        if self.log is not None:
            self.record(i, event, old, new, detail)
        left_payroll = ON_PAYROLL[old] and not ON_PAYROLL[new]
        if left_payroll:
            if old != IN_POST and event != "diverted":  # a surplus person left
                self.diversion.left(i)
            self.rebound.left(i)  # re-growth no longer
        if not self.reformed:
            if left_payroll:
                self.hiring.vacancy(people.township[i], people.sector[i])
            return
        tw, sector = people.township[i], people.sector[i]
        if old == IN_POST and new != IN_POST and self.diversion.post_freed(tw, sector):
            return
        if left_payroll:
            self.hiring.vacancy(tw, sector)

    def establishment_by_township(self) -> np.ndarray:
        """Admin and institution posts per township (kept until the reform replaces the establishment)."""
        if self._est_by_township[0] is not self.est:
            self._est_by_township = (self.est, np.array(self.est, dtype=np.int64).sum(axis=1))
        return self._est_by_township[1]

    def set_sector(self, i: int, sector: int, township: int | None = None) -> None:
        """Move person i to another sector (and township, if given), keeping the ledger right."""
        if township is not None and township != self.people.township[i]:
            self.ledger.close(i)  # off the old township's books
        self.people.set_sector(i, sector, township)
        self.ledger.update(i)

    def wage_index(self, month: int | None = None) -> float:
        """Salary level in `month` (default: now) relative to month 0; salaries rise each January."""
        return wage_index(self.start_abs, self.month if month is None else month, self.scenario.money.wage_growth)

    def after_diversion(self, i: int, channel: int) -> None:
        """What follows a diversion: the ledger's new slot and the return flow."""
        if channel == INSTITUTION_VACANCY:
            self.ledger.moved_institution.add(i)
            self.ledger.update(i)
        else:
            self.rebound.diverted(i, channel)

    def returned(self, i: int) -> None:
        """A diverted person comes back: their cost returns to the township's payroll."""
        self.ledger.moved_institution.discard(i)

    # ----- attrition --------------------------------------------------------------------
    def _schedule_initial_exits(self, pop: Population) -> None:
        draws = stream(self.seed, self.replication, "attrition").exponential(size=(len(pop), 2))
        att = self.scenario.attrition
        retire_abs, cause, after = first_exits(att, self.start_abs, pop.birth, pop.female, pop.worker, draws)
        first = len(self.exit_cause)
        self.retire_abs.frombytes(retire_abs.astype(np.int64).tobytes())
        self.exit_cause.extend(cause.tolist())
        for month, group in exit_months(after, self.horizon):
            self.schedule_exits(month, (group + first).tolist())

    def schedule_exit(self, i: int, month: int) -> None:
        """Put person i's exit in the calendar: one SimPy event per month runs that month's exits in order."""
        self.schedule_exits(month, [i])

    def schedule_exits(self, month: int, people: list[int]) -> None:
        """Put the exits of `people` in `month` in the calendar, after those already there."""
        bucket = self.exits.get(month)
        if bucket is None:
            bucket = self.exits[month] = []
            self.exits_months.add(month)
            at_month(self.env, month, self._run_exits, EXIT, month)
        bucket.extend(people)
        self.scheduled_exits += len(people)

    def _run_exits(self, month: int) -> None:
        state, exit_cause = self.people.state, self.exit_cause
        for i in self.exits.pop(month):
            if state[i] not in (RETIRED, LEFT):  # `on_exit`, inlined: the month's exits in order
                cause = CAUSES[exit_cause[i]]
                self.move(i, RETIRED if cause == "retirement" else LEFT, cause)

    def on_exit(self, i: int) -> None:
        """Person i's scheduled retirement, death or quit (nothing if they already left)."""
        if self.people.state[i] in (RETIRED, LEFT):
            return
        cause = CAUSES[self.exit_cause[i]]
        self.move(i, RETIRED if cause == "retirement" else LEFT, cause)

    # ----- in-service education -----------------------------------------------------------
    def _schedule_diplomas(self, pop: Population) -> None:
        training = self.scenario.training
        if training.diploma_rate <= 0:
            return
        draws = stream(self.seed, self.replication, "training").exponential(size=len(pop))
        months = training.start_month + np.ceil(draws / training.diploma_rate * 12.0 - 1e-9)
        for i in np.flatnonzero((pop.education < SECONDARY) & (months <= self.horizon)):
            at_month(self.env, int(months[i]), self._diploma, EXIT, int(i))

    def _diploma(self, i: int) -> None:
        if self.people.state[i] in (IN_POST, AWAITING, ROTATING):
            self.people.set_education(i, SECONDARY)
            self.record(i, "diploma", self.people.state[i], self.people.state[i], "secondary diploma in service")

    # ----- run --------------------------------------------------------------------------
    def snapshot(self, month: int) -> None:
        """Write the monthly metrics row for `month`."""
        people = self.people
        n = people.on_payroll()
        row = self.table[month]
        pool = self.diversion.pool
        contributed = pool.contributed
        in_post = people.n_state[IN_POST]
        if self._est_totals[0] is not self.est:  # the establishment changes only at the reform
            self._est_totals = (self.est, sum(e[0] for e in self.est), sum(e[1] for e in self.est))
        _, est_a, est_i = self._est_totals
        now_abs = self.start_abs + month
        row[:] = (
            n,
            people.payroll_sector[ADMIN],
            people.payroll_sector[INSTITUTION],
            people.payroll_sector[TEMPORARY],
            est_a + est_i,
            est_a,
            est_i,
            *people.n_state,
            self.hiring.hires,
            *composition(in_post, sum(people.birth_sum), sum(people.secondary_plus), now_abs),
            *self.diversion.diverted,
            *self.diversion.queue_lengths(),
            pool.contributed_total,
            pool.paid,
            pool.balance,
            pool.waiting,
            *(contributed.get(name, 0.0) for name in self.contributor_names),
            float(pool.dry),
            *pool.put_by,
            *pool.charged_by,
            *self.ledger.row(self.wage_index(month), month),
            *self.rebound.row(),
            *composition(people.post_sector[ADMIN], people.birth_sum[ADMIN], people.secondary_plus[ADMIN], now_abs),
            *composition(
                people.post_sector[INSTITUTION],
                people.birth_sum[INSTITUTION],
                people.secondary_plus[INSTITUTION],
                now_abs,
            ),
            *self.diversion.fates,
        )
        if self.by_county is not None:
            self.by_county.capture(month)

    @_without_gc
    def run(self) -> RunResult:
        """Advance month by month to the horizon, snapshotting after each month's events."""
        costs_only = self.costs_only  # the monthly table is the same; results by township or county are not kept
        for month in range(self.horizon + 1):
            self.env.run(until=month + 1)
            self.snapshot(month)
            if not costs_only:
                self.by_township.capture(month)
        fill_derived(self.table, self.columns, self.scenario.reform.month if self.scenario.reform.enabled else None)
        if costs_only:
            return RunResult(self.replication, self.columns, self.table, self.log)
        bt = self.by_township
        by_channel = np.column_stack([bt.channel_cost, bt.channel_paid.astype(float)])
        return RunResult(
            self.replication,
            self.columns,
            self.table,
            self.log,
            by_township=bt.table(),
            channel_one_time=by_channel,
            pool_unpaid=bt.unpaid,
            by_county=self.by_county.table if self.by_county is not None else None,
            county_names=tuple(c.name for c in self.counties),
            township_names=tuple(self.townships.names),
        )

    def close(self) -> None:
        """Break the reference cycles of a finished replication so that reference counting frees it now.

        The components point back at the model and SimPy's events at their callbacks; with the
        collector paused those cycles would otherwise outlive the replication (memory growing
        with every replication). The model is unusable afterwards; its RunResult is not affected.
        """
        self.env.clear()
        for process in list(self.diversion.process.values()):
            process.close()  # its `finally` runs now, while the state it tidies still exists
        parts = (
            self.people,
            self.hiring,
            self.diversion.vacancies,
            self.diversion,
            *self.diversion.pools,
            self.ledger,
            self.rebound,
        )
        resources: list[BaseResource | None] = [p for places in self.diversion.county_places for p in places]
        for pool in self.diversion.pools:
            resources += [v for v in vars(pool).values() if isinstance(v, BaseResource)]
        for resource in resources:
            if resource is not None:  # its queued requests hold the waiting people's processes
                resource.get_queue.clear()
                resource.put_queue.clear()
        for part in parts:
            vars(part).clear()
        vars(self).clear()


@_without_gc
def simulate(
    scenario: Scenario, population: Population, seed: int, replication: int, record_events: bool = False
) -> RunResult:
    """Run one replication of `scenario` on `population`; the same inputs give the same numbers.

    With `money.counterfactual`, the no-reform world runs on the same people and draws
    (common random numbers; `sim.engine.no_reform`, equal to a full run of it) and the savings
    columns compare the two.
    """
    model = Model(scenario, population, seed, replication, record_events)
    result = model.run()
    model.close()
    twin = None
    if scenario.money.counterfactual and scenario.reform.enabled:
        twin = no_reform_costs(scenario, population, seed, replication)
    return with_counterfactual(scenario, result, twin)

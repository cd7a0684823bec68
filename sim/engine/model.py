"""One replication: a SimPy environment in which staff age, leave, are cut and replaced.

`simulate(scenario, population, seed, replication)` is a pure function of its inputs;
it does no I/O. Components (attrition, reform, hiring, and later channels, pool, ledger,
rebound) hang off the `Model` and talk through its hooks.
"""

from __future__ import annotations

import functools
import gc
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, TypeVar

import numpy as np
from simpy.resources.base import BaseResource

from sim.engine import geography, posting
from sim.engine.attrition import event_month, retirement_abs_month
from sim.engine.by_county import ByCounty
from sim.engine.by_township import ByTownship
from sim.engine.calendar import EXIT, POLICY, MonthEnvironment, at_month
from sim.engine.diversion import INSTITUTION_VACANCY, Diversion
from sim.engine.hiring import Hiring
from sim.engine.ledger import LEDGER_COLUMNS, Ledger
from sim.engine.people import SURPLUS, People
from sim.engine.pool import TOP_UP
from sim.engine.queues import NO_QUEUE
from sim.engine.rebound import REBOUND_COLUMNS, Rebound
from sim.engine.rebound_rules import fill_derived
from sim.engine.rng import stream
from sim.engine.states import (
    AWAITING,
    IN_POST,
    LEFT,
    ON_PAYROLL,
    RETIRED,
    ROTATING,
    STATE_NAMES,
    SURPLUS_COLUMNS,
    columns_for,
)
from sim.population.table import ADMIN, INSTITUTION, SECONDARY, SECTORS, TEMPORARY, Population
from sim.scenario.schema import Scenario

EVENT_COLUMNS = ("month", "person", "event", "from_state", "to_state", "detail", "queue", "channel", "amount", "reason")
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


@dataclass(frozen=True)
class RunResult:
    """The outputs of one replication."""

    replication: int
    columns: tuple[str, ...]
    monthly: np.ndarray  # (months + 1, len(columns)), float64
    events: list[tuple[Any, ...]] | None
    by_township: np.ndarray | None = None  # rows (township, month, *TOWNSHIP_OUTCOMES), sim.engine.by_township
    channel_one_time: np.ndarray | None = None  # (channels, 2): one-time yuan paid and people paid, by channel
    pool_unpaid: np.ndarray | None = None  # (months + 1,): yuan of pool requests not paid at month-end
    by_county: np.ndarray | None = None  # (months + 1, counties, COUNTY_OUTCOMES), sim.engine.by_county
    county_names: tuple[str, ...] = ()


class Model:
    """The state of one replication and the SimPy environment that drives it."""

    @_without_gc
    def __init__(
        self, scenario: Scenario, population: Population, seed: int, replication: int, record_events: bool = False
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = MonthEnvironment()
        self.start_abs = scenario.time.start_abs
        self.horizon = scenario.time.horizon_months
        self.people = People.from_population(population)
        self.townships = population.townships
        self.counties = geography.resolve(scenario, population.staff_counts().sum(axis=1))
        self.county_of = [c for c, county in enumerate(self.counties) for _ in range(county.first, county.last)]
        self.est = (
            np.stack([population.townships.establishment_admin, population.townships.establishment_institution], axis=1)
            .astype(int)
            .tolist()
        )
        self.reformed = False
        self.log: list[tuple[Any, ...]] | None = [] if record_events else None
        self.exit_cause: list[int] = []
        self.retire_abs: list[int] = []
        self.recruits: set[int] = set()
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
        self.by_county = ByCounty(self) if geography.has_counties(scenario) else None  # a city needs none
        self.columns = _model_columns(self.contributor_names)
        self.table = np.zeros((self.horizon + 1, len(self.columns)))
        self._schedule_initial_exits(population)
        self._schedule_diplomas(population)
        self.ledger.start()
        if scenario.reform.enabled:
            at_month(self.env, scenario.reform.month, self._reform, POLICY)

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
            self.log.append((self.month, self.people.ids[i], event, before, STATE_NAMES[new], detail, *queue))

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

    def set_sector(self, i: int, sector: int, township: int | None = None) -> None:
        """Move person i to another sector (and township, if given), keeping the ledger right."""
        if township is not None and township != self.people.township[i]:
            self.ledger.close(i)  # off the old township's books
        self.people.set_sector(i, sector, township)
        self.ledger.update(i)

    def wage_index(self, month: int | None = None) -> float:
        """Salary level in `month` (default: now) relative to month 0; salaries rise each January."""
        month = self.month if month is None else month
        januaries = (self.start_abs % 12 + month) // 12
        return (1.0 + self.scenario.money.wage_growth) ** januaries

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
        rng = stream(self.seed, self.replication, "attrition")
        n = len(pop)
        draws = rng.exponential(size=(n, 2))
        age = (self.start_abs - pop.birth) / 12.0
        self._schedule_exits(0, pop.birth, pop.female, pop.worker, age, draws)

    def _schedule_exits(
        self, now: int, birth: np.ndarray, female: np.ndarray, worker: np.ndarray, age: np.ndarray, draws: np.ndarray
    ) -> None:
        """Compute each person's first exit (retirement, death, quit) and schedule it."""
        att = self.scenario.attrition
        death = event_month(att, "death", age, draws[:, 0], female)
        quit_ = event_month(att, "quit", age, draws[:, 1], female)
        retire_abs = retirement_abs_month(att, birth, female, worker)
        self.retire_abs.extend(retire_abs.tolist())
        if att.retirement:
            retire = np.maximum(retire_abs - self.start_abs - now, 1)
        else:
            retire = np.full(len(birth), np.inf)
        times = np.stack([retire, death, quit_], axis=1)
        cause = times.argmin(axis=1)
        when = now + times[np.arange(len(cause)), cause]
        first = len(self.exit_cause)
        self.exit_cause.extend(cause.tolist())
        due = np.flatnonzero(when <= self.horizon)
        if not len(due):
            return
        months = when[due].astype(np.int64)
        order = np.argsort(months, kind="stable")  # within a month, in order of person, as one by one
        months, people = months[order], (due[order] + first)
        starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
        for month, group in zip(months[starts].tolist(), np.split(people, starts[1:]), strict=True):
            self.schedule_exits(month, group.tolist())

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
        for i in self.exits.pop(month):
            self.on_exit(i)

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
            at_month(self.env, months[i], self._diploma, EXIT, int(i))

    def _diploma(self, i: int) -> None:
        if self.people.state[i] in (IN_POST, AWAITING, ROTATING):
            self.people.set_education(i, SECONDARY)
            self.record(i, "diploma", self.people.state[i], self.people.state[i], "secondary diploma in service")

    # ----- reform -----------------------------------------------------------------------
    def new_establishment(self) -> list[list[int]]:
        """The new establishment per township and sector, from class numbers or cuts."""
        out = []
        for tw, (old_a, old_i) in enumerate(self.est):
            klass = self.scenario.township_classes[int(self.townships.klass[tw])]
            county = self.counties[self.county_of[tw]]  # the county's own cut, or the province's
            new_a = klass.new_establishment_admin
            new_i = klass.new_establishment_institution
            out.append(
                [
                    math.floor(old_a * (1 - county.cut_admin) + 1e-9) if new_a is None else new_a,
                    math.floor(old_i * (1 - county.cut_institution) + 1e-9) if new_i is None else new_i,
                ]
            )
        return out

    def _reform(self, _value: None) -> None:
        reform = self.scenario.reform
        people = self.people
        self.est = self.new_establishment()
        self.reformed = True
        if reform.clear_temporaries:
            temporaries = [
                i
                for i, (sector, state) in enumerate(zip(people.sector, people.state, strict=True))
                if sector == TEMPORARY and ON_PAYROLL[state]
            ]
            for i in temporaries:
                self.move(i, LEFT, "cleared", "temporary cleared at the reform")
        recruits = self._recruit()
        self._competitive_posting(recruits)
        self.hiring.after_reform()
        self.rebound.start()

    def _recruit(self) -> np.ndarray:
        """Fill the recruits' share of the new establishment with outside graduates; their count per township."""
        reform = self.scenario.reform
        shares = (reform.recruits_admin_share, reform.recruits_institution_share)
        count = np.zeros((len(self.est), 2), dtype=np.int64)
        if not any(shares):
            return count
        for tw, posts in enumerate(self.est):
            for sector, share in zip((ADMIN, INSTITUTION), shares, strict=True):
                count[tw, sector] = round(share * posts[sector])
                for _ in range(count[tw, sector]):
                    i = self.hiring.hire(
                        tw,
                        sector,
                        "recruited at the reform",
                        reform.recruit_age_mean,
                        reform.recruit_share_secondary_plus,
                        reform.recruit_share_college_plus,
                    )
                    self.recruits.add(i)
        return count

    def _competitive_posting(self, recruits: np.ndarray) -> None:
        reform = self.scenario.reform
        people = self.people
        recruited = self.recruits
        cand = np.array(
            [
                i
                for i, (state, sector) in enumerate(zip(people.state, people.sector, strict=True))
                if state == IN_POST and sector != TEMPORARY and i not in recruited
            ],
            dtype=np.int64,
        )
        if len(cand) == 0:
            self.diversion.start([], {})
            return
        rng = stream(self.seed, self.replication, "selection")
        noise = rng.standard_normal(len(people))[cand]
        uniform = rng.random(len(people))[cand]
        attrs = people.arrays(("township", "sector", "appraisal", "education", "birth", "entry", "leader"))
        now_abs = self.start_abs + self.month
        score = posting.scores(
            reform,
            attrs["appraisal"][cand],
            attrs["education"][cand],
            (now_abs - attrs["birth"][cand]) / 12.0,
            attrs["entry"][cand],
            attrs["leader"][cand],
            noise,
            uniform,
        )
        est = np.maximum(np.asarray(self.est) - recruits, 0)
        keeps, new_sector = posting.post(
            attrs["township"][cand], attrs["sector"][cand], score, est[:, 0], est[:, 1], reform.joint_posting
        )
        div = self.scenario.diversion
        rotate = stream(self.seed, self.replication, "rotation").random(len(self.est)) < div.rotating_share
        if div.surplus_state == "rotating":
            rotate[:] = True
        surplus = []
        moved = new_sector != attrs["sector"][cand]
        rotate_list = rotate.tolist()
        for k in np.flatnonzero(moved | ~keeps).tolist():  # in candidate order, as the event log shows them
            i = int(cand[k])
            if moved[k]:
                sector = int(new_sector[k])
                self.set_sector(i, sector)
                self.record(i, "posted", IN_POST, IN_POST, f"won a post in sector {SECTORS[sector]}")
            if not keeps[k]:
                surplus_state = ROTATING if rotate_list[people.township[i]] else AWAITING
                people.set_state(i, surplus_state)
                self.ledger.update(i)
                self.record(i, "surplus", IN_POST, surplus_state, "no post in competitive posting")
                surplus.append(i)
        merit = dict(zip(cand.tolist(), np.where(np.isfinite(score), score, 1e9).tolist(), strict=True))
        self.diversion.start(surplus, merit)

    # ----- run --------------------------------------------------------------------------
    def snapshot(self, month: int) -> None:
        """Write the monthly metrics row for `month`."""
        people = self.people
        n = people.on_payroll()
        row = self.table[month]
        pool = self.diversion.pool
        contributed = pool.contributed
        in_post = people.n_state[IN_POST]
        est_a = sum(e[0] for e in self.est)
        est_i = sum(e[1] for e in self.est)
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
            *_composition(in_post, sum(people.birth_sum), sum(people.secondary_plus), now_abs),
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
            *_composition(people.post_sector[ADMIN], people.birth_sum[ADMIN], people.secondary_plus[ADMIN], now_abs),
            *_composition(
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
        for month in range(self.horizon + 1):
            self.env.run(until=month + 1)
            self.snapshot(month)
            self.by_township.capture(month)
        fill_derived(self.table, self.columns, self.scenario.reform.month if self.scenario.reform.enabled else None)
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
        )

    def close(self) -> None:
        """Break the reference cycles of a finished replication so that reference counting frees it now.

        The components point back at the model and SimPy's events at their callbacks; with the
        collector paused those cycles would otherwise outlive the replication (memory growing
        with every replication). The model is unusable afterwards; its RunResult is not affected.
        """
        self.env.clear()
        for process in list(self.diversion.process.values()):
            process._generator.close()  # its `finally` runs now, while the state it tidies still exists
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


SECTOR_COLUMNS = (
    "mean_age_admin",
    "share_secondary_plus_admin",
    "mean_age_institution",
    "share_secondary_plus_institution",
)


def _model_columns(contributors: list[str]) -> tuple[str, ...]:
    return (*columns_for(contributors), *LEDGER_COLUMNS, *REBOUND_COLUMNS, *SECTOR_COLUMNS, *SURPLUS_COLUMNS)


def monthly_columns(scenario: Scenario) -> tuple[str, ...]:
    """Every metric column that `simulate` writes for `scenario`, in order."""
    contributors = [*geography.contributor_names(scenario), TOP_UP]
    return (*_model_columns(contributors), *COUNTERFACTUAL_COLUMNS)


def _composition(n: int, birth_sum: int, secondary: int, now_abs: int) -> tuple[float, float]:
    """Mean age (years) and share with secondary education or above of `n` people in post."""
    if not n:
        return np.nan, np.nan
    return (n * now_abs - birth_sum) / 12.0 / n, secondary / n


COUNTERFACTUAL_COLUMNS = (
    "cost_township_counterfactual",
    "cost_government_counterfactual",
    "savings_cumulative_township",
    "savings_cumulative_government",
    "npv_savings_township",
    "npv_savings_government",
)


def no_reform(scenario: Scenario) -> Scenario:
    """The counterfactual of `scenario`: the same everything, but no reform."""
    return scenario.model_copy(update={"reform": scenario.reform.model_copy(update={"enabled": False})})


def with_counterfactual(scenario: Scenario, result: RunResult, twin: RunResult | None) -> RunResult:
    """Add the counterfactual's costs, cumulative savings and their present value."""
    cols = {c: k for k, c in enumerate(result.columns)}
    own = result.monthly
    if twin is None and scenario.reform.enabled:  # no twin was run: there are no savings to report
        nan = np.full((own.shape[0], len(COUNTERFACTUAL_COLUMNS)), np.nan)
        return replace(result, columns=(*result.columns, *COUNTERFACTUAL_COLUMNS), monthly=np.hstack([own, nan]))
    base = twin.monthly if twin is not None else own
    twin_cols = {c: k for k, c in enumerate(twin.columns)} if twin is not None else cols
    months = np.arange(own.shape[0])
    discount = (1.0 + scenario.money.discount_rate) ** (-months / 12.0)
    extra = []
    for view in ("township", "government"):
        cf = base[:, twin_cols[f"cost_{view}"]]
        extra.append(cf)
    for view, cf in zip(("township", "government"), extra[:2], strict=True):
        saving = cf - own[:, cols[f"cost_{view}"]]
        extra.append(np.cumsum(saving))
    for view, cf in zip(("township", "government"), extra[:2], strict=True):
        saving = cf - own[:, cols[f"cost_{view}"]]
        extra.append(np.cumsum(saving * discount))
    table = np.column_stack([own, *extra])
    return replace(result, columns=(*result.columns, *COUNTERFACTUAL_COLUMNS), monthly=table)


@_without_gc
def simulate(
    scenario: Scenario, population: Population, seed: int, replication: int, record_events: bool = False
) -> RunResult:
    """Run one replication of `scenario` on `population`; the same inputs give the same numbers.

    With `money.counterfactual`, the no-reform twin runs on the same people and draws
    (common random numbers) and the savings columns compare the two.
    """
    model = Model(scenario, population, seed, replication, record_events)
    result = model.run()
    model.close()
    twin = None
    if scenario.money.counterfactual and scenario.reform.enabled:
        model = Model(no_reform(scenario), population, seed, replication, False)
        twin = model.run()
        model.close()
    return with_counterfactual(scenario, result, twin)

"""Diversion (分流): surplus people try the seven channels, queue for places, then for money.

Each surplus person is a process (`sim.engine.process.Proc`, stepped as SimPy's): it waits out
any protection, then tries the channels open to them in their order of preference; for each it checks eligibility,
acceptance and the exam, queues for a place (with a patience), queues for the one-time
money in the pool, serves the lead time, and leaves. Someone with no channel left stays
awaiting (or rotates). The deadline may stop the queueing.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.engine.calendar import NORMAL, POLICY, at_month
from sim.engine.channel_rules import (
    last_open_month,
    next_open_month,
    one_time_cost,
    open_by_age,
    open_by_retirement,
    open_by_service,
    static_eligibility,
    time_rule,
    time_rules_met,
)
from sim.engine.pool import Pool, ProvincePool
from sim.engine.process import Proc, Step
from sim.engine.queues import Pending, expire
from sim.engine.resources import Places
from sim.engine.rng import stream
from sim.engine.states import AWAITING, DIVERTED, IN_POST, RETIRED, ROTATING, SURPLUS_COLUMNS
from sim.engine.vacancy import Vacancies
from sim.population.table import INSTITUTION, SECTORS, TEMPORARY
from sim.scenario.schema import CHANNEL_IDS, ChannelSection

if TYPE_CHECKING:
    from sim.engine.model import Model

TEACHER, EARLY_RETIREMENT, RESIGNATION, TERMINATION, INSTITUTION_VACANCY, ENTERPRISE, POLICE = range(7)
EXIT_CHANNELS = (RESIGNATION, TERMINATION, ENTERPRISE)
SURPLUS_STATES = (AWAITING, ROTATING)


class Diversion:
    """Channels, their places, the pool, and the processes of surplus people."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.cfg = model.scenario.diversion
        self.channels: list[ChannelSection] = [model.scenario.channels.get(c) for c in CHANNEL_IDS]
        self.counties = model.counties
        rng = stream(model.seed, model.replication, "pool")  # counties draw one after another
        self.pools = [Pool(model, county.pool, rng) for county in self.counties]
        self.pool: Pool | ProvincePool = self.pools[0] if len(self.pools) == 1 else ProvincePool(self.pools)
        self.by_merit = [ch.allocation == "merit" for ch in self.channels]
        self.time_rules = [time_rule(ch) for ch in self.channels]
        # where each channel opens to a person (`_next_try`): per channel, by birth, entry and retirement month
        self._open_by_birth: list[dict[int, tuple[int, float]]] = [{} for _ in self.channels]
        self._open_by_entry: list[dict[int, int]] = [{} for _ in self.channels]
        self._open_by_retire: list[dict[int, float]] = [{} for _ in self.channels]
        self._opens: dict[int, list[tuple[float, float]]] = {}  # each retrying person's spans (`_open_spans`)
        self._arrivals = itertools.count()
        env = model.env
        self.county_places: list[list[Places | None]] = []  # by county, then channel
        for county in self.counties:
            self.county_places.append(
                [
                    Places(env) if county.places[k] is not None and k != INSTITUTION_VACANCY else None
                    for k in range(len(self.channels))
                ]
            )
        self.places = self.county_places[0]  # the first county's (a city's only) places
        n_tw = len(model.townships)
        self.vacancies = Vacancies(self, n_tw)  # the institution vacancy channel: vacancies come to the surplus
        self.diverted = [0] * len(CHANNEL_IDS)
        self.fates = [0] * len(SURPLUS_COLUMNS)  # surplus at the reform, then reposted, retired, left while waiting
        self.diverted_county = [0] * len(self.counties)
        self.process: dict[int, Proc] = {}
        self.phase: dict[int, str] = {}
        self.pending: dict[int, Pending] = {}
        self.channel_of: dict[int, int] = {}
        self.diverted_at: dict[int, int] = {}
        self.merit: array[float] = array("d")
        self.orders: dict[int, list[int]] = {}  # for the event log only (`_log_choices`)
        self.static_ok: dict[int, list[bool]] = {}
        # per township and sector, the surplus best first: a dict as an ordered set (O(1) to forget someone)
        self.surplus: list[list[dict[int, None]]] = [[{} for _ in SECTORS] for _ in range(n_tw)]
        self.stopped_county = [False] * len(self.counties)  # each county's drive stopped at its deadline

    # ----- set-up at the reform ---------------------------------------------------------
    def start(self, surplus: list[int], score: np.ndarray) -> None:
        """Start the diversion of `surplus` (best first within each township sector); `score`: each person's
        merit in competitive posting (0 for those who did not compete).
        """
        model = self.model
        people = model.people
        n = len(people)
        self.accept_u = stream(model.seed, model.replication, "channels").random((n, 2 * len(CHANNEL_IDS)))
        self.exam_u = stream(model.seed, model.replication, "exams").random((n, len(CHANNEL_IDS)))
        self.merit = array("d", np.asarray(score, dtype=float).tobytes())  # compact, as `People`'s attributes
        self.fates[0] += len(surplus)
        merit = score[np.asarray(surplus, dtype=np.int64)]
        township, sector = people.township, people.sector
        for i in np.asarray(surplus, dtype=np.int64)[np.argsort(-merit, kind="stable")].tolist():  # best first
            self.surplus[township[i]][sector[i]][i] = None
        order = self._preferences(surplus, score)
        iv, self.candidates, static = self._candidates(surplus, order)
        if model.log is not None:  # what `_log_choices` reads: each person's channels in order and static rules
            self.orders = dict(zip(surplus, order.tolist(), strict=True))
            self.static_ok = dict(zip(surplus, static.tolist(), strict=True))
        self.vacancies.start(iv, score, self.by_merit[INSTITUTION_VACANCY])
        for i in surplus:
            if self.candidates[i] or people.protected[i]:
                self.process[i] = Proc(model.env, self._divert(i))
            else:
                if model.log is not None:
                    self._log_choices(i)
                self._no_channel(i)
        self._schedule_releases()
        for c, county in enumerate(self.counties):
            at_month(model.env, county.deadline_month, self._deadline, POLICY, c)
        at_month(model.env, model.scenario.reform.deadline_month, self._withhold, POLICY)

    def _preferences(self, surplus: list[int], score: np.ndarray) -> np.ndarray:
        """Each person's order of the open channels, (people × open channels): the scenario's order plus
        person-level random weights.
        """
        cfg = self.cfg
        allowed = [CHANNEL_IDS.index(c) for c in cfg.order if self.channels[CHANNEL_IDS.index(c)].open]
        if not surplus or not allowed:
            return np.zeros((len(surplus), 0), dtype=np.int64)
        idx = np.asarray(surplus)
        base = np.full(len(CHANNEL_IDS), -np.inf)
        base[allowed] = -np.arange(len(allowed), dtype=float)
        u = self.accept_u[idx, len(CHANNEL_IDS) :]
        gumbel = -np.log(-np.log(np.clip(u, 1e-12, 1 - 1e-12)))
        weights = base + cfg.preference_noise * gumbel
        if cfg.adverse_selection:
            merit = score[idx]
            sd = merit.std()
            z = (merit - merit.mean()) / sd if sd > 0 else np.zeros_like(merit)
            weights[:, list(EXIT_CHANNELS)] += cfg.adverse_selection * z[:, None]
        return np.argsort(-weights, axis=1, kind="stable")[:, : len(allowed)]

    def _candidates(self, surplus: list[int], order: np.ndarray) -> tuple[list[int], dict[int, list[int]], np.ndarray]:
        """Who would take the institution vacancy channel (in `surplus` order), the other channels each
        person would take, in their `order` (statically eligible, accepting, passing), and the static rules'
        table (surplus × channels).

        The draws are fixed per person and channel, so a retry never changes these answers;
        only the time-dependent rules are checked again at each try. People with the same channels in the
        same order share one list (nobody changes it).
        """
        if not surplus:
            return [], {}, np.zeros((0, len(self.channels)), dtype=bool)
        idx = np.asarray(surplus)
        static = self._static_ok(idx)
        if order.shape[1] == 0:  # no channel open
            return [], {i: [] for i in surplus}, static
        accept = np.array([ch.acceptance for ch in self.channels])
        passes = np.array([ch.exam_pass_rate for ch in self.channels])
        willing = static & (self.accept_u[idx, : len(CHANNEL_IDS)] < accept) & (self.exam_u[idx] < passes)
        would = np.take_along_axis(willing, order, axis=1)  # the channels in each person's order they would take
        iv = idx[(would & (order == INSTITUTION_VACANCY)).any(axis=1)].tolist()
        takes = would & (order != INSTITUTION_VACANCY)
        rows = np.where(takes, order, -1)
        code = (rows + 1) @ (len(CHANNEL_IDS) + 1) ** np.arange(rows.shape[1], dtype=np.int64)  # a row, as one number
        _, first, which = np.unique(code, return_index=True, return_inverse=True)
        lists = [[k for k in row if k >= 0] for row in rows[first].tolist()]
        return iv, dict(zip(surplus, [lists[j] for j in which.reshape(-1).tolist()], strict=True)), static

    def _schedule_releases(self) -> None:
        model = self.model
        reform_abs = model.start_abs + model.scenario.reform.month
        for c, county_places in enumerate(self.county_places):
            for k, ch in enumerate(self.channels):
                if county_places[k] is None or not ch.open:
                    continue
                first = reform_abs + (ch.release_month - 1 - reform_abs % 12) % 12
                for month in range(first - model.start_abs, model.horizon + 1, 12):
                    at_month(model.env, month, self._release, POLICY, (c, k))

    def _release(self, value: tuple[int, int]) -> None:
        c, k = value
        places = self.county_places[c][k]
        assert places is not None
        places.release(int(self.counties[c].places[k] or 0))

    def county(self, i: int) -> int:
        """The county of person i (a person never changes county)."""
        return self.model.county_of[self.model.people.township[i]]

    def stopped(self, i: int) -> bool:
        """Whether person i's county has stopped its drive (its deadline passed, with enforcement)."""
        return self.stopped_county[self.model.county_of[self.model.people.township[i]]]

    # ----- one person's path ------------------------------------------------------------
    def eligible(self, i: int, k: int) -> bool:
        """Whether person i may take channel k now."""
        return bool(self._static_ok(np.array([i]))[0, k]) and self.eligible_now(i, k)

    def _static_ok(self, idx: np.ndarray) -> np.ndarray:
        """Rules that do not change with time (education, sex, status, sector), (people × channels)."""
        people = self.model.people
        rows = idx.tolist()
        return static_eligibility(
            self.channels,
            np.array([people.education[i] for i in rows]),
            np.array([people.female[i] for i in rows]),
            np.array([people.worker[i] for i in rows]),
            np.array([people.sector[i] for i in rows]),
        )

    def eligible_now(self, i: int, k: int, month: float | None = None) -> bool:
        """The rules that change with time (age band, years to retirement, service) in `month` (default now)."""
        model = self.model
        now_abs = model.start_abs + int(model.env.now if month is None else month)
        birth, entry = model.people.birth[i], model.people.entry[i]
        return time_rules_met(self.time_rules[k], now_abs, birth, model.retire_abs[i], entry, now_abs)

    def one_time_cost(self, i: int, k: int) -> dict[str, float]:
        """Severance (with any fixed payment), pension buy-in and placement subsidy for person i in channel k."""
        people = self.model.people
        salary = people.salary[i] * self.model.wage_index()
        service = max((self.model.start_abs + self.model.month - people.entry[i]) / 12.0, 0.0)
        return one_time_cost(self.channels[k], salary, service)

    def _divert(self, i: int) -> Generator[Step, Any, None]:
        """The process of one surplus person, from the reform to leaving (or not): yields an event to wait for, or
        a number of months to wait.
        """
        model = self.model
        env = model.env
        pending = self.pending[i] = Pending()
        # what does not change for the person: their county (whose drive may stop) and the terms of the time rules
        c = model.county_of[model.people.township[i]]
        stopped_county, rules, start_abs = self.stopped_county, self.time_rules, model.start_abs
        places_of, pool = self.county_places[c], self.pools[c]
        birth, entry, retire = model.people.birth[i], model.people.entry[i], model.retire_abs[i]
        try:
            if model.people.protected[i]:
                end = model.scenario.reform.month + model.scenario.reform.protection_months
                if end > env.now:
                    self.phase[i] = "protected"
                    yield int(end - env.now)
            if model.log is not None:
                self._log_choices(i)
            channels = self.candidates.get(i, [])
            while True:
                for k in channels:
                    if stopped_county[c]:
                        break
                    now_abs = start_abs + int(env.now)  # `eligible_now`, inlined: the rules in this month
                    if not time_rules_met(rules[k], now_abs, birth, retire, entry, now_abs):
                        continue
                    places = places_of[k]  # None: the channel needs no place
                    if places is not None and not (yield from self._queue_for_place(i, k, pending, places)):
                        continue
                    if not (yield from self._pay(i, k, pending, pool)):
                        self._drop_place(i, k, pending)
                        continue
                    self.phase[i] = "lead"
                    if self.channels[k].lead_time_months:
                        yield self.channels[k].lead_time_months
                    self.complete(i, k)
                    return
                if self.phase.get(i) != "retry":
                    self._no_channel(i)
                if self.cfg.retry_months <= 0 or stopped_county[c] or not channels:
                    break
                self.phase[i] = "retry"
                wait = self._next_try(i)
                if wait is None:
                    break  # no channel of theirs will be open to them again before the horizon
                yield wait
        except simpy.Interrupt as stop:
            pending.clean_up(pool)
            pending.leave(model, i, str(stop.cause))
        finally:
            self.process.pop(i, None)
            self.pending.pop(i, None)
            self.phase.pop(i, None)

    def _next_try(self, i: int) -> int | None:
        """Months to the next retry at which one of person i's channels is open to them, or None.

        Retries come every `retry_months`; one at which no channel's age, retirement or
        service rule lets them in would change nothing, so it is skipped. Each channel is open to
        the person over one span of months (`channel_rules.next_open_month`), whose ends depend on
        the birth, entry or retirement month alone and are kept for everyone born, entered or
        retiring in the same month; a person's spans are kept for their next retry.
        """
        model = self.model
        opens = self._opens.get(i)
        if opens is None:
            opens = self._opens[i] = self._open_spans(i)
        now_abs = model.start_abs + int(model.env.now)
        month = next_open_month(opens, now_abs, self.cfg.retry_months, model.start_abs + model.horizon)
        return None if month is None else month - now_abs

    def _open_spans(self, i: int) -> list[tuple[float, float]]:
        """The span of months (first, last) over which each of person i's channels is open to them."""
        model = self.model
        people = model.people
        birth, retire, entry = people.birth[i], model.retire_abs[i], people.entry[i]
        by_birth, by_entry, by_retire, rules = (
            self._open_by_birth,
            self._open_by_entry,
            self._open_by_retire,
            self.time_rules,
        )
        opens = []
        for k in self.candidates.get(i, []):
            rule = rules[k]
            age = by_birth[k].get(birth)
            if age is None:
                age = by_birth[k][birth] = (open_by_age(rule, birth), last_open_month(rule, birth))
            service = by_entry[k].get(entry)
            if service is None:
                service = by_entry[k][entry] = open_by_service(rule, entry)
            retirement = by_retire[k].get(retire)
            if retirement is None:
                retirement = by_retire[k][retire] = open_by_retirement(rule, retire)
            opens.append((max(age[0], service, retirement), age[1]))
        return opens

    def _note(self, i: int, event: str, detail: str) -> None:
        state = self.model.people.state[i]
        self.model.record(i, event, state, state, detail)

    def _log_choices(self, i: int) -> None:
        """Log, once, each channel the person considers and why they drop it."""
        static = self.static_ok.get(i)
        for k in self.orders.get(i, []):
            if static is None or not static[k]:
                continue
            cid = CHANNEL_IDS[k]
            self._note(i, "tried", cid)
            if self.accept_u[i, k] >= self.channels[k].acceptance:
                self._note(i, "declined", cid)
            elif self.exam_u[i, k] >= self.channels[k].exam_pass_rate:
                self._note(i, "failed_exam", cid)

    def _queue_for_place(self, i: int, k: int, pending: Pending, places: Places) -> Generator[Step, Any, bool]:
        """Wait for one of channel k's `places` (the county's), at most `patience_months`; True if one was given."""
        env = self.model.env
        self.phase[i] = "place"
        start = env.now
        pending.places = places
        pending.request = request = places.request(i, self._key(i, k))
        pending.join(self.model, i, "place", CHANNEL_IDS[k], 1.0)
        got = True
        if not request.triggered:
            patience = self.cfg.patience_months
            if patience > 0:
                env.call_at(env.now + patience, NORMAL, expire, request)
            got = yield request
        pending.leave(self.model, i, "placed" if got else "gave_up")
        if not got:
            pending.request = None
            if self.model.log is not None:
                self._note(i, "gave_up", f"{CHANNEL_IDS[k]} after {env.now - start:g} months without a place")
            return False
        if self.model.log is not None:
            self._note(i, "place", f"{CHANNEL_IDS[k]} after {env.now - start:g} months")
        return True

    def _pay(self, i: int, k: int, pending: Pending, pool: Pool) -> Generator[Step, Any, bool]:
        """Wait for the one-time money from `pool` (the county's), in order of request.

        False (and the money, if any, back in the pool) when the person would no longer meet the
        channel's rules in the month they would leave, after the lead time.
        """
        env = self.model.env
        if not self.eligible_now(i, k, env.now + self.channels[k].lead_time_months):
            return False
        parts = self.one_time_cost(i, k)
        amount = sum(parts.values())
        if amount <= 0:
            return True
        self.phase[i] = "money"
        start = env.now
        pending.payment = payment = pool.request(amount)
        pending.join(self.model, i, "money", CHANNEL_IDS[k], amount)
        if not payment.triggered:
            yield payment
        pending.leave(self.model, i, "paid")
        pending.payment = None
        if not self.eligible_now(i, k, env.now + self.channels[k].lead_time_months):
            pool.refund(payment)
            return False
        if self.model.log is not None:
            self._note(i, "paid", f"{amount:.0f} yuan after {env.now - start:g} months")
        self.model.ledger.book_one_time(parts, pool.settle(payment))
        self.model.by_township.paid(i, k, amount)
        return True

    def _drop_place(self, i: int, k: int, pending: Pending) -> None:
        """Person i held a place in channel k but would be past its limits by the time they left."""
        request = pending.request
        if request is not None and request.triggered and request.value is True and pending.places is not None:
            pending.places.give_back(request)
        pending.request = None
        if self.model.log is not None:
            self._note(i, "ineligible", f"{CHANNEL_IDS[k]} by the month of leaving")

    def _key(self, i: int, k: int) -> tuple[float, int]:
        """Queue order: best merit first (择优) or first come; ties in order of arrival."""
        merit = self.merit  # nobody hired since the reform competed: merit 0
        return (-(merit[i] if i < len(merit) else 0.0) if self.by_merit[k] else 0.0, next(self._arrivals))

    def complete(self, i: int, k: int, tw: int | None = None) -> None:
        """Person i is diverted through channel k (into township tw's institution posts for institution_vacancy)."""
        model = self.model
        people = model.people
        self.phase.pop(i, None)
        self.diverted[k] += 1
        self.diverted_county[self.county(i)] += 1
        self.channel_of[i] = k
        self.diverted_at[i] = model.month
        self._forget_surplus(i)
        if k == INSTITUTION_VACANCY:
            old_tw, old_sector = people.township[i], people.sector[i]
            model.set_sector(i, INSTITUTION, old_tw if tw is None else tw)
            model.move(i, IN_POST, "diverted", CHANNEL_IDS[k])
            model.hiring.vacancy(old_tw, old_sector)
        else:
            model.move(i, DIVERTED, "diverted", CHANNEL_IDS[k])
        model.after_diversion(i, k)

    def _no_channel(self, i: int) -> None:
        if self.cfg.no_channel == "rotating" and self.model.people.state[i] == AWAITING:
            self.model.move(i, ROTATING, "no_channel", "rotating shifts")
        elif self.model.log is not None:
            self._note(i, "no_channel", "")

    def _forget_surplus(self, i: int) -> None:
        people = self.model.people
        self.surplus[people.township[i]][people.sector[i]].pop(i, None)

    # ----- hooks from the model ---------------------------------------------------------
    def stop(self, i: int, reason: str, force: bool = False) -> None:
        """Stop person i's queueing (they left, were reposted, or the deadline passed).

        People already serving their lead time go on leaving unless `force`.
        """
        proc = self.process.get(i)
        if proc is not None and proc.is_alive and (force or self.phase.get(i) != "lead"):
            pending = self.pending.get(i)
            if pending is not None:  # logged now, before what stopped them (the interrupt lands in this month)
                pending.leave(self.model, i, reason)
            proc.interrupt(reason)

    def left(self, i: int) -> None:
        """Person i left the payroll by attrition: stop their process and forget them."""
        self.stop(i, "left", force=True)
        self.fates[2 if self.model.people.state[i] == RETIRED else 3] += 1
        self.phase.pop(i, None)
        self._forget_surplus(i)

    def post_freed(self, tw: int, sector: int) -> bool:
        """A post in (township, sector) is free: give it to the best surplus person there, if any."""
        people = self.model.people
        if (
            not self.cfg.repost_on_vacancy
            or sector == TEMPORARY
            or people.in_post[tw][sector] >= self.model.est[tw][sector]
        ):
            return False
        for i in self.surplus[tw][sector]:
            if people.state[i] in SURPLUS_STATES and self.phase.get(i) != "lead" and i not in self.vacancies.placing:
                self.stop(i, "reposted")
                self.fates[1] += 1
                self._forget_surplus(i)
                self.model.move(i, IN_POST, "reposted", "took a freed post")
                return True
        return False

    def claim_institution_vacancy(self, tw: int) -> bool:
        """An institution post of township tw below establishment: offered to the surplus of the city
        (`sim.engine.vacancy`); False if nobody takes it (it goes to hiring).
        """
        return self.vacancies.offer(tw)

    def _withhold(self, _value: None) -> None:
        self.model.ledger.withholding = True

    def _deadline(self, c: int) -> None:
        county = self.counties[c]
        policy = county.after_deadline
        if policy == "keep_queueing":
            return
        self.stopped_county[c] = True
        county_of = self.model.county_of
        people = self.model.people
        for i in list(self.process):
            if county_of[people.township[i]] == c:
                self.stop(i, "deadline")
        if policy == "rotate":
            for bucket in (b for tw in self.surplus[county.first : county.last] for b in tw):
                for i in bucket:
                    if people.state[i] == AWAITING and self.phase.get(i) != "lead":
                        self.model.move(i, ROTATING, "deadline", "rotating shifts after the deadline")

    # ----- metrics ----------------------------------------------------------------------
    def queue_lengths(self) -> list[int]:
        """People waiting for a place, per channel."""
        out = [0] * len(self.channels)
        for county_places in self.county_places:
            for k, places in enumerate(county_places):
                if places is not None:
                    out[k] += places.waiting
        out[INSTITUTION_VACANCY] = self.vacancies.waiting()
        return out

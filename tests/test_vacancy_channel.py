"""The institution vacancy channel (补充到乡镇事业单位空缺岗位) in a city: places only from real vacancies.

An institution post that falls vacant below a township's new establishment becomes a place for
the best surplus person of any unit of the city who would take the channel; the post is held for them (no
hire fills it) until they arrive. Checked month by month on a small city: no township's stations
are ever filled (payroll plus posts held) beyond their establishment, every arrival has a place
released for it, people are placed when vacancies exist — and none when nobody ever leaves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.engine.diversion import INSTITUTION_VACANCY
from sim.engine.model import Model
from sim.population.table import INSTITUTION

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
CITY: dict[str, Any] = {
    "population.synthetic.townships": 12,
    "time.horizon_months": 96,
    "money.counterfactual": False,
    "pool.unlimited": True,
    "rebound.request_rate": 0.0,  # no hire over establishment and no return can fill a post held for the channel
    "rebound.return_success": 0.0,
}


def run_and_check(overrides: dict[str, Any], seed: int = 5) -> Model:
    """Run one replication month by month, checking that posts held open never exceed the vacancies."""
    scenario = sim.load_scenario(BASE, overrides={**CITY, **overrides})
    model = Model(scenario, sim.build_population(scenario, seed), seed, 0)
    people, diversion = model.people, model.diversion
    for month in range(model.horizon + 1):
        model.env.run(until=month + 1)
        model.snapshot(month)
        if not model.reformed:
            continue
        for tw, held in enumerate(diversion.vacancies.reserved):
            assert held >= 0
            if held:
                assert people.payroll_of(tw, INSTITUTION) + held <= model.est[tw][INSTITUTION], (month, tw)
        assert sum(diversion.vacancies.reserved) == len(diversion.vacancies.placing)
    return model


def test_the_channel_places_people_into_vacancies_and_never_beyond_them() -> None:
    model = run_and_check({})
    placed = model.diversion.diverted[INSTITUTION_VACANCY]
    assert placed > 5, "vacancies open in this city (retirements below establishment): people must be placed"
    offered = model.diversion.vacancies.offered
    assert placed <= offered  # every arrival took a vacancy offered to them
    # those placed are in post in an institution, on the payroll of the township of the vacancy
    column = model.columns.index("diverted_institution_vacancy")
    assert model.table[-1, column] == placed
    est = np.asarray(model.est)
    payroll = model.people.payroll_table()
    reserved = np.asarray(model.diversion.vacancies.reserved)
    assert ((payroll[:, INSTITUTION] + reserved <= est[:, INSTITUTION]) | (reserved == 0)).all()


def test_without_vacancies_the_channel_places_nobody() -> None:
    """Nobody retires, dies or quits: no institution post ever falls vacant below establishment."""
    quiet = {"attrition.retirement": False, "attrition.death_rate": 0.0, "attrition.quit_rate": 0.0}
    model = run_and_check(quiet)
    assert model.diversion.diverted[INSTITUTION_VACANCY] == 0
    assert model.diversion.vacancies.offered == 0
    queue = model.columns.index("queue_institution_vacancy")
    assert model.table[:, queue].max() > 0, "people would take the channel: only the vacancies are missing"


def test_the_twin_fills_the_same_vacancies_in_expectation() -> None:
    """The expected-value twin fills each month's institution vacancies from the city's willing surplus
    (min of the two, mean field): close to the engine's mean where vacancies bind, nobody without them.
    """
    from sim.expected import expected

    scenario = sim.load_scenario(BASE, overrides=CITY)
    population = sim.build_population(scenario, 5)
    engine = sim.run(scenario, replications=16, seed=5, population=population).metric("diverted_institution_vacancy")
    twin = expected(scenario, population).metric("diverted_institution_vacancy")[0]
    last = engine.loc[96]
    se = last.std(ddof=1) / np.sqrt(len(last))
    assert last.mean() > 5
    # mean field (the twin thins every willing person alike; the engine queues the best first): 25% and 3 SE
    assert abs(twin.loc[96] - last.mean()) <= 3 * se + 0.25 * last.mean(), (twin.loc[96], last.mean(), se)
    quiet = {**CITY, "attrition.retirement": False, "attrition.death_rate": 0.0, "attrition.quit_rate": 0.0}
    scenario = sim.load_scenario(BASE, overrides=quiet)
    assert (expected(scenario, population).metric("diverted_institution_vacancy")[0] == 0).all()


def test_offers_choose_whom_a_full_scan_of_the_candidates_would() -> None:
    """`Vacancies.offer` starts past the candidates who have gone and drops them once many: an optimisation
    that must choose exactly whom a scan of every candidate in order would. Run a city of 60 townships, with
    the channel for people of 45 or more (so that scans pass over many younger candidates, who will be
    eligible later, and some of them leave),
    once as the engine does (trimming after any gone candidate instead of 32, so that it happens often) and
    once with an offer that scans the whole, never-trimmed candidate list: the same monthly table, bit for bit.
    """
    from sim.engine import vacancy
    from sim.engine.model import simulate
    from sim.engine.process import Proc
    from sim.engine.states import AWAITING, ROTATING

    def full_scan(self: vacancy.Vacancies, tw: int) -> bool:
        div = self.diversion
        model = div.model
        c = model.county_of[tw]
        if not div.channels[INSTITUTION_VACANCY].open or div.stopped_county[c] or not self.by_county:
            return False
        people, env = model.people, model.env
        lead = div.channels[INSTITUTION_VACANCY].lead_time_months
        protected_until = model.scenario.reform.month + model.scenario.reform.protection_months
        for i in everyone[c]:
            if people.state[i] not in (AWAITING, ROTATING) or i in self.placing or div.phase.get(i) == "lead":
                continue
            if people.protected[i] and env.now < protected_until:
                continue
            if not (
                div.eligible_now(i, INSTITUTION_VACANCY) and div.eligible_now(i, INSTITUTION_VACANCY, env.now + lead)
            ):
                continue
            self.placing.add(i)
            self.reserved[tw] += 1
            self.offered += 1
            div.stop(i, "placed")
            Proc(env, self._place(i, tw, lead))
            return True
        return False

    older = {
        "population.synthetic.townships": 60,
        "channels.institution_vacancy.age_min": 45,
    }
    scenario = sim.load_scenario(BASE, overrides={**CITY, **older})
    population = sim.build_population(scenario, 5)
    compactions = 0
    start, offer = vacancy.Vacancies.start, vacancy.Vacancies.offer
    everyone: list[list[int]] = []

    def counting_offer(self: vacancy.Vacancies, tw: int) -> bool:
        nonlocal compactions
        c = self.diversion.model.county_of[tw]
        before = self.by_county[c] if self.by_county else None
        placed = offer(self, tw)
        compactions += self.by_county[c] is not before if self.by_county else 0
        return placed

    def keeping_start(self: vacancy.Vacancies, *args: Any) -> None:
        start(self, *args)
        everyone[:] = [list(c) for c in self.by_county]

    engine = monkey(vacancy.Vacancies, offer=counting_offer, start=keeping_start, COMPACT_AFTER=0)(
        lambda: simulate(scenario, population, 5, 0).monthly
    )
    reference = monkey(vacancy.Vacancies, offer=full_scan, start=keeping_start)(
        lambda: simulate(scenario, population, 5, 0).monthly
    )
    assert compactions > 0, "the case must exercise the trimming"
    placed = engine[:, list(simulate(scenario, population, 5, 0).columns).index("diverted_institution_vacancy")]
    assert placed[-1] > 20
    assert np.array_equal(engine, reference, equal_nan=True)


def test_a_person_placed_who_leaves_in_the_same_month_never_arrives() -> None:
    """A vacancy offered to someone early in a month's exits, whose own exit comes later in that month, before
    their placement begins: they stay gone (retired and left are final), the post they held is free again and
    is offered on, and nobody's post is held for them.
    """
    from sim.engine.calendar import EXIT, at_month
    from sim.engine.states import LEFT

    scenario = sim.load_scenario(BASE, overrides={**CITY, "population.synthetic.townships": 30})
    model = Model(scenario, sim.build_population(scenario, 5), 5, 0, record_events=True)
    vacancies, people = model.diversion.vacancies, model.people
    month = scenario.reform.month + 3
    seen: dict[str, Any] = {}

    def offer_then_quit(_value: None) -> None:  # as a month's exits run: one frees a post, a later one is the placed
        for tw in range(len(model.est)):
            model.est[tw][INSTITUTION] = people.payroll_of(tw, INSTITUTION) + 5  # room below establishment
            before = set(vacancies.placing)
            if vacancies.offer(tw):
                (chosen,) = vacancies.placing - before
                seen.update(person=chosen, offered=vacancies.offered)
                model.move(chosen, LEFT, "quit")
                return
        raise AssertionError("no candidate took the vacancy: the case needs one")

    at_month(model.env, month, offer_then_quit, EXIT)
    model.env.run(until=month + 1)
    chosen = seen["person"]
    assert people.state[chosen] == LEFT
    assert chosen not in vacancies.placing
    assert vacancies.offered > seen["offered"], "the post freed again goes to the next candidate"
    assert sum(vacancies.reserved) == len(vacancies.placing)
    model.env.run(until=model.horizon + 1)
    assert people.state[chosen] == LEFT
    log = model.log or []
    pid = people.id_of(chosen)
    assert [e[2] for e in log if e[1] == pid and e[0] > month and e[3] != e[4]] == [], "no move after leaving"
    assert all(e[3] not in ("retired", "left") for e in log if e[3] != e[4]), "retired and left are final"


def monkey(cls: type, **methods: Any) -> Any:
    """Run a function with `cls`'s methods replaced, restoring them after."""

    def wrap(func: Any) -> Any:
        saved = {name: getattr(cls, name) for name in methods}
        for name, method in methods.items():
            setattr(cls, name, method)
        try:
            return func()
        finally:
            for name, method in saved.items():
                setattr(cls, name, method)

    return wrap

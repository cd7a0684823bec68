"""Helpers for the channel and pool tests (issue 3): hand-built populations, one-channel
scenarios, runs that keep the Model (for hires' attributes), and event-log readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import EVENT_COLUMNS
from sim.engine.model import Model
from sim.population.table import EDUCATION, SECTORS, Population, Townships
from sim.scenario import with_overrides
from sim.scenario.schema import CHANNEL_IDS, ChannelSection, Scenario, parse_month

# Mechanisms outside issue 3 that would blur a hand count: no rebound, no over-establishment
# hiring, no counterfactual twin, no in-service diplomas.
QUIET: dict[str, Any] = {
    "rebound.request_rate": 0.0,
    "rebound.return_success": 0.0,
    "money.counterfactual": False,
    "training.diploma_rate": 0.0,
}
# Nobody leaves, nobody is hired.
NO_ATTRITION: dict[str, Any] = {
    "attrition.retirement": False,
    "attrition.death_rate": 0.0,
    "attrition.quit_rate": 0.0,
    "hiring.pre_reform_replacement": 0.0,
}
EXIT_CHANNELS = ("resignation", "termination", "enterprise")
_AFTER = re.compile(r"after (\d+) months")


def only(*open_ids: str) -> dict[str, Any]:
    """Overrides that open the named channels, close the others, and try them in the given order."""
    return {
        **{f"channels.{c}.open": c in open_ids for c in CHANNEL_IDS},
        "diversion.order": list(open_ids),
        "diversion.preference_noise": 0.0,
    }


def scenario(overrides: dict[str, Any]) -> Scenario:
    """Schema defaults, QUIET, then `overrides`."""
    return with_overrides(Scenario(), {**QUIET, **overrides})


@dataclass(frozen=True)
class Person:
    """One row of a hand-built population (dates as 'YYYY-MM')."""

    pid: str
    birth: str
    entry: str
    appraisal: float = 75.0
    township: int = 0
    sector: int = 0  # ADMIN
    female: bool = False
    worker: bool = False
    protected: bool = False
    education: int = EDUCATION.index("secondary")
    salary: float = 1000.0


def population(people: list[Person], establishment: list[tuple[int, int]]) -> Population:
    """A population of `people` in len(establishment) townships with (admin, institution) old establishment."""
    n = len(people)
    n_tw = len(establishment)
    townships = Townships(
        tuple(f"T{k}" for k in range(n_tw)),
        np.zeros(n_tw, dtype=np.int64),
        np.array([e[0] for e in establishment], dtype=np.int64),
        np.array([e[1] for e in establishment], dtype=np.int64),
    )
    return Population(
        ids=np.array([p.pid for p in people], dtype=object),
        township=np.array([p.township for p in people], dtype=np.int64),
        sector=np.array([p.sector for p in people], dtype=np.int64),
        female=np.array([p.female for p in people], dtype=bool),
        worker=np.array([p.worker for p in people], dtype=bool),
        leader=np.zeros(n, dtype=bool),
        protected=np.array([p.protected for p in people], dtype=bool),
        birth=np.array([parse_month(p.birth) for p in people], dtype=np.int64),
        entry=np.array([parse_month(p.entry) for p in people], dtype=np.int64),
        education=np.array([p.education for p in people], dtype=np.int64),
        salary=np.array([p.salary for p in people], dtype=float),
        appraisal=np.array([p.appraisal for p in people], dtype=float),
        townships=townships,
    )


@dataclass
class Run:
    """One replication with its Model (attributes of everyone, hires included)."""

    model: Model
    monthly: pd.DataFrame
    events: pd.DataFrame
    sector_at_reform: list[int]

    def index(self, pid: str) -> int:
        return self.model.people.ids.index(pid)


def run_model(scn: Scenario, pop: Population, seed: int, replication: int = 0) -> Run:
    """Run one replication through Model and keep each person's sector before any channel moved them."""
    model = Model(scn, pop, seed, replication, record_events=True)
    first_sector: dict[int, int] = {}
    original = model.set_sector

    def remember(i: int, sector: int, township: int | None = None) -> None:
        first_sector.setdefault(i, model.people.sector[i])
        original(i, sector, township)

    model.set_sector = remember  # type: ignore[method-assign]
    result = model.run()
    monthly = pd.DataFrame(result.monthly, columns=list(result.columns))
    monthly.insert(0, "month", range(len(monthly)))
    events = pd.DataFrame(result.events, columns=list(EVENT_COLUMNS))
    sectors = [first_sector.get(i, s) for i, s in enumerate(model.people.sector)]
    return Run(model, monthly, events, sectors)


def months_after(detail: str) -> int:
    """The X of a detail '... after X months'."""
    m = _AFTER.search(detail)
    assert m, detail
    return int(m.group(1))


def first_release(scn: Scenario, ch: ChannelSection) -> int:
    """Model month of the channel's first release: the first release_month at or after the reform."""
    reform_abs = scn.time.start_abs + scn.reform.month
    return scn.reform.month + (ch.release_month - 1 - reform_abs % 12) % 12


@dataclass(frozen=True)
class Route:
    """How one person reached a channel, read back from the event log."""

    person: str
    channel: str
    tried: int  # month of joining the channel's place queue (or its money queue)
    granted: int  # month the place was given (equal to `tried` without a place queue)
    lead_start: int  # month place and money were both held
    diverted: int


def diversion_paths(events: pd.DataFrame, scn: Scenario) -> list[Route]:
    """For every `diverted` event: when the person asked, got the place, got the money, left.

    diverted - lead time = the month money and place were held; a `paid` event then says how
    long the money took, and a `place` event how long the place took.
    """
    paid = {(r.person, r.month): months_after(r.detail) for r in events[events["event"] == "paid"].itertuples()}
    place = {
        (r.person, r.detail.split(" ")[0], r.month): months_after(r.detail)
        for r in events[events["event"] == "place"].itertuples()
    }
    out = []
    for r in events[events["event"] == "diverted"].itertuples():
        ch = scn.channels.get(r.detail)
        lead_start = int(r.month) - ch.lead_time_months
        granted = lead_start - paid.get((r.person, lead_start), 0)
        limited = r.detail == "institution_vacancy" or ch.places_per_year is not None
        if limited:
            assert (r.person, r.detail, granted) in place, f"{r.person}: no place event for {r.detail} at {granted}"
        tried = granted - place.get((r.person, r.detail, granted), 0)
        out.append(Route(r.person, r.detail, tried, granted, lead_start, int(r.month)))
    return out


def static_problems(run: Run, i: int, ch: ChannelSection) -> list[str]:
    """Rules of `ch` that do not change with time, broken by person i."""
    people = run.model.people
    out = []
    if not ch.open:
        out.append("channel closed")
    if people.education[i] < EDUCATION.index(ch.min_education):
        out.append(f"education {EDUCATION[people.education[i]]} below {ch.min_education}")
    if ch.sex != "any" and people.female[i] != (ch.sex == "female"):
        out.append(f"sex rule {ch.sex}")
    if ch.status != "any" and people.worker[i] != (ch.status == "worker"):
        out.append(f"status rule {ch.status}")
    if SECTORS[run.sector_at_reform[i]] not in ch.sectors:
        out.append(f"sector {SECTORS[run.sector_at_reform[i]]} not in {ch.sectors}")
    return out


def timed_problems(run: Run, i: int, ch: ChannelSection, month: int) -> list[str]:
    """Rules of `ch` that change with time (age band, years to retirement, service), broken at `month`."""
    model = run.model
    now = model.start_abs + month
    age = (now - model.people.birth[i]) / 12.0
    out = []
    if not ch.age_min <= age <= ch.age_max:
        out.append(f"age {age:.2f} outside [{ch.age_min:g}, {ch.age_max:g}] at month {month}")
    if ch.max_years_to_retirement is not None:
        left = (model.retire_abs[i] - now) / 12.0
        if left > ch.max_years_to_retirement:
            out.append(f"{left:.2f} years to retirement > {ch.max_years_to_retirement:g} at month {month}")
    service = (now - model.people.entry[i]) / 12.0
    if service < ch.min_service_years:
        out.append(f"service {service:.2f} < {ch.min_service_years:g} at month {month}")
    return out

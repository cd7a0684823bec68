"""Rebound (反弹): diverted people petitioning to return, and hiring over establishment.

Return flow (回流): after a diversion through channel k, petitions come with the channel's
monthly hazard; each succeeds with probability return_success × (1 − enforcement), never
within the anti-rebound window; a returnee re-enters the payroll in post, even over
establishment. Over-establishment hiring (超编进人): each township raises requests as a
Poisson process whose rate grows with workload per person and once a freeze ends; a
request while at or above establishment is approved with probability 1 − enforcement;
inspections every k months find and undo a share of the illegal hires still in post.
Re-growth (`regrowth`) is the stock of those two kinds of entrant still on the payroll.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.calendar import HIRE, POLICY, at_month
from sim.engine.rebound_rules import DERIVED_COLUMNS, inspection_detection, request_rate, return_chance
from sim.engine.rng import stream
from sim.engine.states import DIVERTED, IN_POST, LEFT
from sim.population.table import ADMIN, INSTITUTION

if TYPE_CHECKING:
    from sim.engine.model import Model

PETITION_DRAWS = 4  # per person: gap and success draws for up to four petitions


class Rebound:
    """Petitions, over-establishment requests, inspections, and their counters."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.cfg = model.scenario.rebound
        self.petitions = 0
        self.returned = 0
        self.overquota_hires = 0
        self.overquota_reversed = 0
        self.illegal: list[int] = []
        self.entrants: set[int] = set()  # over-establishment hires and returnees on the payroll: re-growth
        self.entrants_county = [0] * len(model.counties)  # re-growth by county (a person never changes county)
        self.draws = np.empty((0, 2 * PETITION_DRAWS))  # drawn at the reform (start)
        self.rng = stream(model.seed, model.replication, "overquota")

    # ----- start at the reform ------------------------------------------------------------
    def start(self) -> None:
        """Draw petition numbers for everyone present and start requests and inspections."""
        model = self.model
        self.draws = stream(model.seed, model.replication, "returns").random((len(model.people), 2 * PETITION_DRAWS))
        counts = model.people.payroll_table()
        self.staff_at_reform = (counts[:, ADMIN] + counts[:, INSTITUTION]).tolist()
        if self.cfg.request_rate > 0 and self.cfg.enforcement < 1:
            for tw in range(len(model.townships)):
                self._next_request(tw)
        interval = self.cfg.inspection_interval_months
        if interval > 0:
            for month in range(model.month + interval, model.horizon + 1, interval):
                at_month(model.env, month, self._inspect, POLICY)

    # ----- return flow -------------------------------------------------------------------
    def diverted(self, i: int, k: int) -> None:
        """Person i was diverted through channel k: schedule their first petition."""
        self._schedule_petition(i, k, 0)

    def _schedule_petition(self, i: int, k: int, n: int) -> None:
        hazard = self.model.diversion.channels[k].return_hazard
        if hazard <= 0 or n >= min(self.cfg.max_petitions, PETITION_DRAWS) or self.draws is None:
            return
        if i >= len(self.draws):
            return
        rate = -math.log(1.0 - hazard) if hazard < 1 else math.inf
        gap = max(math.ceil(-math.log(1.0 - self.draws[i, n]) / rate - 1e-9), 1) if rate < math.inf else 1
        month = self.model.month + gap
        if month <= self.model.horizon:
            at_month(self.model.env, month, self._petition, POLICY, (i, k, n))

    def _petition(self, value: tuple[int, int, int]) -> None:
        i, k, n = value
        model = self.model
        if model.people.state[i] != DIVERTED:
            return
        self.petitions += 1
        since = model.month - model.diversion.diverted_at.get(i, model.month)
        chance = return_chance(self.cfg)
        if since >= self.cfg.anti_rebound_months and self.draws[i, PETITION_DRAWS + n] < chance:
            self.returned += 1
            self.entered(i)
            model.returned(i)
            model.move(i, IN_POST, "returned", f"petition {n + 1} after {since} months")
        else:
            if model.log is not None:
                model.record(i, "petition_refused", DIVERTED, DIVERTED, f"petition {n + 1}")
            self._schedule_petition(i, k, n + 1)

    # ----- over-establishment hiring ------------------------------------------------------
    def _rate(self, tw: int) -> float:
        """Requests per month in township tw now."""
        model = self.model
        people = model.people
        now_staff = max(people.payroll_of(tw, ADMIN) + people.payroll_of(tw, INSTITUTION), 1)
        return request_rate(model.scenario, model.month, self.staff_at_reform[tw] / now_staff)

    def _next_request(self, tw: int) -> None:
        rate = self._rate(tw)
        if rate <= 0:
            return
        month = self.model.month + max(math.ceil(self.rng.exponential(1.0 / rate) - 1e-9), 1)
        if month <= self.model.horizon:
            at_month(self.model.env, month, self._request, HIRE, tw)

    def _request(self, tw: int) -> None:
        model = self.model
        u_sector, u_approve = self.rng.random(2)
        sector = ADMIN if u_sector < 0.5 else INSTITUTION
        if model.hiring.room(tw, sector) <= 0 and u_approve >= self.cfg.enforcement:
            i = model.hiring.hire(tw, sector, "over establishment")
            self.overquota_hires += 1
            self.illegal.append(i)
            self.entered(i)
        self._next_request(tw)

    def entered(self, i: int) -> None:
        """Person i joins the re-growth (an over-establishment hire or a returnee)."""
        if i not in self.entrants:
            self.entrants.add(i)
            model = self.model
            self.entrants_county[model.county_of[model.people.township[i]]] += 1

    def left(self, i: int) -> None:
        """Person i left the payroll: re-growth no longer."""
        if i in self.entrants:
            self.entrants.discard(i)
            model = self.model
            self.entrants_county[model.county_of[model.people.township[i]]] -= 1

    def _inspect(self, _value: None) -> None:
        model = self.model
        detection = inspection_detection(self.cfg)
        standing = []
        for i in self.illegal:
            if model.people.state[i] != IN_POST:
                continue
            if self.rng.random() < detection:
                self.overquota_reversed += 1
                model.move(i, LEFT, "dismissed", "over-establishment hire found by inspection")
            else:
                standing.append(i)
        self.illegal = standing

    def row(self) -> list[float]:
        """The rebound columns for this month (the derived ones are filled after the run)."""
        return [
            self.petitions,
            self.returned,
            self.overquota_hires,
            self.overquota_reversed,
            len(self.entrants),
            *_DERIVED_ZEROS,
        ]


REBOUND_COLUMNS = (
    "petitions_cumulative",
    "returned_cumulative",
    "overquota_hires_cumulative",
    "overquota_reversed_cumulative",
    "regrowth",  # over-establishment hires and returnees still on the payroll
    *DERIVED_COLUMNS,  # unfinished, cut_achieved, regrowth_share: `rebound_rules.fill_derived`
)
_DERIVED_ZEROS = (0.0,) * len(DERIVED_COLUMNS)

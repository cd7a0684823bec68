"""Hiring: leavers replaced before the reform; after it, "only exit, no entry" (只出不进).

After the reform no one is hired while a township's sector headcount is at or above its
establishment, nor during `hiring.freeze_months`; a vacancy below establishment earns
`replacement_ratio` hires, made `refill_lag_months` later if there is still room.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.engine.calendar import HIRE
from sim.engine.people import N_SECTORS
from sim.engine.recruits import Recruits
from sim.engine.states import IN_POST
from sim.population.table import INSTITUTION, SECTORS, TEMPORARY, Population

if TYPE_CHECKING:
    from sim.engine.model import Model


class Hiring:
    """Vacancy credits and scheduled hires per township and sector."""

    def __init__(self, model: Model, population: Population) -> None:
        self.model = model
        self.cfg = model.scenario.hiring
        n_tw = len(population.townships)
        self.credit = [[0.0] * len(SECTORS) for _ in range(n_tw)]
        self.hires = 0
        self.epoch = 0
        self.freeze_end = model.scenario.reform.month + self.cfg.freeze_months
        self.recruits = Recruits(model.scenario, population, model.seed, model.replication)

    def room(self, tw: int, sector: int) -> int:
        """Posts free below establishment (after the reform; temporaries have none), less institution posts
        held open for the `institution_vacancy` channel.
        """
        if sector == TEMPORARY:
            return 0
        free = self.model.est[tw][sector] - self.model.people.payroll[N_SECTORS * tw + sector]  # `payroll_of`
        return free - self.model.diversion.vacancies.reserved[tw] if sector == INSTITUTION else free

    def vacancy(self, tw: int, sector: int) -> None:
        """A person left the payroll of (township, sector): schedule the hire credit it earns."""
        model = self.model
        if not model.reformed:
            ratio = self.cfg.pre_reform_replacement
        elif self.room(tw, sector) > 0:
            if sector == INSTITUTION and model.diversion.claim_institution_vacancy(tw):
                return
            ratio = self.cfg.replacement_ratio
        else:
            return
        if ratio > 0:
            self._schedule(tw, sector, model.month + self.cfg.refill_lag_months, ratio)

    def after_reform(self) -> None:
        """At the reform: unused credit lapses; posts already free below establishment earn credit."""
        self.epoch += 1
        for tw, row in enumerate(self.credit):
            for sector in range(len(SECTORS)):
                row[sector] = 0.0
                gap = self.room(tw, sector)
                if gap > 0 and self.cfg.replacement_ratio > 0:
                    self._schedule(
                        tw, sector, self.model.month + self.cfg.refill_lag_months, gap * self.cfg.replacement_ratio
                    )

    def _schedule(self, tw: int, sector: int, month: int, credit: float) -> None:
        """Credit ripens at `month` (not before the freeze ends), when a hire is attempted."""
        if self.model.reformed:
            month = max(month, self.freeze_end)
        if month <= self.model.horizon:
            env = self.model.env
            delay = month - env.now  # `at_month`, inlined: this runs for every leaver
            env.call_at(env.now + (delay if delay > 0 else 0), HIRE, self._hire_check, (tw, sector, credit, self.epoch))

    def _hire_check(self, value: tuple[int, int, float, int]) -> None:
        tw, sector, credit, epoch = value
        model = self.model
        if epoch != self.epoch:
            return  # credit earned before the reform lapses with it
        if model.reformed and model.month < self.freeze_end:
            self._schedule(tw, sector, self.freeze_end, credit)
            return
        self.credit[tw][sector] += credit
        n = math.floor(self.credit[tw][sector] + 1e-9)
        if model.reformed:
            n = min(n, self.room(tw, sector))
        n = max(n, 0)
        for _ in range(n):
            # an institution post falling due for refilling goes to a surplus person queueing for it first
            if not (model.reformed and sector == INSTITUTION and model.diversion.claim_institution_vacancy(tw)):
                self.hire(tw, sector, "refill")
        self.credit[tw][sector] -= n

    def hire(
        self,
        tw: int,
        sector: int,
        cause: str,
        age_mean: float | None = None,
        secondary_plus: float | None = None,
        college_plus: float | None = None,
    ) -> int:
        """Hire one new person into (township, sector) and schedule their exit.

        Age and education follow the hiring section unless given (recruits at the reform).
        """
        model, cfg = self.model, self.cfg
        if age_mean is None:
            age_mean = cfg.hire_age_mean
        if secondary_plus is None:
            secondary_plus = cfg.hire_share_secondary_plus
        if college_plus is None:
            college_plus = cfg.hire_share_college_plus
        now = int(model.env.now)
        now_abs = model.start_abs + now
        new = self.recruits.draw(sector, now_abs, age_mean, secondary_plus, college_plus)
        self.hires += 1
        i = model.people.add(
            tw,
            sector,
            new.female,
            new.worker,
            new.birth,
            now_abs,
            new.education,
            self.recruits.salary[sector],
            new.appraisal,
        )
        model.ledger.hired(i)
        if model.log is not None:
            model.record(i, "hired", -1, IN_POST, cause)
        model.retire_abs.append(new.retire_abs)
        model.exit_cause.append(new.cause)
        if now + new.after <= model.horizon:
            month = int(now + new.after)
            bucket = model.exits.get(month)
            if bucket is None:
                model.schedule_exit(i, month)
            else:  # `schedule_exit`, inlined: after the exits already there
                bucket.append(i)
                model.scheduled_exits += 1
        return i

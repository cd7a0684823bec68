"""Hiring: leavers replaced before the reform; after it, "only exit, no entry" (只出不进).

After the reform no one is hired while a township's sector headcount is at or above its
establishment, nor during `hiring.freeze_months`; a vacancy below establishment earns
`replacement_ratio` hires, made `refill_lag_months` later if there is still room.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.engine.attrition import event_month_one, retirement_abs_one, retirement_rule, scalar_intervals
from sim.engine.calendar import HIRE
from sim.engine.rng import stream
from sim.engine.states import IN_POST
from sim.population.synthetic import education_level
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
        self.rng = stream(model.seed, model.replication, "hiring")
        self._block: list[list[float]] = []
        self._row = 0
        self.freeze_end = model.scenario.reform.month + self.cfg.freeze_months
        salary = [population.salary[population.sector == s] for s in range(len(SECTORS))]
        syn = model.scenario.population.synthetic
        fallback = (syn.salary_admin, syn.salary_institution, syn.salary_temporary)
        self.salary = [float(s.mean()) if len(s) else fallback[k] for k, s in enumerate(salary)]
        self.appraisal = (
            (float(population.appraisal.mean()), float(population.appraisal.std()) or 1.0)
            if len(population)
            else (syn.appraisal_mean, syn.appraisal_sd)
        )
        att = self.attrition = model.scenario.attrition
        self.share_worker = syn.share_worker
        self.death_table = {sex: scalar_intervals(att, "death", sex) for sex in (False, True)}
        self.quit_table = {sex: scalar_intervals(att, "quit", sex) for sex in (False, True)}
        self.retirement = {(f, w): retirement_rule(att, f, w) for f in (False, True) for w in (False, True)}

    def _draws(self) -> list[float]:
        """The next hire's block of nine uniforms (drawn 512 hires at a time)."""
        if self._row >= len(self._block):
            self._block = self.rng.random((512, 9)).tolist()
            self._row = 0
        self._row += 1
        return self._block[self._row - 1]

    def room(self, tw: int, sector: int) -> int:
        """Posts free below establishment (after the reform; temporaries have none), less institution posts
        held open for the `institution_vacancy` channel.
        """
        if sector == TEMPORARY:
            return 0
        free = self.model.est[tw][sector] - self.model.people.payroll[tw][sector]
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
        if self._row < len(self._block):  # `_draws`, inlined
            u = self._block[self._row]
            self._row += 1
        else:
            u = self._draws()
        # two standard normals by Box-Muller, so each hire uses a fixed block of draws
        z_age = math.sqrt(-2.0 * math.log(1.0 - u[0])) * math.cos(2.0 * math.pi * u[1])
        age = min(max(age_mean + cfg.hire_age_sd * z_age, 18.0), 55.0)
        birth = now_abs - round(age * 12)
        female = u[2] < cfg.hire_share_female
        worker = sector == INSTITUTION and u[3] < self.share_worker
        education = education_level(u[4], u[5], secondary_plus, college_plus)
        z_appraisal = math.sqrt(-2.0 * math.log(1.0 - u[6])) * math.cos(2.0 * math.pi * u[5])
        appraisal = self.appraisal[0] + self.appraisal[1] * z_appraisal
        self.hires += 1
        i = model.people.add(
            f"H{model.replication}-{self.hires:06d}",
            tw,
            sector,
            female,
            worker,
            birth,
            now_abs,
            education,
            self.salary[sector],
            round(appraisal, 1),
        )
        model.ledger.hired(i)
        if model.log is not None:
            model.record(i, "hired", -1, IN_POST, cause)
        death = event_month_one(self.death_table[female], age, -math.log(1.0 - u[7]))
        quit_ = event_month_one(self.quit_table[female], age, -math.log(1.0 - u[8]))
        retire_abs = retirement_abs_one(self.retirement[female, worker], birth)
        model.retire_abs.append(retire_abs)
        retire = max(retire_abs - now_abs, 1) if self.attrition.retirement else math.inf
        # the first of the three, ties to the earlier cause (retirement, death, quit)
        if retire <= death and retire <= quit_:
            cause_k, when = 0, retire
        elif death <= quit_:
            cause_k, when = 1, death
        else:
            cause_k, when = 2, quit_
        model.exit_cause.append(cause_k)
        if now + when <= model.horizon:
            month = int(now + when)
            bucket = model.exits.get(month)
            if bucket is None:
                model.schedule_exit(i, month)
            else:  # `schedule_exit`, inlined: after the exits already there
                bucket.append(i)
                model.scheduled_exits += 1
        return i

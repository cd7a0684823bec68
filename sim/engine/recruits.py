"""New recruits: who is hired (age, sex, status, education, appraisal) and when they will leave.

One rule for every hire of a replication (refills, recruits at the reform, hiring over establishment)
and for the no-reform counterfactual (`sim.engine.no_reform`): each recruit takes the next row of
nine uniforms of the replication's "hiring" stream, drawn 512 rows at a time.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sim.engine.attrition import event_month_one, retirement_abs_one, retirement_rule, scalar_intervals
from sim.engine.rng import stream
from sim.population.synthetic import education_level
from sim.population.table import INSTITUTION, SECTORS, Population
from sim.scenario.schema import Scenario


class Recruit(NamedTuple):
    """One new person's attributes and first exit: `cause` 0 retirement, 1 death, 2 quit, `after` months
    from hiring (inf: never).
    """

    birth: int
    female: bool
    worker: bool
    education: int
    appraisal: float
    retire_abs: int
    cause: int
    after: float


class Recruits:
    """The draws and tables that make recruits of one replication."""

    def __init__(self, scenario: Scenario, population: Population, seed: int, replication: int) -> None:
        self.cfg = scenario.hiring
        self.rng = stream(seed, replication, "hiring")
        self._block: list[list[float]] = []
        self._row = 0
        salary = [population.salary[population.sector == s] for s in range(len(SECTORS))]
        syn = scenario.population.synthetic
        fallback = (syn.salary_admin, syn.salary_institution, syn.salary_temporary)
        self.salary = [float(s.mean()) if len(s) else fallback[k] for k, s in enumerate(salary)]
        self.appraisal = (
            (float(population.appraisal.mean()), float(population.appraisal.std()) or 1.0)
            if len(population)
            else (syn.appraisal_mean, syn.appraisal_sd)
        )
        att = self.attrition = scenario.attrition
        self.share_worker = syn.share_worker
        self.death_table = {sex: scalar_intervals(att, "death", sex) for sex in (False, True)}
        self.quit_table = {sex: scalar_intervals(att, "quit", sex) for sex in (False, True)}
        self.retirement = {(f, w): retirement_rule(att, f, w) for f in (False, True) for w in (False, True)}

    def _draws(self) -> list[float]:
        """The next recruit's row of nine uniforms."""
        if self._row < len(self._block):
            self._row += 1
            return self._block[self._row - 1]
        self._block = self.rng.random((512, 9)).tolist()
        self._row = 1
        return self._block[0]

    def draw(self, sector: int, now_abs: int, age_mean: float, secondary_plus: float, college_plus: float) -> Recruit:
        """The next recruit into `sector` in absolute month `now_abs`."""
        u = self._draws()
        birth, female, worker, retire_abs, cause, after = self._life(u, sector, now_abs, age_mean)
        education = education_level(u[4], u[5], secondary_plus, college_plus)
        z_appraisal = math.sqrt(-2.0 * math.log(1.0 - u[6])) * math.cos(2.0 * math.pi * u[5])
        appraisal = self.appraisal[0] + self.appraisal[1] * z_appraisal
        return Recruit(birth, female, worker, education, round(appraisal, 1), retire_abs, cause, after)

    def first_exit(self, sector: int, now_abs: int, age_mean: float) -> tuple[int, float]:
        """The next recruit's first exit only, (cause, months from hiring): what `draw` would give, from the
        same row, without the attributes the no-reform counterfactual does not read.
        """
        return self._life(self._draws(), sector, now_abs, age_mean)[4:]

    def _life(
        self, u: list[float], sector: int, now_abs: int, age_mean: float
    ) -> tuple[int, bool, bool, int, int, float]:
        """Birth, sex, status, statutory retirement and first exit (cause, months) of the recruit of row `u`."""
        cfg = self.cfg
        # a standard normal by Box-Muller, so each hire uses a fixed block of draws
        z_age = math.sqrt(-2.0 * math.log(1.0 - u[0])) * math.cos(2.0 * math.pi * u[1])
        age = age_mean + cfg.hire_age_sd * z_age
        age = 18.0 if age < 18.0 else 55.0 if age > 55.0 else age  # within 18 to 55 (`min(max(…))`, without calls)
        birth = now_abs - round(age * 12)
        female = u[2] < cfg.hire_share_female
        worker = sector == INSTITUTION and u[3] < self.share_worker
        death = event_month_one(self.death_table[female], age, -math.log(1.0 - u[7]))
        quit_ = event_month_one(self.quit_table[female], age, -math.log(1.0 - u[8]))
        retire_abs = retirement_abs_one(self.retirement[female, worker], birth)
        retire = retire_abs - now_abs if self.attrition.retirement else math.inf
        if retire < 1:
            retire = 1
        # the first of the three, ties to the earlier cause (retirement, death, quit)
        if retire <= death and retire <= quit_:
            return birth, female, worker, retire_abs, 0, retire
        if death <= quit_:
            return birth, female, worker, retire_abs, 1, death
        return birth, female, worker, retire_abs, 2, quit_

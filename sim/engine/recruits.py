"""New recruits: who is hired (age, sex, status, education, appraisal) and when they will leave.

One rule for every hire of a replication (refills, recruits at the reform, hiring over establishment)
and for the no-reform counterfactual (`sim.engine.no_reform`): each recruit takes the next row of
nine uniforms of the replication's "hiring" stream, drawn `BLOCK` rows at a time.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from sim.engine.attrition import event_month, retirement_abs_month, retirement_abs_one, retirement_rule
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


BLOCK = 2048  # rows drawn at a time (the stream's numbers are the same whatever the block: row after row)


def box_muller(u_radius: np.ndarray, u_angle: np.ndarray) -> np.ndarray:
    """Standard normals `sqrt(-2 log(1 - u)) cos(2π v)`, each equal to the bit to the formula on one pair: the
    logarithms and cosines are `math`'s (numpy's own may differ in the last bit), the rest is exact arithmetic.
    """
    log = np.fromiter(map(math.log, (1.0 - u_radius).tolist()), float, len(u_radius))
    cos = np.fromiter(map(math.cos, (2.0 * math.pi * u_angle).tolist()), float, len(u_angle))
    return np.sqrt(-2.0 * log) * cos


class Lives(NamedTuple):
    """Per row of a block, for one mean age: age in months at hiring and months to death and to quitting
    (inf: never) — arrays for a batch of recruits, or lists (ints where finite) for one at a time.
    """

    age_months: Any
    death: Any
    quit: Any


class Rows(NamedTuple):
    """Per row of a block, as lists for one recruit at a time: sex, worker if hired into an institution,
    the appraisal's standard normal and the education draws.
    """

    female: list[bool]
    worker: list[bool]
    appraisal_z: list[float]
    education_u: list[tuple[float, float]]


class Recruits:
    """The draws and tables that make recruits of one replication.

    Each block of `BLOCK` rows is turned into ages and months to death and to quitting at once (per mean age
    asked for) by the engine's vectorised rule (`event_month`), equal to the bit to that rule one row at a
    time; a batch of recruits (`first_exits`) then adds what depends on the month and sector of hiring at
    once, and one recruit (`draw`) reads its row of the same figures.
    """

    def __init__(self, scenario: Scenario, population: Population, seed: int, replication: int) -> None:
        self.cfg = scenario.hiring
        self.rng = stream(seed, replication, "hiring")
        self._row = BLOCK  # the next row of the current block (none drawn yet)
        self._u = np.empty((0, 9))
        self._female = self._worker = np.empty(0, dtype=bool)  # worker: if hired into an institution
        self._z_age = np.empty(0)
        self._lives: dict[float, Lives] = {}  # mean age → the block's lives, as arrays
        self._lives_lists: dict[float, Lives] = {}  # … and as lists
        self._rows: Rows | None = None
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
        self.retirement = {(f, w): retirement_rule(att, f, w) for f in (False, True) for w in (False, True)}

    def _next_rows(self, wanted: int) -> slice:
        """The next rows of the current block for `wanted` recruits: all of them, or those left in it."""
        if self._row == BLOCK:
            u = self._u = self.rng.random((BLOCK, 9))
            self._female = u[:, 2] < self.cfg.hire_share_female
            self._worker = u[:, 3] < self.share_worker
            self._z_age = box_muller(u[:, 0], u[:, 1])
            self._lives, self._lives_lists, self._rows = {}, {}, None
            self._row = 0
        start = self._row
        self._row = min(start + wanted, BLOCK)
        return slice(start, self._row)

    def _lives_at(self, age_mean: float) -> Lives:
        """The block's lives with mean age `age_mean`: age clamped to 18–55, and for death and quitting the
        first month whose cumulative hazard reaches the row's exponential draw.
        """
        lives = self._lives.get(age_mean)
        if lives is None:
            u, att = self._u, self.attrition
            age = np.clip(age_mean + self.cfg.hire_age_sd * self._z_age, 18.0, 55.0)
            death_draw = -np.fromiter(map(math.log, (1.0 - u[:, 7]).tolist()), float, BLOCK)
            quit_draw = -np.fromiter(map(math.log, (1.0 - u[:, 8]).tolist()), float, BLOCK)
            lives = self._lives[age_mean] = Lives(
                np.rint(age * 12).astype(np.int64),  # to the even, as `round`
                event_month(att, "death", age, death_draw, self._female),
                event_month(att, "quit", age, quit_draw, self._female),
            )
        return lives

    def draw(self, sector: int, now_abs: int, age_mean: float, secondary_plus: float, college_plus: float) -> Recruit:
        """The next recruit into `sector` in absolute month `now_abs`."""
        row = self._row
        if row < BLOCK:  # `_next_rows(1)`, inlined: one row on in the current block
            self._row = row + 1
        else:
            row = self._next_rows(1).start
        rows = self._rows
        if rows is None:
            u = self._u
            normal = box_muller(u[:, 6], u[:, 5]).tolist()
            pairs = list(zip(u[:, 4].tolist(), u[:, 5].tolist(), strict=True))
            rows = self._rows = Rows(self._female.tolist(), self._worker.tolist(), normal, pairs)
        lives = self._lives_lists.get(age_mean)
        if lives is None:
            arrays = self._lives_at(age_mean)
            lives = self._lives_lists[age_mean] = Lives(
                arrays.age_months.tolist(), _months(arrays.death), _months(arrays.quit)
            )
        birth = now_abs - lives.age_months[row]
        female = rows.female[row]
        worker = sector == INSTITUTION and rows.worker[row]
        death, quit_ = lives.death[row], lives.quit[row]
        retire_abs = retirement_abs_one(self.retirement[female, worker], birth)
        retire = retire_abs - now_abs if self.attrition.retirement else math.inf
        if retire < 1:
            retire = 1
        # the first of the three, ties to the earlier cause (retirement, death, quit)
        if retire <= death and retire <= quit_:
            cause, after = 0, retire
        elif death <= quit_:
            cause, after = 1, death
        else:
            cause, after = 2, quit_
        u_level, u_split = rows.education_u[row]
        education = education_level(u_level, u_split, secondary_plus, college_plus)
        appraisal = self.appraisal[0] + self.appraisal[1] * rows.appraisal_z[row]
        return Recruit(birth, female, worker, education, round(appraisal, 1), retire_abs, cause, after)

    def first_exits(self, sectors: np.ndarray, now_abs: int, age_mean: float) -> tuple[np.ndarray, np.ndarray]:
        """The first exits of the next recruits, one into each of `sectors` in month `now_abs`: cause (0
        retirement, 1 death, 2 quit) and months from hiring (inf: never), what `draw` would give each, row by
        row, without the attributes the no-reform counterfactual does not read.
        """
        cause, after = np.empty(len(sectors), dtype=np.int64), np.empty(len(sectors))
        done = 0
        while done < len(sectors):
            rows = self._next_rows(len(sectors) - done)
            batch = slice(done, done + rows.stop - rows.start)
            cause[batch], after[batch] = self._exits(rows, sectors[batch], now_abs, age_mean)
            done = batch.stop
        return cause, after

    def _exits(self, rows: slice, sectors: np.ndarray, now_abs: int, age_mean: float) -> tuple[np.ndarray, np.ndarray]:
        """`draw`'s first exit for the recruits of block rows `rows`, at once."""
        lives, att = self._lives_at(age_mean), self.attrition
        birth = now_abs - lives.age_months[rows]
        worker = (sectors == INSTITUTION) & self._worker[rows]
        retire_abs = retirement_abs_month(att, birth, self._female[rows], worker)
        never = np.full(len(sectors), math.inf)
        retire = np.maximum(retire_abs - now_abs, 1).astype(float) if att.retirement else never
        death, quit_ = lives.death[rows], lives.quit[rows]
        # the first of the three, ties to the earlier cause (retirement, death, quit)
        first_retire, death_before_quit = (retire <= death) & (retire <= quit_), death <= quit_
        cause = np.where(first_retire, 0, np.where(death_before_quit, 1, 2))
        return cause, np.where(first_retire, retire, np.where(death_before_quit, death, quit_))


def _months(months: np.ndarray) -> list[float]:
    """Event months as one recruit's rule gives them: whole numbers as ints, never as `inf`."""
    return [int(m) if m != math.inf else math.inf for m in months.tolist()]

"""The month-0 people of the twin: their lines, townships and hire kernels, booked in post until the reform.

The engine's `sim.engine.people`, from the same `build_population`.
"""

from __future__ import annotations

import numpy as np

from sim.engine.attrition import retirement_abs_month
from sim.engine.ledger import C
from sim.expected.ahead import Ahead
from sim.expected.attrition import Kernel, Survival, hire_kernel
from sim.expected.cohorts import Classes
from sim.expected.ledger import Ledger
from sim.expected.lines import HIGH, LEFT_F, LOW0, LOWN, N_PAY, POST, RETIRED_F, TOWNSHIP, TW_RATE, Lines
from sim.population.table import ADMIN, INSTITUTION, SECONDARY, TEMPORARY, Population


class People(Ledger):
    """Setting up the month-0 lines, townships and hire kernels, and booking them."""

    def _base_lines(self, pop: Population) -> None:
        s, M = self.s, self.M
        att = s.attrition
        birth = pop.birth.astype(np.int64)
        a = np.maximum(self.start_abs - birth, 0)
        oldest = max(int(a.max()) if len(a) else 0, 56 * 12)
        self.surv = Survival(att, oldest + 2 * M + 12)
        retire_abs = retirement_abs_month(att, birth, pop.female, pop.worker).astype(np.int64)
        r = np.maximum(retire_abs - self.start_abs, 1) if att.retirement else np.full(len(a), M + 10)
        education = pop.education.astype(np.int64)
        low = LOW0 if s.training.diploma_rate > 0 else LOWN
        self.lines = Lines(
            a=a,
            h=self.surv.index(a, pop.female),
            r=np.minimum(r, M + 10),
            retire_abs=retire_abs,
            birth=birth,
            entry=pop.entry.astype(np.int64),
            education=education,
            female=pop.female.astype(bool),
            worker=pop.worker.astype(bool),
            sector=pop.sector.astype(np.int64),
            tw=pop.township.astype(np.int64),
            salary=pop.salary.astype(float),
            hired=np.zeros(len(a), dtype=bool),
            protected=pop.protected.astype(bool),
            leader=pop.leader.astype(bool),
            kind=np.where(education >= SECONDARY, HIGH, low),
            appraisal=pop.appraisal.astype(float),
            appraisal_var=np.zeros(len(a)),
        )
        self.cls = Classes(self.lines.h, self.lines.r)

    def _townships(self, pop: Population) -> None:
        s = self.s
        self.est = np.zeros((self.T, 3))
        self.est[:, ADMIN] = pop.townships.establishment_admin
        self.est[:, INSTITUTION] = pop.townships.establishment_institution
        self.est_flat = self.est.reshape(-1)  # a view: per township sector
        self.old_est = self.est.copy()
        self.klass = pop.townships.klass
        syn = s.population.synthetic
        fallback = (syn.salary_admin, syn.salary_institution, syn.salary_temporary)
        self.hire_salary = np.array(
            [float(pop.salary[pop.sector == k].mean()) if (pop.sector == k).any() else fallback[k] for k in range(3)]
        )
        self.appraisal_pop = (
            (float(pop.appraisal.mean()), float(pop.appraisal.std()) or 1.0)
            if len(pop)
            else (syn.appraisal_mean, syn.appraisal_sd)
        )

    def _kernels(self) -> None:
        s, M = self.s, self.M
        att, hiring, reform = s.attrition, s.hiring, s.reform
        ref = self.start_abs + min(reform.month, M)
        self.k_hire, self.k_rec = [], []
        female = hiring.hire_share_female
        made: dict[tuple[float, float], Kernel] = {}
        for sector in range(3):  # only institution staff can have worker status
            worker = s.population.synthetic.share_worker if sector == INSTITUTION else 0.0
            for kernels, age in ((self.k_hire, hiring.hire_age_mean), (self.k_rec, reform.recruit_age_mean)):
                if (age, worker) not in made:
                    made[age, worker] = hire_kernel(att, age, hiring.hire_age_sd, female, worker, ref, M)
                kernels.append(made[age, worker])
        self.k_hire_rev = np.stack([k.stacked() for k in self.k_hire])  # (3, M + 1, 4), reversed in time
        self.k_rec_table = np.stack([k.stacked()[::-1] for k in self.k_rec])  # (3, M + 1, 4)

    def _month0_people(self) -> None:
        """Book the month-0 people in post until the reform (temporaries for good unless cleared), and
        their retirements and other exits (whatever their state), from profiles shared with the twin.
        """
        M, R, ln = self.M, self.R, self.lines
        temp = ln.sector == TEMPORARY
        ts = ln.tw * 3 + ln.sector
        payer = self.sector_payer[ln.sector]
        parts = [np.flatnonzero(~temp), np.flatnonzero(temp)]
        if "month0" not in self.shared:
            code = C["salary_in_post"] * N_PAY + payer
            globs = [
                self._post_glob(
                    self.cls, x, ln.a[x], ln.kind[x], ln.salary[x], np.ones(len(x)), ln.sector[x], code[x], 0, M + 1
                )
                for x in parts
            ]
            ones = np.ones(len(ln))
            level = self.cls.profile(self.surv, ones, 0, M + 1)[0]
            retired = self.surv.retired_flow(ln.h, ln.r, ones, 0, M)
            left = np.concatenate([[0.0], level[:-1] - level[1:]]) - retired
            # to the horizon, in two parts (the temporaries may leave at the reform) to be cut where they end
            own = ln.salary * (payer == TOWNSHIP)
            booked = []
            for x in parts:
                booked.append(Ahead(self.surv, TW_RATE + 1, self.TS, M + 1))
                self._book_ts(ln.h[x], ln.r[x], np.ones(len(x)), own[x], ts[x], 0, M + 1, POST, booked[-1])
            self.shared["month0"] = (globs, booked, retired, left)
        globs, booked, retired, left = self.shared["month0"]
        cleared = self.reform_on and self.s.reform.clear_temporaries
        for (glob, codes), part, end in zip(globs, booked, (R, R if cleared else M + 1), strict=True):
            self.ahead.add_booked(part, [end, end + 1, end])  # in post, their exits (to month `end`), pay
            self._book_glob(glob[:, :end], codes, 0)
        self.G[RETIRED_F] += retired
        self.G[LEFT_F] += left
        staff = np.flatnonzero(~temp)
        self._retirement_pay(ln, staff, np.ones(len(staff)), 0, None)
        if cleared and temp.any() and R <= M:  # cleared at the reform: their later exits are not theirs
            only = temp.astype(float)
            self.G[LEFT_F, R] += (self.surv.alive(ln.h, ln.r, R) * only).sum()
            self._system(ln, self.cls, only, R, sign=-1.0)

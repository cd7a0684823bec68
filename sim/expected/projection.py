"""The expected-value twin: a deterministic cohort projection of the engine's mechanisms.

`expected(scenario)` returns the same `Results` as `sim.run` — one "replication" 0, the
engine's monthly columns — without drawing a random number. Every person of the month-0
population (the engine's own, from `build_population`) is a *line* carrying expected shares
of being in each state; hires are cohorts by sector, month and township. Attrition does
not depend on state in the engine (each exit month is drawn once), so a line's mass in a
state is its share times its survival, and whole months are booked at once ("profiles").
A monthly loop carries only what feeds back: payroll against establishment, reposting,
hire credit, hires. It is the planner's spreadsheet view and a screening engine for sweeps.

Mechanisms, in the engine's order within a month (exits; diversion tries and completions;
policy events; hires):

- attrition: the engine's death and quit hazards (flat or by age band) as exact survival
  per person and month, retirement at the statutory month (phased raise included); hires
  through a survival kernel over the hire-age distribution (clipped normal, 64 nodes);
- before the reform, leavers replaced `pre_reform_replacement` for one after the lag; the
  credit still unripe at the reform lapses;
- the reform: new establishment (cuts or class numbers), temporaries cleared, outside
  recruits, competitive posting (below), the surplus awaiting or rotating (all, or the
  expected `rotating_share` of townships); then "only exit, no entry": payroll leaving
  below establishment earns `replacement_ratio` hires after the lag and not before the
  freeze ends, hires at most into the room left;
- diversion: each surplus person tries the channels open to them — now and still in the
  month they would leave, after the lead time — in their own order with take-up =
  eligibility × acceptance × exam pass; a person who wanted none of the channels
  open at a try is known to refuse them later, so later tries (every `retry_months`, as
  years to retirement, age or service open channels) offer only newly open ones; people
  protected wait `protection_months`; tries stop at the deadline if the drive does; lead
  times on the payroll; one-time costs at payment; `institution_vacancy` moves people into
  institution posts; the deadline's rotation; `no_channel` rotation;
- reposting of waiting surplus into freed posts of their township and sector, while staff
  in post there are below establishment;
- costs: recurring rates by component and payer × wage index, one-time costs split over
  payers by their shares of the pool (an unlimited pool spends its balance first and is
  topped up by what it lacks, the top-ups within a month integrated); township
  finances and debt; pool contributions with their expected timing and amounts;
- rebound: return petitions and returns per channel (the exact petition chain: monthly
  hazard, success chance, anti-rebound window, at most four petitions), returnees back in
  post; over-establishment requests, approvals and inspections; the no-reform
  counterfactual (a second projection sharing the month-0 work) for the savings columns.

Exact in expectation (up to the Jensen gap of e/n, far below Monte Carlo error) when no
queue binds and nothing non-linear acts: every open channel with unlimited places
(`places_per_year` empty) and `institution_vacancy` closed, `pool.unlimited`, random
posting with every township sector over its new establishment, no reposting and no
refill after the reform (an integer `pre_reform_replacement` before it), no rebound.
Preference noise is summed exactly over the Plackett-Luce orders it induces (and
adverse selection over nodes of merit), so any `preference_noise` reconciles. Checked in
tests/test_expected.py: the engine's mean lies within 3 standard errors of the twin.

Approximations (mean field: expectations inside non-linear rules):

- queues never bind: places and money are unlimited, `institution_vacancy` included (the
  engine gives it only institution vacancies below establishment), so the twin's take-up
  of a binding channel is an upper bound — while channels later in the order that blocked
  people fall back on can be lower; `queue_*` and `pool_waiting` are 0, `pool_balance` is
  contributions minus payments (negative: money the twin assumed);
- the surplus of a township sector is new establishment minus *expected* candidates; merit
  and seniority posting keep the lines above a threshold per township sector at which the
  expected number above equals the posts (merit: the weighted z-scores with normal noise;
  seniority: entry month with its tie-break); joint posting likewise, administrative
  posts first;
- reposting takes E[min(freed posts, waiting)] for Poisson counts per township sector (at
  most the expected posts below establishment) and thins every waiting person there alike
  (the engine takes the best first); the reposted have the age, education and pay of their
  sector's waiting surplus in the city;
- hire credit: a vacancy earns credit for its part below the expected room; hires are
  min(credit, room), fractional (the engine hires whole people); over-establishment
  approvals and transfer withholding use Poisson probabilities of being at or over
  establishment given the expected room;
- pre-reform hires who become surplus are typical hires per township sector (mean age and
  entry, the education and sex/status mix); hires' phased-raise retirement is evaluated for
  a hire at the reform month;
- returnees keep the age, education and pay mix of their cohort at diversion, and spread
  over townships (like the recurring costs of the diverted) as they were at diversion;
- adverse selection assumes merit independent of eligibility; random contributions (late,
  short) enter with expected amounts and timing; diplomas after diverting are ignored.

Columns: all of the engine's, in its order. None is NaN except the mean ages and
secondary shares (all, and by sector) with nobody in post, and the savings columns when no
counterfactual is run (as in the engine).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields

import numpy as np

from sim.engine.attrition import retirement_abs_month
from sim.engine.diversion import EXIT_CHANNELS, INSTITUTION_VACANCY, static_eligibility
from sim.engine.ledger import CHANNEL_COMPONENT, COMPONENTS, LEDGER_COLUMNS, PUBLIC, C, P
from sim.engine.model import (
    COUNTERFACTUAL_COLUMNS,
    SECTOR_COLUMNS,
    RunResult,
    _with_counterfactual,
    monthly_columns,
    no_reform,
)
from sim.engine.pool import TOP_UP
from sim.engine.rebound import REBOUND_COLUMNS
from sim.engine.states import columns_for
from sim.expected.cohorts import (
    N_CHANNELS,
    WEIGHTS,
    Classes,
    Kernel,
    Survival,
    adverse_nodes,
    choice_table,
    eligible_at,
    expected_min,
    hire_kernel,
    keep_shares,
    one_time_costs,
    petition_chain,
)
from sim.experiment.results import Results, monthly_frame
from sim.population.build import build_population
from sim.population.table import ADMIN, INSTITUTION, SECONDARY, TEMPORARY, Population
from sim.scenario.schema import CHANNEL_IDS, PAYERS, Scenario

TOWNSHIP = P["township"]
HIGH, LOW0, LOWR, LOWN = range(4)  # education of a line: secondary+, or below it with diplomas from 0, R, never
N_COMP, N_PAY = len(COMPONENTS), len(PAYERS)
ONE_TIME = ("severance", "pension_buyin", "placement_subsidy")

# composition of lines in post, per sector: people, their age in months at month 0 (summed), and
# how many are secondary-educated or below it with diplomas from month 0, from the reform, never
COMPOSITION = 6
# rows of the city-wide monthly accumulator
(
    LEAD_A,  # surplus serving a lead time, awaiting
    LEAD_R,  # ... rotating
    DIVERTED,
    RETIRED_F,  # flows in the month
    LEFT_F,
    HIRES_F,
    OVERQ_F,
    REVERSED_F,
    PETITIONS_F,
    RETURNS_F,
    PAID_F,
    TOPUP_F,
    DIV_F,  # first of seven: diversions completed per channel
) = range(13)
N_ROWS = DIV_F + N_CHANNELS


@dataclass
class Lines:
    """People (or typical hires) as parallel arrays: the twin's unit of account."""

    a: np.ndarray  # age in months at month 0
    r: np.ndarray  # month in which they retire (past the horizon if not within it)
    retire_abs: np.ndarray
    birth: np.ndarray
    entry: np.ndarray
    education: np.ndarray
    female: np.ndarray
    worker: np.ndarray
    sector: np.ndarray
    tw: np.ndarray
    salary: np.ndarray
    hired: np.ndarray
    protected: np.ndarray
    leader: np.ndarray
    kind: np.ndarray  # HIGH, LOW0, LOWR, LOWN
    appraisal: np.ndarray
    appraisal_var: np.ndarray  # spread of a typical hire's appraisal (0 for people)

    def __len__(self) -> int:
        return len(self.a)

    def take(self, idx: np.ndarray) -> Lines:
        """The lines at `idx`."""
        return Lines(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        """The lines of all parts, in order."""
        return Lines(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Lines)})


class Projection:
    """One deterministic projection of a scenario on a population: `Projection(s, pop).run()`."""

    def __init__(self, scenario: Scenario, population: Population, shared: dict | None = None) -> None:
        """`shared` (a dict) carries what a scenario and its no-reform twin have in common."""
        self.s = scenario
        self.shared = {} if shared is None else shared
        self.M = M = scenario.time.horizon_months
        self.start_abs = scenario.time.start_abs
        self.T = T = len(population.townships)
        self.TS = TS = 3 * T
        self.reform_on = scenario.reform.enabled
        self.R = scenario.reform.month if self.reform_on else M + 1
        money = scenario.money
        self.sector_payer = np.array(
            [P[money.payer_admin_salary], P[money.payer_institution_salary], P[money.payer_temporary_pay]]
        )
        self.wage = (1.0 + money.wage_growth) ** ((self.start_abs % 12 + np.arange(M + 1)) // 12)
        self.channels = [scenario.channels.get(c) for c in CHANNEL_IDS]
        if "lines" not in self.shared:
            self._base_lines(population)
            self._kernels()
            self.shared.update(
                lines=self.lines, surv=self.surv, cls=self.cls, kernels=(self.k_hire, self.k_rec, self.k_hire_rev)
            )
        else:
            self.lines, self.surv, self.cls = self.shared["lines"], self.shared["surv"], self.shared["cls"]
            self.k_hire, self.k_rec, self.k_hire_rev = self.shared["kernels"]
        self._townships(population)
        self.hire_age0 = np.tile([k.age[0] for k in self.k_hire], T)  # age of a new hire, per township sector
        self._contributions()
        self.G = np.zeros((N_ROWS, M + 1))
        self.PS = np.zeros((3, COMPOSITION, M + 1))  # lines in post by sector: see COMPOSITION
        self.R3 = np.zeros((N_COMP, N_PAY, M + 1))  # recurring cost rates at month-0 wages
        self.O3 = np.zeros((N_COMP, N_PAY, M + 1))  # one-time payments
        self.ts_post = np.zeros((TS, M + 1))  # lines in post, per township sector (booked ahead)
        self.ts_post_exit = np.zeros((TS, M + 1))
        self.ts_lead = np.zeros((TS, M + 1))
        self.ts_lead_exit = np.zeros((TS, M + 1))
        self.ts_leave = np.zeros((TS, M + 1))  # payroll left by completed diversions
        self.tw_rate = np.zeros((T, M + 1))  # township-paid recurring rate, per township
        self.W = np.zeros((4, TS, M + 1))  # waiting surplus, unscaled: count, salary, count rotating, salary rotating
        self.Wg = np.zeros((3, 7, M + 1))  # ... by sector: count, age, four education kinds, salary of hires
        self.Hh = np.zeros((3, M + 1, T))  # hires by sector, month, township
        self.I_eff = np.zeros((3, M + 1, T))  # the over-establishment ones still standing
        self.rec = np.zeros((T, 3))
        self.credit = np.zeros(TS)
        self.ripe = np.zeros((TS, M + 2))
        self.rho = np.ones(TS)  # share of the waiting surplus not yet reposted
        self.Phi = np.zeros(TS)  # share reposted since the last try
        self.rho_hist = np.ones((TS, M + 1))
        self.phi_hist = np.zeros((TS, M + 1))
        self.hire_hist = np.zeros((M + 1, TS, 4))
        self.reformed = False
        self.tries: dict[int, np.ndarray] = {}
        self.freeze_end = self.R + scenario.hiring.freeze_months
        rb = scenario.rebound
        self.overquota_on = rb.request_rate > 0 and rb.enforcement < 1
        self.staff_at_reform = np.zeros(T)

    # ------------------------------------------------------------------ set-up
    def _base_lines(self, pop: Population) -> None:
        s, M = self.s, self.M
        att = s.attrition
        birth = pop.birth.astype(np.int64)
        a = np.maximum(self.start_abs - birth, 0)
        retire_abs = retirement_abs_month(att, birth, pop.female, pop.worker).astype(np.int64)
        r = np.maximum(retire_abs - self.start_abs, 1) if att.retirement else np.full(len(a), M + 10)
        education = pop.education.astype(np.int64)
        low = LOW0 if s.training.diploma_rate > 0 else LOWN
        self.lines = Lines(
            a=a,
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
        oldest = max(int(a.max()) if len(a) else 0, 56 * 12)
        self.surv = Survival(att, oldest + 2 * M + 12)
        self.cls = Classes(a, self.lines.r)

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
        self.k_hire_rev = [k.stacked() for k in self.k_hire]  # (M + 1, 4), reversed in time

    def _contributions(self) -> None:
        """Expected pool contributions per contributor and payer, by month."""
        M, pool = self.M, self.s.pool
        self.names = [c.name for c in pool.contributors] + [TOP_UP]
        self.contrib = np.zeros((len(self.names), M + 1))
        self.put_by = np.zeros((N_PAY, M + 1))  # money put into the pool per payer, by month
        if pool.initial_balance > 0:
            self.put_by[P[pool.initial_payer], 0] += pool.initial_balance
        for k, c in enumerate(pool.contributors):
            step = {"once": 0, "monthly": 1, "yearly": 12}[c.schedule]
            count = 1 if c.schedule == "once" else c.payments
            amount = c.amount * (1.0 - c.shortfall_probability * (1.0 - c.shortfall_share))
            if c.amount <= 0 or amount <= 0:
                continue
            for j in range(count):
                month = c.first_month + j * step + c.delay_months
                for when, p in ((month, 1.0 - c.late_probability), (month + c.late_months, c.late_probability)):
                    if p > 0 and when <= M:
                        self.contrib[k, when] += p * amount
                        self.put_by[P[c.payer], when] += p * amount

    # ------------------------------------------------------------------ booking lines ahead
    def _profile(
        self, ln: Lines, weights: np.ndarray, m0: int, m1: int, group: np.ndarray | None = None, groups: int = 1
    ) -> np.ndarray:
        return self.surv.profile(ln.a, ln.r, weights, m0, min(m1, self.M + 1), group, groups)

    def _in_post(
        self,
        ln: Lines,
        cls: Classes,
        c: np.ndarray,
        m0: int,
        m1: int,
        ts_of: np.ndarray,
        comp: np.ndarray,
        payer: np.ndarray,
        idx: np.ndarray | None = None,
    ) -> None:
        """Book lines in post with weights `c` in months [m0, m1): levels, exits, costs, age, education.

        `ln` are the lines of `cls`, or those at `idx` in it.
        """
        m1 = min(m1, self.M + 1)
        if m0 >= m1 or not c.any():
            return
        self._book_post(*self._post_profiles(ln, cls, c, m0, min(m1 + 1, self.M + 1), ts_of, comp, payer, idx), m0, m1)

    def _post_profiles(
        self,
        ln: Lines,
        cls: Classes,
        c: np.ndarray,
        m0: int,
        m1: int,
        ts_of: np.ndarray,
        comp: np.ndarray,
        payer: np.ndarray,
        idx: np.ndarray | None = None,
        glob_only: bool = False,
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """Profiles over [m0, m1) of lines in post: per township sector (count, township-paid pay), and
        city-wide (the composition per sector, then pay by component and payer), with those combinations.
        """
        per_ts = None
        if not glob_only:
            cols = np.stack([c, c * ln.salary * (payer == TOWNSHIP)], axis=1)
            per_ts = self._profile(ln, cols, m0, m1, ts_of, self.TS)
        combos, combo = np.unique(comp * N_PAY + payer, return_inverse=True)
        sector = ts_of % 3
        cols = []
        for sec in range(3):
            cs = c * (sector == sec)
            cols += [cs, cs * ln.a] + [cs * (ln.kind == k) for k in range(4)]
        cols += [c * ln.salary * (combo == j) for j in range(len(combos))]
        return per_ts, cls.profile(self.surv, np.stack(cols, axis=1), m0, m1, idx), combos

    def _book_post(
        self, per_ts: np.ndarray, glob: np.ndarray, combos: np.ndarray, m0: int, m1: int, rows: np.ndarray | None = None
    ) -> None:
        """Book profiles from `_post_profiles` (starting at m0) as in post over [m0, m1), exits to m1.

        `rows` restricts the booking to those township sectors (and the city-wide rows must be theirs).
        """
        m1e = min(m1 + 1, self.M + 1, m0 + per_ts.shape[-1])
        per_ts = per_ts[..., : m1e - m0]
        level, exits = _level_exit(per_ts, m1 - m0)
        if rows is not None:
            level, exits = level * rows[:, None, None], exits * rows[:, None, None]
        self.ts_post[:, m0:m1] += level[:, 0]
        self.ts_post_exit[:, m0:m1e] += exits[:, 0]
        self.tw_rate[:, m0:m1] += level[:, 1].reshape(self.T, 3, -1).sum(axis=1)
        glob = glob[:, : m1 - m0]
        self.PS[:, :, m0:m1] += glob[: 3 * COMPOSITION].reshape(3, COMPOSITION, -1)
        for j, code in enumerate(combos):
            self.R3[code // N_PAY, code % N_PAY, m0:m1] += glob[3 * COMPOSITION + j]

    def _system(self, ln: Lines, cls: Classes, c: np.ndarray, m0: int, sign: float = 1.0) -> None:
        """Retirements and other exits from month m0 + 1 on of lines with total weights `c` (whatever their state)."""
        M = self.M
        if m0 >= M or not c.any():
            return
        level = cls.profile(self.surv, c, m0, M + 1)[0]
        ret = self.surv.retired_flow(ln.a, ln.r, c, m0, M)
        self.G[RETIRED_F] += sign * ret
        self.G[LEFT_F, m0 + 1 :] += sign * (level[:-1] - level[1:] - ret[m0 + 1 :])

    # ------------------------------------------------------------------ run
    def run(self) -> RunResult:
        """Project month by month to the horizon; the monthly table in the engine's columns."""
        M, R = self.M, self.R
        self._month0_people()
        lag, ratio = self.s.hiring.refill_lag_months, self.s.hiring.pre_reform_replacement
        for m in range(M + 1):
            hs = self._hire_stats(m)
            if m > 0:
                self.G[RETIRED_F, m] += hs[:, 2].sum()
                self.G[LEFT_F, m] += hs[:, 1].sum() - hs[:, 2].sum()
            if self.reformed:
                hs = self._month(m, hs)
            else:
                if m > 0 and ratio > 0 and m + lag <= M and (m + lag < R or not self.reform_on):
                    self.ripe[:, m + lag] += ratio * (self.ts_post_exit[:, m] + hs[:, 1])  # leavers replaced
                if m == R:
                    self._reform(m, hs)
                    hs = self._hire_stats(m)
                    self._vacate(m, self.ts_leave[:, m], self._payroll(m, hs))
                    self._policy(m, hs, self._payroll(m, hs))
                elif self.ripe[:, m].any():
                    hires = self.ripe[:, m]
                    self.Hh[:, m] += hires.reshape(self.T, 3).T
                    self.G[HIRES_F, m] += hires.sum()
                    hs[:, 0] += hires
                    hs[:, 3] += hires * self.hire_age0
            self.hire_hist[m] = hs
            self.rho_hist[:, m] = self.rho
            self.phi_hist[:, m] = self.Phi
        return RunResult(0, self.columns(), self._table(), None)

    def _month0_people(self) -> None:
        """Book the month-0 people in post until the reform (temporaries for good unless cleared), and
        their retirements and other exits (whatever their state), from profiles shared with the twin.
        """
        M, R, ln = self.M, self.R, self.lines
        temp = ln.sector == TEMPORARY
        if "month0" not in self.shared:
            comp, payer = np.full(len(ln), C["salary_in_post"]), self.sector_payer[ln.sector]
            ts = ln.tw * 3 + ln.sector
            _, glob_c, combos = self._post_profiles(
                ln, self.cls, (~temp) * 1.0, 0, M + 1, ts, comp, payer, glob_only=True
            )
            _, glob_t, combos_t = self._post_profiles(
                ln, self.cls, temp * 1.0, 0, M + 1, ts, comp, payer, glob_only=True
            )
            ones = np.ones(len(ln))
            own = ln.salary * (payer == TOWNSHIP)
            per_ts = self._profile(ln, np.stack([ones, own], axis=1), 0, M + 1, ts, self.TS)
            level = self.cls.profile(self.surv, ones, 0, M + 1)[0]
            retired = self.surv.retired_flow(ln.a, ln.r, ones, 0, M)
            left = np.concatenate([[0.0], level[:-1] - level[1:]]) - retired
            # township-sector rows keep the temporaries apart; the city-wide rows come in two parts
            self.shared["month0"] = (per_ts, glob_c, combos, glob_t, combos_t, retired, left)
        per_ts, glob_c, combos, glob_t, combos_t, retired, left = self.shared["month0"]
        temp_rows = np.arange(self.TS) % 3 == TEMPORARY
        cleared = self.reform_on and self.s.reform.clear_temporaries
        self._book_post(per_ts, glob_c, combos, 0, R, ~temp_rows)
        self._book_post(per_ts, glob_t, combos_t, 0, R if cleared else M + 1, temp_rows)
        self.G[RETIRED_F] += retired
        self.G[LEFT_F] += left
        if cleared and temp.any() and R <= M:  # cleared at the reform: their later exits are not theirs
            only = temp.astype(float)
            self.G[LEFT_F, R] += (self.surv.alive(ln.a, ln.r, R) * only).sum()
            self._system(ln, self.cls, only, R, sign=-1.0)

    def _month(self, m: int, hs: np.ndarray) -> np.ndarray:
        """A month after the reform: exits and reposting, tries, completions, policy events, hires."""
        w0 = self.W[0]
        fall = w0[:, m - 1] - w0[:, m]
        freed = self.ts_post_exit[:, m] + self.Phi * fall + hs[:, 1]
        freed = freed - self._repost(m, freed, hs)
        leave = freed + self.rho * fall + self.ts_lead_exit[:, m]
        if m in self.tries:
            self._try(m, self.tries[m])
        pay = self._payroll(m, hs)
        self._vacate(m, leave + self.ts_leave[:, m], pay)
        hs, pay = self._policy(m, hs, pay)
        hires = self._hire(m, pay)
        hs[:, 0] += hires
        hs[:, 3] += hires * self.hire_age0
        return hs

    def columns(self) -> tuple[str, ...]:
        """The engine's monthly columns for this scenario (before the counterfactual's), in its order."""
        return monthly_columns(self.s)[: -len(COUNTERFACTUAL_COLUMNS)]

    def twin_columns(self) -> tuple[str, ...]:
        """The columns the twin computes, in the order `_table` computes them."""
        return (*columns_for(self.names), *LEDGER_COLUMNS, *REBOUND_COLUMNS, *SECTOR_COLUMNS)

    # ------------------------------------------------------------------ hires
    def _hire_stats(self, m: int) -> np.ndarray:
        """Hires in post, their exits, retirements and age-years in month m, per township sector (TS, 4)."""
        out = np.zeros((self.T, 3, 4))
        for sector in range(3):
            out[:, sector] = self.Hh[sector, : m + 1].T @ self.k_hire_rev[sector][self.M - m :]
            if self.reformed and self.rec[:, sector].any():
                k, d = self.k_rec[sector], m - self.R
                out[:, sector] += self.rec[:, sector, None] * [k.present[d], k.exits[d], k.retired[d], k.age[d]]
        return out.reshape(self.TS, 4)

    def _payroll(self, m: int, hs: np.ndarray) -> np.ndarray:
        """Expected payroll per township sector now."""
        return self.ts_post[:, m] + self.ts_lead[:, m] + (self.rho + self.Phi) * self.W[0, :, m] + hs[:, 0]

    def _room(self, pay: np.ndarray) -> np.ndarray:
        """Posts free below establishment per township sector (none for temporaries)."""
        room = self.est_flat - pay
        room[TEMPORARY::3] = 0.0
        return room

    def _vacate(self, m: int, leave: np.ndarray, pay: np.ndarray) -> None:
        """Payroll left in each township sector after the reform earns hire credit where below establishment."""
        hiring = self.s.hiring
        when = max(m + hiring.refill_lag_months, self.freeze_end)
        if hiring.replacement_ratio > 0 and when <= self.M and leave.any():
            self.ripe[:, when] += hiring.replacement_ratio * np.clip(self._room(pay), 0.0, leave)

    def _hire(self, m: int, pay: np.ndarray) -> np.ndarray:
        """After the reform: credit ripening this month becomes hires into room below establishment,
        and over-establishment requests are approved.
        """
        ripe = self.ripe[:, m]
        hires = np.zeros(self.TS)
        if ripe.any():
            self.credit += ripe
            ready = ripe > 0
            hires[ready] = np.minimum(self.credit, np.maximum(self._room(pay), 0.0))[ready]
            self.credit -= hires
        if self.overquota_on and m > self.R:
            hires += self._overquota(m, pay + hires)
        if hires.any():
            self.Hh[:, m] += hires.reshape(self.T, 3).T
            self.G[HIRES_F, m] += hires.sum()
        return hires

    def _overquota(self, m: int, pay: np.ndarray) -> np.ndarray:
        """Over-establishment hiring requests approved this month."""
        rb = self.s.rebound
        out = np.zeros((self.T, 3))
        pay = pay.reshape(self.T, 3)
        staff = np.maximum(pay[:, ADMIN] + pay[:, INSTITUTION], 1.0)
        rate = rb.request_rate / 12.0 * (self.staff_at_reform / staff) ** rb.workload_elasticity
        if m >= self.R + self.s.hiring.freeze_months:  # once the freeze has ended (at once without one)
            rate = rate * rb.after_freeze_multiplier
        full = np.exp(-np.maximum(self.est - pay, 0.0)[:, :2])  # P(no post free below establishment)
        out[:, :2] = (1.0 - np.exp(-rate))[:, None] * (0.5 * (1.0 - rb.enforcement)) * full
        self.I_eff[:2, m] += out[:, :2].T
        self.G[OVERQ_F, m] += out.sum()
        return out.reshape(-1)

    # ------------------------------------------------------------------ exits
    def _repost(self, m: int, freed: np.ndarray, hs: np.ndarray) -> np.ndarray:
        """Freed posts taken by waiting surplus of the same township sector, thinning it evenly — as
        long as staff in post stay below establishment (never temporaries).
        """
        if not self.s.diversion.repost_on_vacancy:
            return np.zeros(self.TS)
        waiting = self.rho * self.W[0, :, m]
        below = self._room(self.ts_post[:, m] + self.Phi * self.W[0, :, m] + hs[:, 0])  # in post, after exits
        taken = np.minimum(expected_min(freed, waiting), np.maximum(below, 0.0))
        share = np.divide(taken, waiting, out=np.zeros(self.TS), where=waiting > 1e-300)
        self.Phi += self.rho * share
        self.rho *= 1.0 - share
        return taken

    # ------------------------------------------------------------------ the reform
    def _reform(self, m: int, hs: np.ndarray) -> None:
        s, T = self.s, self.T
        reform = s.reform
        self.reformed = True
        for tw in range(T):
            klass = s.township_classes[int(self.klass[tw])]
            na, ni = klass.new_establishment_admin, klass.new_establishment_institution
            old_a, old_i = self.old_est[tw, ADMIN], self.old_est[tw, INSTITUTION]
            self.est[tw, ADMIN] = np.floor(old_a * (1 - reform.cut_admin) + 1e-9) if na is None else na
            self.est[tw, INSTITUTION] = np.floor(old_i * (1 - reform.cut_institution) + 1e-9) if ni is None else ni
        if reform.clear_temporaries:  # hired temporaries leave (the month-0 ones are booked in run)
            self.G[LEFT_F, m] += hs[TEMPORARY::3, 0].sum()
            self.Hh[TEMPORARY] = 0.0
        self.rec[:, ADMIN] = np.round(reform.recruits_admin_share * self.est[:, ADMIN])
        self.rec[:, INSTITUTION] = np.round(reform.recruits_institution_share * self.est[:, INSTITUTION])
        self.G[HIRES_F, m] += self.rec.sum()
        surplus, weight = self._posting(m, np.maximum(self.est - self.rec, 0.0))
        self._start_diversion(m, surplus, weight)
        # hiring: unused credit lapses; room below the new establishment earns credit
        self.credit[:] = 0.0
        self.ripe[:, m:] = 0.0
        hs = self._hire_stats(m)
        when = max(m + s.hiring.refill_lag_months, self.freeze_end)
        if s.hiring.replacement_ratio > 0 and when <= self.M:
            room = self._room(self._payroll(m, hs) + self._surplus_now(m).reshape(-1))
            self.ripe[:, when] += np.maximum(room, 0.0) * s.hiring.replacement_ratio
        pay = self._payroll(m, hs).reshape(T, 3) + self._surplus_now(m)
        self.staff_at_reform = pay[:, ADMIN] + pay[:, INSTITUTION]
        if m in self.tries:
            self._try(m, self.tries[m], book_wait=False)
        self._wait_delta(np.arange(len(self.sl)), self.ca, self.cr, m)

    def _surplus_now(self, m: int) -> np.ndarray:
        """The surplus per township and sector at the reform, (T, 3)."""
        sl = self.sl
        mass = (self.ca + self.cr) * self.surv.alive(sl.a, sl.r, m)
        return np.bincount(self.sl_ts, mass, self.TS).reshape(self.T, 3)

    def _posting(self, m: int, posts: np.ndarray) -> tuple[Lines, np.ndarray]:
        """Competitive posting: the kept are booked in post; the surplus returned as lines with weights."""
        ln, M, T = self.lines, self.M, self.T
        n_base = len(ln)
        hires, hire_mass = self._typical_hires(m)
        lines = Lines.concat([ln, hires])
        alive = self.surv.alive(ln.a, ln.r, m) * (ln.sector != TEMPORARY)
        mass = np.concatenate([alive, hire_mass])
        keep_a, keep_i = self._keep(lines, mass, posts, m)
        comp = np.full(n_base, C["salary_in_post"])
        ka, ki = keep_a[:n_base] * (alive > 0), keep_i[:n_base] * (alive > 0)
        if self.s.reform.joint_posting:
            for keep, sector in ((ka, ADMIN), (ki, INSTITUTION)):
                payer = np.full(n_base, self.sector_payer[sector])
                self._in_post(ln, self.cls, keep, m, M + 1, ln.tw * 3 + sector, comp, payer)
        else:
            ts = ln.tw * 3 + ln.sector
            self._in_post(ln, self.cls, ka + ki, m, M + 1, ts, comp, self.sector_payer[ln.sector])
        if len(hires):  # kept hires stay in their cohorts, in the sector of the post won
            ts = hires.tw * 3 + hires.sector
            tot = np.bincount(ts, hire_mass, self.TS)
            shares = []
            for keep in (keep_a, keep_i):
                k = np.bincount(ts, hire_mass * keep[n_base:], self.TS)
                shares.append(np.divide(k, tot, out=np.zeros(self.TS), where=tot > 0).reshape(T, 3))
            h = self.Hh[:, : m + 1].copy()
            for sector, share in ((ADMIN, shares[0]), (INSTITUTION, shares[1])):
                self.Hh[sector, : m + 1] = h[ADMIN] * share[:, ADMIN] + h[INSTITUTION] * share[:, INSTITUTION]
        lose = mass * np.clip(1.0 - keep_a - keep_i, 0.0, 1.0)
        pick = np.flatnonzero(lose > 1e-12 * np.maximum(mass, 1e-300))
        surplus = lines.take(pick)
        weight = lose[pick] / np.maximum(mass[pick], 1e-300)
        typical = pick >= n_base
        if typical.any():  # a typical hire's weight is its mass over its survival normalised at month 0
            weight[typical] = lose[pick[typical]] / self.surv.alive(surplus.a[typical], surplus.r[typical], m)
            sub = surplus.take(np.flatnonzero(typical))
            self._system(sub, Classes(sub.a, sub.r), weight[typical], m)
        return self._split_diplomas(surplus, weight, m)

    def _split_diplomas(self, sl: Lines, weight: np.ndarray, m: int) -> tuple[Lines, np.ndarray]:
        """Split surplus people below secondary into those with a diploma by the reform and those without."""
        training = self.s.training
        low = np.flatnonzero(sl.kind == LOW0)
        if training.diploma_rate <= 0 or len(low) == 0:
            return sl, weight
        p = 1.0 - np.exp(-training.diploma_rate * max(m - training.start_month, 0) / 12.0)
        copy = sl.take(low)
        copy.education = np.full(len(low), SECONDARY)
        copy.kind = np.full(len(low), HIGH)
        sl.kind = sl.kind.copy()
        sl.kind[low] = LOWR  # no diploma at the reform: they may earn one later
        w = weight.copy()
        w[low] *= 1.0 - p
        return Lines.concat([sl, copy]), np.concatenate([w, weight[low] * p])

    def _typical_hires(self, m: int) -> tuple[Lines, np.ndarray]:
        """Pre-reform hires still in post, as a few typical people per township sector, with their mass."""
        s, M = self.s, self.M
        hiring = s.hiring
        parts, masses = [], []
        sp, cp = hiring.hire_share_secondary_plus, hiring.hire_share_college_plus
        p_edu = np.array([(1 - sp) / 2, (1 - sp) / 2, sp - cp, cp / 2, cp / 2])
        reach = max((ch.max_years_to_retirement or 0.0) for ch in self.channels)
        far = self.start_abs + M + 12 * int(reach + 2)
        share_f = hiring.hire_share_female
        for sector in (ADMIN, INSTITUTION):
            x = self.Hh[sector, : m + 1]
            if not x.any():
                continue
            k = self.k_hire[sector]
            d = m - np.arange(m + 1)
            present = x * k.present[d][:, None]
            mass = present.sum(axis=0)
            tws = np.flatnonzero(mass > 1e-12)
            if len(tws) == 0:
                continue
            age = (x * k.age[d][:, None]).sum(axis=0)[tws] / mass[tws]
            entry = (present * (self.start_abs + np.arange(m + 1))[:, None]).sum(axis=0)[tws] / mass[tws]
            birth = np.round(self.start_abs + m - age * 12).astype(np.int64)
            entry = np.round(entry).astype(np.int64)
            share_w = s.population.synthetic.share_worker if sector == INSTITUTION else 0.0
            kinds = [
                (level, female, worker, p * p_edu[level])
                for level in range(5)
                for female, worker, p in (
                    (False, False, 1 - share_f),
                    (True, False, share_f * (1 - share_w)),
                    (True, True, share_f * share_w),
                )
                if p * p_edu[level] > 0
            ]
            level, female, worker, p = (np.array(x) for x in zip(*kinds, strict=True))
            n_k, n_t = len(kinds), len(tws)
            rep = np.repeat(np.arange(n_k), n_t)
            tw_all = np.tile(tws, n_k)
            b_all, e_all = np.tile(birth, n_k), np.tile(entry, n_k)
            ret_abs = retirement_abs_month(s.attrition, b_all, female[rep], worker[rep])
            parts.append(
                self._typical(tw_all, sector, b_all, e_all, level[rep], female[rep], worker[rep], ret_abs, far)
            )
            masses.append(np.tile(mass[tws], n_k) * p[rep])
        if not parts:
            return self.lines.take(np.zeros(0, dtype=np.int64)), np.zeros(0)
        return self._merge_types(Lines.concat(parts), np.concatenate(masses))

    def _typical(
        self,
        tws: np.ndarray,
        sector: int,
        birth: np.ndarray,
        entry: np.ndarray,
        level: np.ndarray,
        female: np.ndarray,
        worker: np.ndarray,
        ret_abs: np.ndarray,
        far: int,
    ) -> Lines:
        n, M = len(tws), self.M
        ret_abs = np.where(ret_abs > far, far + 10**6, ret_abs)  # beyond reach: all the same to the twin
        r = np.maximum(ret_abs - self.start_abs, 1) if self.s.attrition.retirement else np.full(n, M + 10)
        return Lines(
            a=np.maximum(self.start_abs - birth, 0),
            r=np.minimum(r, M + 10),
            retire_abs=ret_abs,
            birth=birth,
            entry=entry,
            education=level.astype(np.int64),
            female=female.astype(bool),
            worker=worker.astype(bool),
            sector=np.full(n, sector),
            tw=tws,
            salary=np.full(n, self.hire_salary[sector]),
            hired=np.ones(n, dtype=bool),
            protected=np.zeros(n, dtype=bool),
            leader=np.zeros(n, dtype=bool),
            kind=np.where(level >= SECONDARY, HIGH, LOWN),
            appraisal=np.full(n, self.appraisal_pop[0]),
            appraisal_var=np.full(n, self.appraisal_pop[1] ** 2),
        )

    def _merge_types(self, lines: Lines, mass: np.ndarray) -> tuple[Lines, np.ndarray]:
        """Merge typical hires that nothing in the scenario tells apart."""
        static = static_eligibility(self.channels, lines.education, lines.female, lines.worker, lines.sector)
        signature = (static * WEIGHTS).sum(axis=1) * 2 + (lines.education >= SECONDARY)
        reform = self.s.reform
        by_merit = reform.selection_rule == "merit" and reform.merit.education
        merit_edu = lines.education if by_merit else np.zeros_like(lines.education)
        key = np.stack([lines.tw, lines.sector, signature, lines.retire_abs, merit_edu], axis=1)
        uniq, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        return lines.take(first), np.bincount(inverse.ravel(), mass, len(uniq))

    def _keep(self, lines: Lines, mass: np.ndarray, posts: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Shares of each candidate line winning an administrative and an institution post."""
        reform = self.s.reform
        n = len(lines)
        leader = lines.leader & reform.leaders_kept
        if reform.selection_rule == "merit":
            w = reform.merit
            total = mass.sum()
            zs, spread = [], np.zeros(n)
            for x, extra in (
                (lines.appraisal, lines.appraisal_var),
                (lines.education.astype(float), np.zeros(n)),
                (-(lines.a + m) / 12.0, np.zeros(n)),
            ):
                mu = (mass * x).sum() / total if total > 0 else 0.0
                var = (mass * ((x - mu) ** 2 + extra)).sum() / total if total > 0 else 0.0
                zs.append((x - mu) / np.sqrt(var) if var > 0 else np.zeros(n))
                if var > 0 and extra.any():
                    spread = w.appraisal**2 * extra / var
            loc = w.appraisal * zs[0] + w.education * zs[1] + w.youth * zs[2]
            scale, kind = np.sqrt(w.noise**2 + spread), "normal"
        elif reform.selection_rule == "seniority":
            loc, scale, kind = -lines.entry.astype(float), np.full(n, 0.5), "uniform"
        else:
            loc, scale, kind = np.zeros(n), np.ones(n), "uniform"
        if reform.joint_posting:
            first = keep_shares(lines.tw, mass, posts[:, ADMIN], kind, loc, scale, leader)
            both = keep_shares(lines.tw, mass, posts[:, ADMIN] + posts[:, INSTITUTION], kind, loc, scale, leader)
            return first, np.clip(both - first, 0.0, 1.0)
        keep = keep_shares(lines.tw * 3 + lines.sector, mass, posts.reshape(-1), kind, loc, scale, leader)
        return np.where(lines.sector == ADMIN, keep, 0.0), np.where(lines.sector == INSTITUTION, keep, 0.0)

    # ------------------------------------------------------------------ diversion
    def _start_diversion(self, m: int, sl: Lines, weight: np.ndarray) -> None:
        """Set up the surplus lines, their try schedule, the channel choice table and the petition chains."""
        s = self.s
        div, reform, rb = s.diversion, s.reform, s.rebound
        self.sl = sl
        n = len(sl)
        self.sl_ts = sl.tw * 3 + sl.sector
        self.sl_cls = Classes(sl.a, sl.r)
        share = 1.0 if div.surplus_state == "rotating" else div.rotating_share  # townships rotating their surplus
        self.rotating = share > 0 or div.no_channel == "rotating" or div.after_deadline == "rotate"
        self.ca = weight * (1.0 - share)
        self.cr = weight * share
        self.U = np.zeros(n, dtype=np.int64)
        self.tried = np.zeros(n, dtype=bool)
        allowed = np.zeros(N_CHANNELS, dtype=bool)
        base = np.zeros(N_CHANNELS)
        order = [CHANNEL_IDS.index(c) for c in div.order if self.channels[CHANNEL_IDS.index(c)].open]
        allowed[order] = True
        base[order] = -np.arange(len(order), dtype=float)
        self.static = static_eligibility(self.channels, sl.education, sl.female, sl.worker, sl.sector) & allowed
        take = np.array([ch.acceptance * ch.exam_pass_rate for ch in self.channels])
        exits = np.isin(np.arange(N_CHANNELS), EXIT_CHANNELS).astype(float)
        if div.adverse_selection:
            z, zw = adverse_nodes(reform.selection_rule)
            shifts = div.adverse_selection * z
        else:
            shifts, zw = np.zeros(1), np.ones(1)
        self.choice = choice_table(allowed, base, take, div.preference_noise, shifts, zw, exits)
        # tries: from the reform (or the end of protection), every retry_months, until the drive stops
        last = reform.deadline_month if div.after_deadline != "keep_queueing" else self.M
        first = np.where(sl.protected & (reform.protection_months > 0), m + reform.protection_months, m)
        self.tries = self._try_schedule(sl, first, last, div.retry_months)
        chance = rb.return_success * (1.0 - rb.enforcement)
        self.chain = {}
        for k, ch in enumerate(self.channels):
            petitions = min(rb.max_petitions, 4)
            if k != INSTITUTION_VACANCY and ch.return_hazard > 0 and petitions > 0:
                self.chain[k] = petition_chain(ch.return_hazard, chance, rb.anti_rebound_months, petitions, self.M)

    def _try_schedule(self, sl: Lines, first: np.ndarray, last: int, step: int) -> dict[int, np.ndarray]:
        """Which lines try at which month. Every line tries at its first month; after that a retry
        matters only when a channel opens to it (age band, years to retirement, service), so a line
        is listed at the tries around the month each of its channels opens (exact rules at the try).
        """
        pairs_t = [first]
        pairs_i = [np.arange(len(sl))]
        if step > 0:
            a = self.start_abs - sl.birth
            for k, ch in enumerate(self.channels):
                ok = self.static[:, k]
                if not ok.any():
                    continue
                lo = np.ceil(12 * ch.age_min - a)
                if ch.max_years_to_retirement is not None:
                    lo = np.maximum(lo, sl.retire_abs - self.start_abs - np.floor(12 * ch.max_years_to_retirement))
                lo = np.maximum(lo, sl.entry - self.start_abs + np.ceil(12 * ch.min_service_years)) - 1
                hi = np.minimum(np.floor(12 * ch.age_max - a) + 1, last)
                at = first + step * np.ceil(np.maximum(lo - first, 0) / step)
                near = lo + 2 > at  # the channel may open only after `at`: one try later too
                for t, use in ((at, ok & (at > first) & (at <= hi)), (at + step, ok & near & (at + step <= hi))):
                    pairs_t.append(t[use])
                    pairs_i.append(np.flatnonzero(use))
        t_all = np.concatenate(pairs_t).astype(np.int64)
        i_all = np.concatenate(pairs_i)
        keep = t_all <= last
        t_all, i_all = t_all[keep], i_all[keep]
        order = np.lexsort((i_all, t_all))
        t_all, i_all = t_all[order], i_all[order]
        tries = {}
        for t, start, end in zip(*_runs(t_all), strict=True):
            idx = np.unique(i_all[start:end])
            tries[int(t)] = idx
        return tries

    def _wait_delta(self, idx: np.ndarray, da: np.ndarray, dr: np.ndarray, m: int) -> None:
        """Add waiting weights (awaiting `da`, rotating `dr`) of surplus lines `idx` from month m on."""
        if not (da.any() or dr.any()):
            return
        sub = self.sl.take(idx)
        tot, sal = da + dr, sub.salary
        rows = 4 if self.rotating else 2  # counts and pay of all waiting (and of those rotating)
        cols = np.stack([tot, tot * sal, dr, dr * sal][:rows], axis=1)
        self.W[:rows, :, m:] += self._profile(sub, cols, m, self.M + 1, self.sl_ts[idx], self.TS).transpose(1, 0, 2)
        cols = []
        for sec in (ADMIN, INSTITUTION):  # the surplus are never temporaries
            ts = tot * (sub.sector == sec)
            cols += [ts, ts * sub.a] + [ts * (sub.kind == k) for k in range(4)] + [ts * sal * sub.hired]
        glob = self.sl_cls.profile(self.surv, np.stack(cols, axis=1), m, self.M + 1, idx)
        self.Wg[:2, :, m:] += glob.reshape(2, 7, -1)

    def _fold_reposted(self, m: int) -> None:
        """Book the people reposted since the last try as in post from month m on (their waiting profile)."""
        if not self.Phi.any():
            return
        phi = self.Phi[:, None]
        w = self.W[0, :, m:]
        self.ts_post[:, m:] += phi * w
        self.ts_post_exit[:, m + 1 :] += phi * (w[:, :-1] - w[:, 1:])
        self._reposted(phi * w, phi * self.W[1, :, m:], m, self.R3[:, :, m:], self.tw_rate[:, m:], self.PS[:, :, m:])
        self.Phi = np.zeros(self.TS)

    def _reposted(
        self, cnt: np.ndarray, sal: np.ndarray, m0: int, r3: np.ndarray, twr: np.ndarray, ps: np.ndarray
    ) -> None:
        """Costs, age and education of reposted people: `cnt`, `sal` (TS, months) from month m0, with the
        composition of their sector's waiting surplus.
        """
        m1 = m0 + cnt.shape[1]
        for k in (ADMIN, INSTITUTION):
            part = sal[k::3]
            wg = self.Wg[k, :, m0:m1]
            total_sal = self.W[1, k::3, m0:m1].sum(axis=0)
            hired = np.divide(wg[6], total_sal, out=np.zeros(m1 - m0), where=total_sal > 0)
            payer = self.sector_payer[k]
            r3[C["salary_in_post"], payer] += part.sum(axis=0) * (1 - hired)
            r3[C["salary_hires"], payer] += part.sum(axis=0) * hired
            if payer == TOWNSHIP:
                twr += part
            n = cnt[k::3].sum(axis=0)
            per = np.divide(wg[1:6], wg[0], out=np.zeros((5, m1 - m0)), where=wg[0] > 0)
            ps[k, 0] += n
            ps[k, 1:6] += n * per

    def _try(self, t: int, idx: np.ndarray, book_wait: bool = True) -> None:
        """Surplus lines `idx` try the channels open to them at month t (places and money unlimited).

        With `book_wait` false (the first try, at the reform) the waiting profile is booked afterwards.
        """
        self._fold_reposted(t)
        sl = self.sl
        now_abs = self.start_abs + t
        elig = self.static[idx] & self._eligible(idx, now_abs)
        bits = (elig * WEIGHTS).sum(axis=1)
        new = bits & ~self.U[idx]
        self.U[idx] |= bits
        first = idx[~self.tried[idx]]
        self.tried[idx] = True
        j = idx[new != 0]  # only newly open channels can be taken: the rest were declined before
        frac = self.choice[new[new != 0]]  # (lines, 7): who takes which channel now
        ca, cr = self.ca[j], self.cr[j]
        take = frac.sum(axis=1)
        if take.any():
            sub = sl.take(j)
            rho = self.rho[self.sl_ts[j]]
            fa, fr = (rho * ca)[:, None] * frac, (rho * cr)[:, None] * frac
            mass = (fa + fr) * self.surv.alive(sub.a, sub.r, t)[:, None]
            parts = np.zeros(3)
            for k in np.flatnonzero(mass.any(axis=0)):
                parts += mass[:, k] @ one_time_costs(self.channels[k], sub.salary, sub.entry, now_abs, self.wage[t])
            self._book_one_time(t, parts)
            self._divert(t, j, sub, fa, fr)
            self.ca[j], self.cr[j] = ca * (1 - take), cr * (1 - take)
            if book_wait:
                self._wait_delta(j, self.ca[j] - ca, self.cr[j] - cr, t)
        if self.s.diversion.no_channel == "rotating" and len(first):  # found nothing at the first try
            moved = self.ca[first].copy()
            self.cr[first] += moved
            self.ca[first] = 0.0
            if book_wait:
                self._wait_delta(first, -moved, moved, t)

    def _eligible(self, idx: np.ndarray, now_abs: int) -> np.ndarray:
        """Channels whose time rules lines `idx` meet now and in the month they would leave (after the
        lead time), (lines, 7).
        """
        sl = self.sl
        args = (sl.birth[idx], sl.entry[idx], sl.retire_abs[idx])
        out = eligible_at(self.channels, *args, now_abs)
        for lead in sorted({ch.lead_time_months for ch in self.channels} - {0}):
            ks = [k for k, ch in enumerate(self.channels) if ch.lead_time_months == lead]
            out[:, ks] &= eligible_at(self.channels, *args, now_abs + lead)[:, ks]
        return out

    def _book_one_time(self, t: int, parts: np.ndarray) -> None:
        """Pay this month's one-time costs from the pool, split over payers by their shares of it.

        The engine books each payment with the shares of the money put in so far; with an
        unlimited pool each payment is first topped up, so the top-up payer's share grows
        through the month — integrated here over the month's payments.
        """
        amount = parts.sum()
        if amount <= 0:
            return
        pool = self.s.pool
        put = self.put_by[:, :t].sum(axis=1)
        if t == self.R:
            put = put + self.put_by[:, t]  # contributions of the reform month come before it
        total = put.sum()
        booked = np.zeros(N_PAY)
        if pool.unlimited:  # the balance is spent first, then each payment is topped up by what is lacking
            top = P[pool.top_up_payer]
            short = max(amount - (total - self.G[PAID_F, :t].sum()), 0.0)
            if total > 0:
                booked = put / total * (amount - short)
                log = np.log((total + short) / total)
                booked += put * log
                booked[top] += short - total * log
            else:
                booked[top] = amount
            self.put_by[top, t] += short
            self.G[TOPUP_F, t] += short
        elif total > 0:
            booked = put / total * amount
        for j, comp in enumerate(ONE_TIME):
            self.O3[C[comp], :, t] += parts[j] * booked / amount
        self.G[PAID_F, t] += amount

    def _divert(self, t: int, idx: np.ndarray, sl: Lines, fa: np.ndarray, fr: np.ndarray) -> None:
        """Book surplus lines `idx` (`sl`) taking each channel at t (weights (lines, 7), awaiting and
        rotating): the lead time on the payroll, then out of it (or into an institution post), costs,
        petitions and returns.
        """
        s, M, T, TS = self.s, self.M, self.T, self.TS
        surv, ts = self.surv, self.sl_ts[idx]
        div, money = s.diversion, s.money
        f = fa + fr
        active = np.flatnonzero(f.any(axis=0))
        lead = {int(k): self.channels[k].lead_time_months for k in active}
        a_pay, r_pay = P[money.payer_allowance], P[money.payer_rotating]
        for length in sorted(set(lead.values()) - {0}):
            ks = [k for k in active if lead[k] == length]
            end, m1e = min(t + length, M + 1), min(t + length + 1, M + 1)
            ga, gr = fa[:, ks].sum(axis=1), fr[:, ks].sum(axis=1)
            own = ga * div.allowance_share * (a_pay == TOWNSHIP) + gr * div.rotating_pay_share * (r_pay == TOWNSHIP)
            per_ts = self._profile(sl, np.stack([ga + gr, own * sl.salary], axis=1), t, m1e, ts, TS)
            level, exits = _level_exit(per_ts, end - t)
            self.ts_lead[:, t:end] += level[:, 0]
            self.ts_lead_exit[:, t:m1e] += exits[:, 0]
            self.tw_rate[:, t:end] += level[:, 1].reshape(T, 3, -1).sum(axis=1)
            glob = self.sl_cls.profile(surv, np.stack([ga, gr, ga * sl.salary, gr * sl.salary], axis=1), t, end, idx)
            self.G[LEAD_A, t:end] += glob[0]
            self.G[LEAD_R, t:end] += glob[1]
            self.R3[C["allowance_awaiting"], a_pay, t:end] += glob[2] * div.allowance_share
            self.R3[C["rotating_pay"], r_pay, t:end] += glob[3] * div.rotating_pay_share
        # completions: out of the payroll (institution_vacancy: out of the old sector's)
        at_done: dict[int, np.ndarray] = {}
        alive: dict[int, np.ndarray] = {}
        for k in active:
            done = t + lead[k]
            if done > M:
                continue
            if done not in alive:
                alive[done] = surv.alive(sl.a, sl.r, done)
            at_done[k] = np.bincount(ts, f[:, k] * alive[done], TS)
            self.G[DIV_F + k, done] += at_done[k].sum()
            self.ts_leave[:, done] += at_done[k]
        if INSTITUTION_VACANCY in at_done:
            k = INSTITUTION_VACANCY
            n = len(sl)
            comp = np.full(n, C["salary_moved_institution"])
            payer = np.full(n, P[self.channels[k].recurring_payer])
            ts_iv = sl.tw * 3 + INSTITUTION
            self._in_post(sl, self.sl_cls, f[:, k], t + lead[k], M + 1, ts_iv, comp, payer, idx)
        outs = [k for k in at_done if k != INSTITUTION_VACANCY]
        if not outs:
            return
        m0 = min(t + lead[k] for k in outs)
        cols = [c for k in outs for c in (f[:, k], f[:, k] * sl.salary * self.channels[k].recurring_share)]
        glob = self.sl_cls.profile(surv, np.stack(cols, axis=1), m0, M + 1, idx)
        for j, k in enumerate(outs):
            done = t + lead[k]
            mix = None
            if k in self.chain:  # returnees come back in post: their age, education and pay, as at diversion
                w = f[:, k] * alive[done]
                parts = [np.ones(len(w)), sl.a] + [sl.kind == e for e in range(4)]
                parts += [sl.salary * (sl.hired == h) for h in (0, 1)]
                x = np.stack(parts, axis=1).astype(float)
                mix = np.stack([(w * (sl.sector == sec)) @ x for sec in (ADMIN, INSTITUTION)]) / max(w.sum(), 1e-300)
            self._diverted(k, done, glob[2 * j : 2 * j + 2, done - m0 :], at_done[k], mix)

    def _diverted(self, k: int, done: int, glob: np.ndarray, at_done: np.ndarray, mix: np.ndarray | None) -> None:
        """Book people diverted through channel k in month `done` (count and recurring pay from `done` on;
        `mix`, per sector of origin and per person diverted: share, age, four education kinds, pay of
        those not hired and hired — the returnees' composition).
        """
        M, T = self.M, self.T
        ch = self.channels[k]
        d = np.arange(M + 1 - done)
        chain = self.chain.get(k)
        still = chain[2][d] if chain is not None else np.ones(M + 1 - done)
        count = glob[0]
        self.G[DIVERTED, done:] += count * still
        share_tw = at_done.reshape(T, 3).sum(axis=1) / max(at_done.sum(), 1e-300)
        if ch.recurring_share > 0:
            comp, payer = C[CHANNEL_COMPONENT.get(k, "recurring_other")], P[ch.recurring_payer]
            self.R3[comp, payer, done:] += glob[1] * still
            if payer == TOWNSHIP:  # split over townships as they were at diversion
                self.tw_rate[:, done:] += share_tw[:, None] * (glob[1] * still)
        if chain is None:
            return
        pet, ret, g = chain
        self.G[PETITIONS_F, done:] += count * pet[d]
        self.G[RETURNS_F, done:] += count * ret[d]
        back = (1.0 - g[d]) * count
        for sec in (ADMIN, INSTITUTION):
            self.PS[sec, :, done:] += mix[sec, :COMPOSITION, None] * back
            for hired in (0, 1):
                comp = C["salary_hires"] if hired else C["salary_in_post"]
                self.R3[comp, self.sector_payer[sec], done:] += mix[sec, COMPOSITION + hired] * back
                if self.sector_payer[sec] == TOWNSHIP:
                    self.tw_rate[:, done:] += share_tw[:, None] * (mix[sec, COMPOSITION + hired] * back)
        # per township sector: those diverted from it, shaped like the channel's cohort
        shape = count / max(count[0], 1e-300)
        level = (1.0 - g[d]) * shape
        exits = np.zeros(M + 1 - done)
        exits[1:] = (1.0 - g[d[:-1]]) * (shape[:-1] - shape[1:])
        self.ts_post[:, done:] += at_done[:, None] * level
        self.ts_post_exit[:, done:] += at_done[:, None] * exits

    # ------------------------------------------------------------------ policy events
    def _policy(self, m: int, hs: np.ndarray, pay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The deadline, and inspections undoing over-establishment hires; returns the hires' state and payroll."""
        s = self.s
        rb = s.rebound
        if m == s.reform.deadline_month and s.diversion.after_deadline == "rotate":
            self.W[2, :, m:] = self.W[0, :, m:]
            self.W[3, :, m:] = self.W[1, :, m:]
            self.cr, self.ca = self.cr + self.ca, np.zeros_like(self.ca)
        interval = rb.inspection_interval_months
        if interval <= 0 or m <= self.R or (m - self.R) % interval or not self.I_eff[:, : m + 1].any():
            return hs, pay
        detect = rb.inspection_detection + (1 - rb.inspection_detection) * rb.enforcement
        d = m - np.arange(m + 1)
        standing = np.zeros((self.T, 3))
        for sector in (ADMIN, INSTITUTION):
            standing[:, sector] = self.I_eff[sector, : m + 1].T @ self.k_hire[sector].present[d]
        self.Hh[:, : m + 1] -= detect * self.I_eff[:, : m + 1]
        self.I_eff[:, : m + 1] *= 1 - detect
        gone = detect * standing.reshape(-1)
        self.G[REVERSED_F, m] += gone.sum()
        self.G[LEFT_F, m] += gone.sum()
        hs = self._hire_stats(m)
        pay = self._payroll(m, hs)
        self._vacate(m, gone - self._repost(m, gone, hs), pay)
        return hs, self._payroll(m, hs)

    # ------------------------------------------------------------------ the table
    def _table(self) -> np.ndarray:
        """All monthly columns at once, from what the months booked."""
        s, M, T = self.s, self.M, self.T
        div, money = s.diversion, s.money
        months = np.arange(M + 1)
        rho, phi = self.rho_hist, self.phi_hist
        w0, w1, w2, w3 = self.W
        hire_n = self.hire_hist[:, :, 0].T
        pay_ts = self.ts_post + self.ts_lead + (rho + phi) * w0 + hire_n
        by_sector = pay_ts.reshape(T, 3, M + 1).sum(axis=0)
        total = by_sector.sum(axis=0)
        awaiting = (rho * (w0 - w2)).sum(axis=0) + self.G[LEAD_A]
        rotating = (rho * w2).sum(axis=0) + self.G[LEAD_R]
        in_post = total - awaiting - rotating
        g = self.G.copy()
        ps = self.PS.copy()
        rate = self.R3.copy()
        twr = self.tw_rate.copy()
        a_pay, r_pay = P[money.payer_allowance], P[money.payer_rotating]
        rate[C["allowance_awaiting"], a_pay] += (rho * (w1 - w3)).sum(axis=0) * div.allowance_share
        rate[C["rotating_pay"], r_pay] += (rho * w3).sum(axis=0) * div.rotating_pay_share
        own = rho * (
            (w1 - w3) * div.allowance_share * (a_pay == TOWNSHIP) + w3 * div.rotating_pay_share * (r_pay == TOWNSHIP)
        )
        twr += own.reshape(T, 3, M + 1).sum(axis=1)
        if phi.any():
            rep_tw = np.zeros((T, M + 1))
            self._reposted(phi * w0, phi * w1, 0, rate, rep_tw, ps)
            twr += rep_tw
        hire_pay = hire_n.reshape(T, 3, M + 1) * self.hire_salary[None, :, None]
        for k in range(3):
            rate[C["salary_hires"], self.sector_payer[k]] += hire_pay[:, k].sum(axis=0)
            if self.sector_payer[k] == TOWNSHIP:
                twr += hire_pay[:, k]
        cost = rate * self.wage + self.O3
        by_comp, by_payer = cost.sum(axis=1), cost.sum(axis=0)
        gap, debt = self._finances(twr, pay_ts)
        # age and education of staff in post, per sector and in all
        tr = s.training
        p0 = 1 - np.exp(-tr.diploma_rate * np.maximum(months - tr.start_month, 0) / 12.0)
        pr = 1 - np.exp(-tr.diploma_rate * np.maximum(months - max(tr.start_month, self.R), 0) / 12.0)
        posted = (self.ts_post + phi * w0 + hire_n).reshape(T, 3, M + 1).sum(axis=0)
        hire_age = self.hire_hist[:, :, 3].T.reshape(T, 3, M + 1).sum(axis=0)
        ages = (ps[:, 1] + months * ps[:, 0]) / 12.0 + hire_age
        sec = ps[:, 2] + ps[:, 3] * p0 + ps[:, 4] * pr + self._hires_secondary(hire_n.reshape(T, 3, M + 1).sum(axis=0))
        composition = []
        for n, x in ((posted.sum(axis=0), ages.sum(axis=0)), (posted.sum(axis=0), sec.sum(axis=0))):
            composition.append(_ratio(x, n))
        by_sector_composition = []
        for k in (ADMIN, INSTITUTION):
            by_sector_composition += [_ratio(ages[k], posted[k]), _ratio(sec[k], posted[k])]
        contrib = np.cumsum(self.contrib, axis=1)
        paid = np.cumsum(g[PAID_F])
        if s.pool.unlimited:
            contrib[-1] = np.cumsum(g[TOPUP_F])
        contributed = s.pool.initial_balance + contrib.sum(axis=0)
        est = np.where(months >= self.R, 1, 0)
        est_a = np.where(est, self.est[:, ADMIN].sum(), self.old_est[:, ADMIN].sum())
        est_i = np.where(est, self.est[:, INSTITUTION].sum(), self.old_est[:, INSTITUTION].sum())
        zero = np.zeros(M + 1)
        values = [
            total,
            by_sector[ADMIN],
            by_sector[INSTITUTION],
            by_sector[TEMPORARY],
            est_a + est_i,
            est_a,
            est_i,
            in_post,
            awaiting,
            rotating,
            g[DIVERTED],
            np.cumsum(g[RETIRED_F]),
            np.cumsum(g[LEFT_F]),
            np.cumsum(g[HIRES_F]),
            *composition,
            *np.cumsum(g[DIV_F : DIV_F + N_CHANNELS], axis=1),
            *([zero] * N_CHANNELS),
            contributed,
            paid,
            contributed - paid,
            zero,
            *contrib,
            *by_comp,
            *by_payer,
            by_payer.sum(axis=0),
            by_payer[TOWNSHIP],
            by_payer[PUBLIC].sum(axis=0),
            gap,
            debt,
            np.cumsum(g[PETITIONS_F]),
            np.cumsum(g[RETURNS_F]),
            np.cumsum(g[OVERQ_F]),
            np.cumsum(g[REVERSED_F]),
            *by_sector_composition,
        ]
        named = dict(zip(self.twin_columns(), values, strict=True))
        nan = np.full(M + 1, np.nan)  # a column the engine writes and the twin does not know (yet)
        return np.stack([named.get(c, nan) for c in self.columns()], axis=1)

    def _hires_secondary(self, hires: np.ndarray) -> np.ndarray:
        """Secondary-educated among hires in post per sector (3, months), recruits with their own share."""
        rec = np.zeros((3, self.M + 1))
        if self.reformed and self.rec.any():
            d = np.arange(self.R, self.M + 1) - self.R
            for k in range(3):
                rec[k, self.R :] = self.rec[:, k].sum() * self.k_rec[k].present[d]
        share, rec_share = self.s.hiring.hire_share_secondary_plus, self.s.reform.recruit_share_secondary_plus
        return (hires - rec) * share + rec * rec_share

    def _finances(self, twr: np.ndarray, pay_ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Townships' monthly shortfall (cost above own revenue and transfers) and their debt."""
        fiscal, M = self.s.fiscal, self.M
        transfers = np.full((self.T, M + 1), fiscal.transfers)
        if self.reformed and fiscal.withhold_share > 0:
            pay = pay_ts.reshape(self.T, 3, M + 1)
            excess = pay[:, ADMIN] + pay[:, INSTITUTION] - (self.est[:, ADMIN] + self.est[:, INSTITUTION])[:, None]
            over = 1.0 - np.exp(-np.maximum(excess, 0.0))  # P(over establishment)
            over[:, : self.s.reform.deadline_month] = 0.0
            transfers *= 1 - fiscal.withhold_share * over
        gap = twr * self.wage - (fiscal.own_revenue + transfers)
        debt = np.zeros((self.T, M + 1))
        level = np.full(self.T, fiscal.initial_debt)
        for m in range(M + 1):
            level = np.maximum(level + gap[:, m], 0.0)
            debt[:, m] = level
        return np.maximum(gap, 0.0).sum(axis=0), debt.sum(axis=0)


def _ratio(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """X / n, NaN where n is (nearly) 0: a mean over nobody."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1e-9, x / np.where(n > 1e-9, n, 1.0), np.nan)


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of a sorted array with the start and end of each run."""
    if len(values) == 0:
        return values, values, values
    cut = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [len(values)]])
    return values[starts], starts, ends


def _level_exit(raw: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """From a profile over months m0 .. m0 + width (one past the state's end, or to the horizon): the
    levels over its first `width` months and the exits in each month (the first is 0), relative to m0.
    """
    exits = np.zeros_like(raw)
    exits[..., 1:] = raw[..., :-1] - raw[..., 1:]
    return raw[..., :width], exits


def project(scenario: Scenario, population: Population) -> RunResult:
    """One projection, with the no-reform counterfactual's savings columns (as `sim.engine.simulate`)."""
    shared: dict = {}
    result = Projection(scenario, population, shared).run()
    twin = None
    if scenario.money.counterfactual and scenario.reform.enabled:
        twin = Projection(no_reform(scenario), population, shared).run()
    return _with_counterfactual(scenario, result, twin)


def simulate_expected(scenario: Scenario, population: Population, seed: int, replication: int) -> RunResult:
    """The twin behind the engine's replication signature (for sweeps): the same table whatever the seed."""
    result = project(scenario, population)
    return RunResult(replication, result.columns, result.monthly, None)


def expected(scenario: Scenario, population: Population | None = None, seed: int | None = None) -> Results:
    """The expected-value twin of `scenario`: `Results` with one replication (0) and the engine's columns.

    The population is the engine's (`build_population(scenario, seed)`, seed defaulting to
    `run.seed`), so the twin and `sim.run` describe the same people.
    """
    seed = scenario.run.seed if seed is None else seed
    t0 = time.perf_counter()
    pop = build_population(scenario, seed) if population is None else population
    t1 = time.perf_counter()
    result = project(scenario, pop)
    t2 = time.perf_counter()
    timings = {"population_s": t1 - t0, "replications_s": t2 - t1, "per_replication_s": t2 - t1}
    return Results(
        scenario, seed, 1, monthly_frame([(0, result.columns, result.monthly)]), None, timings, engine="expected"
    )

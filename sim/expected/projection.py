"""The expected-value twin: a deterministic cohort projection of the engine's mechanisms.

`expected(scenario)` returns the same `Results` as `sim.run` — one "replication" 0, the
engine's monthly columns — without drawing a random number. Every person of the month-0
population (the engine's own, from `build_population`) is a *line* carrying expected shares
of being in each state; hires are cohorts by sector, month and township. Attrition does
not depend on state in the engine (each exit month is drawn once), so a line's mass in a
state is its share times its survival, and whole months are booked at once ("profiles":
city-wide by survival class, per township sector as difference arrays that the loop sums as
it passes the months, see `Ahead`). A monthly loop carries only what feeds back: payroll
against establishment, reposting, hire credit, hires. It is the planner's spreadsheet view
and a screening engine for sweeps.

Mechanisms, in the engine's order within a month (exits; diversion tries and completions;
policy events; hires):

- attrition: the engine's death and quit hazards (flat or by age band, by sex if bands say
  so) as exact survival per person and month, retirement at the statutory month (phased
  raise included); hires
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
- costs: recurring rates by component and payer × wage index, one-time costs charged to
  payers pro rata to what each still has in the pool (`sim.engine.funds`, as the engine;
  an unlimited pool spends its balance first and the top-up payer pays what it lacks);
  township finances and debt, capacity following `fiscal.index`; pool contributions with
  their expected timing and amounts;
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

- queues never bind: places and money are unlimited, so the twin's take-up
  of a binding channel is an upper bound — while channels later in the order that blocked
  people fall back on can be lower; `queue_*`, `pool_waiting` and `pool_dry` are 0,
  `pool_balance` is contributions minus payments (negative: money the twin assumed, charged
  pro rata to what each payer has put in); so the pool's discipline plays no part;
- retirement pay: of the month-0 staff only (hires and returnees retiring within the horizon
  are left out);
- the surplus of a township sector is new establishment minus *expected* candidates; merit
  and seniority posting keep the lines above a threshold per township sector at which the
  expected number above equals the posts (merit: the weighted z-scores with normal noise;
  seniority: entry month with its tie-break); joint posting likewise, administrative
  posts first;
- `institution_vacancy` is never taken at a try: each month's expected institution vacancies
  (posts below establishment freed by leavers, before they earn hire credit) are filled by
  min(vacancies, the waiting surplus of its sectors × its take-up), thinning them evenly like
  reposting; the placed count as in post in their own township sector (city totals right);
- rebound: `regrowth` is returnees on the payroll plus over-establishment hires still standing;
  the request rate and the derived re-growth columns come from `sim.engine.rebound_rules`;
- reposting takes E[min(freed posts, waiting)] for Poisson counts per township sector (at
  most the expected posts below establishment) and thins every waiting person there alike
  (the engine takes the best first); the reposted have the age, education and pay of their
  sector's waiting surplus in the city;
- hire credit: a vacancy earns credit for its part below the expected room; hires are
  min(credit, room), fractional (the engine hires whole people); over-establishment
  approvals and transfer withholding use Poisson probabilities of being at or over
  establishment given the expected room;
- pre-reform hires who become surplus are typical hires per township sector (mean age and
  entry, the education and sex/status mix — with sex-specific hazards, the mix at hiring, not
  as survival has shifted it); hires' phased-raise retirement is evaluated for a hire at the
  reform month;
- returnees keep the age, education and pay mix of their cohort at diversion, and spread
  over townships (like the recurring costs of the diverted) as they were at diversion;
- adverse selection assumes merit independent of eligibility; random contributions (late,
  short) enter with expected amounts and timing; diplomas after diverting are ignored.

Columns: all of the engine's, in its order. None is NaN except the surplus's paths (`SURPLUS_COLUMNS`, engine
only), the mean ages and
secondary shares (all, and by sector) with nobody in post, and the savings columns when no
counterfactual is run (as in the engine).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from sim.engine.attrition import retirement_abs_month
from sim.engine.diversion import EXIT_CHANNELS, INSTITUTION_VACANCY, static_eligibility
from sim.engine.funds import fiscal_index, pro_rata, retirement_payer
from sim.engine.geography import single_city
from sim.engine.ledger import CHANNEL_COMPONENT, COMPONENTS, LEDGER_COLUMNS, PUBLIC, C, P
from sim.engine.model import (
    COUNTERFACTUAL_COLUMNS,
    SECTOR_COLUMNS,
    RunResult,
    monthly_columns,
    no_reform,
    with_counterfactual,
)
from sim.engine.pool import TOP_UP
from sim.engine.rebound import REBOUND_COLUMNS
from sim.engine.rebound_rules import DERIVED_COLUMNS, fill_derived, request_rate
from sim.engine.states import columns_for
from sim.errors import InputError
from sim.expected.ahead import Ahead
from sim.expected.cohorts import (
    N_CHANNELS,
    WEIGHTS,
    ChannelRules,
    Classes,
    Kernel,
    Survival,
    adverse_nodes,
    choice_table,
    expected_min,
    hire_kernel,
    keep_shares,
    one_time_costs,
    open_bits,
    petition_chain,
    small_unique,
    unique_rows,
)
from sim.experiment.results import Results, monthly_frame, monthly_table
from sim.population.build import build_population
from sim.population.table import ADMIN, INSTITUTION, SECONDARY, SECTORS, TEMPORARY, Population
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
BACK = DIV_F + N_CHANNELS  # returnees on the payroll (a level, not a flow)
STANDING = BACK + 1  # over-establishment hires on the payroll (a level)
N_ROWS = STANDING + 1
COUNTERFACTUAL_COSTS = ("cost_township", "cost_government")  # what `with_counterfactual` takes of a counterfactual
# blocks of rows booked ahead (`Ahead`), one row per township sector (township-paid rate: per township)
(
    POST,  # lines in post
    POST_EXIT,  # ... their exits
    TW_RATE,  # township-paid recurring rate, per township
    LEAD,  # surplus serving a lead time
    LEAD_EXIT,
    LATE,  # waiting booked after some of it was reposted, times the share reposted by then (see F)
    W0,  # waiting surplus, unscaled: count, salary, count rotating, salary rotating
    W1,
    W2,
    W3,
) = range(10)
N_BLOCKS = 10
IV_BIT = 1 << INSTITUTION_VACANCY  # institution vacancies: taken as they open, never at a try
LIVE = slice(POST, W0 + 1)  # the blocks the month loop reads


@dataclass
class Lines:
    """People (or typical hires) as parallel arrays: the twin's unit of account."""

    a: np.ndarray  # age in months at month 0
    h: np.ndarray  # survival index (`Survival.index`): the age, shifted for women if hazards differ by sex
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

    lines: Lines
    surv: Survival
    cls: Classes
    k_hire: list[Any]
    k_rec: list[Any]
    k_hire_rev: np.ndarray
    k_rec_table: np.ndarray

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
        self.rules = ChannelRules.of(self.channels)
        if "lines" not in self.shared:
            self._base_lines(population)
            self._kernels()
            self.shared.update(
                lines=self.lines,
                surv=self.surv,
                cls=self.cls,
                kernels=(self.k_hire, self.k_rec, self.k_hire_rev, self.k_rec_table),
            )
        else:
            self.lines, self.surv, self.cls = self.shared["lines"], self.shared["surv"], self.shared["cls"]
            self.k_hire, self.k_rec, self.k_hire_rev, self.k_rec_table = self.shared["kernels"]
        self._townships(population)
        self.hire_age0 = np.tile([k.age[0] for k in self.k_hire], T)  # age of a new hire, per township sector
        self._contributions()
        self.G = np.zeros((N_ROWS, M + 1))
        self.PS = np.zeros((3, COMPOSITION, M + 1))  # lines in post by sector: see COMPOSITION
        self.R3 = np.zeros((N_COMP, N_PAY, M + 1))  # recurring cost rates at month-0 wages
        self.O3 = np.zeros((N_COMP, N_PAY, M + 1))  # one-time payments
        self.ahead = Ahead(self.surv, N_BLOCKS, TS, M + 1)  # see POST ..
        sector = np.arange(TS) % 3  # township sectors whose staff the townships pay
        self.township_paid = (sector != TEMPORARY) & (self.sector_payer[sector] == TOWNSHIP)
        self.sector_rows = np.stack([sector == k for k in (ADMIN, INSTITUTION)]).astype(float)
        self.ts_leave = np.zeros((TS, M + 1))  # payroll left by completed diversions
        self.Wg = np.zeros((3, 7, M + 1))  # ... by sector: count, age, four education kinds, salary of hires
        self.Hh = np.zeros((3, M + 1, T))  # hires by sector, month, township
        self.I_eff = np.zeros((3, M + 1, T))  # the over-establishment ones still standing
        self.rec = np.zeros((T, 3))  # outside recruits at the reform
        self.rec_any = False
        self.credit = np.zeros(TS)
        self.ripe = np.zeros((M + 2, TS))  # hire credit ripening, by month
        self.rho = np.ones(TS)  # share of the waiting surplus not yet reposted
        self.Phi = np.zeros(TS)  # share reposted since the last try
        # share reposted until the last try: those in post include F × the waiting (W0) less LATE, the
        # waiting booked at later tries times F then — the waiting profile at each try, not as it grew after
        self.F = np.zeros(TS)
        self.F_hist = np.zeros((M + 1, TS))
        self.rho_hist = np.ones((M + 1, TS))
        self.phi_hist = np.zeros((M + 1, TS))
        self.hire_hist = np.zeros((M + 1, TS, 4))
        self.reformed = False
        self.tries: dict[int, np.ndarray] = {}
        self.freeze_end = self.R + scenario.hiring.freeze_months
        rb = scenario.rebound
        self.overquota_on = rb.request_rate > 0 and rb.enforcement < 1
        self.iv_on = False  # the institution vacancy channel takes people (set with the surplus)
        self.staff_at_reform = np.zeros(T)

    # ------------------------------------------------------------------ set-up
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

    def _contributions(self) -> None:
        """Expected pool contributions per contributor and payer, by month."""
        M, pool = self.M, self.s.pool
        self.names = [c.name for c in pool.contributors] + [TOP_UP]
        self.contrib = np.zeros((len(self.names), M + 1))
        self.put_by = np.zeros((N_PAY, M + 1))  # money put into the pool per payer, by month (not top-ups)
        self.held = np.zeros(N_PAY)  # each payer's money still in the pool, contributions to month `_added`
        self._added = 0
        self.charged = np.zeros((N_PAY, M + 1))  # pool payments charged per payer, by month
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
    def _book_ts(
        self,
        a: np.ndarray,
        r: np.ndarray,
        count: np.ndarray,
        own: np.ndarray,
        ts: np.ndarray,
        m0: int,
        m1: int,
        block: int,
        ahead: Ahead | None = None,
    ) -> None:
        """Book lines (ages `a`, leaving `r`) with weights `count` to township-sector rows `ts` of `block` over
        months [m0, m1), their exits to the next block and township-paid pay `own` to the townships' rows
        (in `ahead`, by default the projection's).
        """
        TS, ahead = self.TS, self.ahead if ahead is None else ahead
        rows = np.stack([ts + block * TS, ts // 3 + TW_RATE * TS], axis=1)
        ahead.book(a, r, rows, np.stack([count, own], axis=1), m0, m1)
        ahead.book(a, r, (ts + (block + 1) * TS)[:, None], count[:, None], m0, m1, exits=True)

    def _in_post(
        self,
        ln: Lines,
        cls: Classes,
        c: np.ndarray,
        m0: int,
        m1: int,
        ts_of: np.ndarray,
        comp: int,
        payer: np.ndarray | int,
        idx: np.ndarray | None = None,
    ) -> None:
        """Book lines in post with weights `c` in months [m0, m1): levels, exits, costs, age, education.

        `ln` are the lines of `cls`, and `c`, `ts_of` (and `payer`, if not one for all) are theirs, or those
        of its lines at `idx`; `payer` pays their component `comp`.
        """
        m1 = min(m1, self.M + 1)
        live = np.flatnonzero(c)
        if m0 >= m1 or len(live) == 0:
            return
        at = live if idx is None else idx[live]
        a, r, salary, c, ts_of = ln.a[at], ln.r[at], ln.salary[at], c[live], ts_of[live]
        payer = np.asarray(payer)[live] if np.ndim(payer) else np.full(len(live), payer)
        self._book_ts(ln.h[at], r, c, c * salary * (payer == TOWNSHIP), ts_of, m0, m1, POST)
        glob = self._post_glob(cls, at, a, ln.kind[at], salary, c, ts_of % 3, comp * N_PAY + payer, m0, m1)
        self._book_glob(*glob, m0)

    def _post_glob(
        self,
        cls: Classes,
        idx: np.ndarray,
        a: np.ndarray,
        kind: np.ndarray,
        salary: np.ndarray,
        c: np.ndarray,
        sector: np.ndarray,
        code: np.ndarray,
        m0: int,
        m1: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """City-wide profiles over [m0, m1) of lines `idx` of `cls` in post with weights `c`: the composition
        per sector (see COMPOSITION), then pay by component and payer (`code`), with those combinations.
        """
        combos, combo = small_unique(code)
        base = sector * COMPOSITION
        cols = np.stack([base, base + 1, base + 2 + kind, 3 * COMPOSITION + combo], axis=1)
        values = np.stack([c, c * a, c, c * salary], axis=1)
        q = 3 * COMPOSITION + len(combos)
        return cls.profile_entries(self.surv, cols, values, q, m0, m1, idx), combos

    def _book_glob(self, glob: np.ndarray, combos: np.ndarray, m0: int) -> None:
        """Book city-wide profiles from `_post_glob` from month m0 on."""
        m1 = m0 + glob.shape[-1]
        self.PS[:, :, m0:m1] += glob[: 3 * COMPOSITION].reshape(3, COMPOSITION, -1)
        for j, code in enumerate(combos):
            self.R3[code // N_PAY, code % N_PAY, m0:m1] += glob[3 * COMPOSITION + j]

    def _system(self, ln: Lines, cls: Classes, c: np.ndarray, m0: int, sign: float = 1.0) -> None:
        """Retirements and other exits from month m0 + 1 on of lines with total weights `c` (whatever their state)."""
        M = self.M
        if m0 >= M or not c.any():
            return
        level = cls.profile(self.surv, c, m0, M + 1)[0]
        ret = self.surv.retired_flow(ln.h, ln.r, c, m0, M)
        self.G[RETIRED_F] += sign * ret
        self.G[LEFT_F, m0 + 1 :] += sign * (level[:-1] - level[1:] - ret[m0 + 1 :])

    # ------------------------------------------------------------------ run
    def run(self, costs_only: bool = False) -> RunResult:
        """Project month by month to the horizon; the monthly table in the engine's columns (or only the
        costs a counterfactual gives, `COUNTERFACTUAL_COSTS`).
        """
        M, R = self.M, self.R
        self._month0_people()
        lag, ratio = self.s.hiring.refill_lag_months, self.s.hiring.pre_reform_replacement
        for m in range(M + 1):
            hs = self._hire_stats(m)
            if m > 0:
                _, exits, retired, _ = hs.sum(axis=0)
                self.G[RETIRED_F, m] += retired
                self.G[LEFT_F, m] += exits - retired
            if self.reformed:
                hs = self._month(m, hs)
            else:
                if m > 0 and ratio > 0 and m + lag <= M and (m + lag < R or not self.reform_on):
                    self.ripe[m + lag] += ratio * (self._at(m, POST_EXIT) + hs[:, 1])  # leavers replaced
                if m == R:
                    self._reform(m, hs)
                    hs = self._hire_stats(m)
                    self._vacate(m, self.ts_leave[:, m], self._payroll(m, hs))
                    self._policy(m, hs, self._payroll(m, hs))
                elif self.ripe[m].any():
                    hires = self.ripe[m]
                    self.Hh[:, m] += hires.reshape(self.T, 3).T
                    self.G[HIRES_F, m] += hires.sum()
                    hs[:, 0] += hires
                    hs[:, 3] += hires * self.hire_age0
            self.hire_hist[m] = hs
            self.rho_hist[m] = self.rho
            self.phi_hist[m] = self.Phi
            self.F_hist[m] = self.F
        series, F = self.ahead.series().transpose(0, 2, 1), self.F_hist.T  # (blocks, township sectors, months)
        self.W = series[W0 : W3 + 1]
        self.ts_post = series[POST] + F * self.W[0] - series[LATE]
        self.ts_lead = series[LEAD]
        own = self.township_paid[:, None] * F * self.W[1]  # the reposted (LATE's pay was booked to TW_RATE)
        self.tw_rate = series[TW_RATE, : self.T] + own.reshape(self.T, 3, M + 1).sum(axis=1)
        if costs_only:
            return RunResult(0, COUNTERFACTUAL_COSTS, self._costs(), None)
        return RunResult(0, self.columns(), self._table(), None)

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

    def _month(self, m: int, hs: np.ndarray) -> np.ndarray:
        """A month after the reform: exits and reposting, tries, completions, policy events, hires."""
        ahead = self.ahead
        now = ahead.at(m, LIVE)
        late, waiting = ahead.passed(m - 1, slice(LATE, W0 + 1))
        fall = waiting - now[W0]
        exits = now[POST_EXIT] + self.F * fall - (late - now[LATE])  # see F
        freed = exits + self.Phi * fall + hs[:, 1]
        if self.s.diversion.repost_on_vacancy:
            freed = freed - self._repost(m, freed, hs)
        leave = freed + self.rho * fall + now[LEAD_EXIT]
        if m in self.tries:
            self._try(m, self.tries[m])
        pay = self._payroll(m, hs)
        self._vacate(m, leave + self.ts_leave[:, m], pay)
        hs, pay = self._policy(m, hs, pay)
        hires = self._hire(m, pay)
        hs[:, 0] += hires
        hs[:, 3] += hires * self.hire_age0
        if self.overquota_on:  # over-establishment hires still on the payroll (re-growth)
            d = m - np.arange(m + 1)
            self.G[STANDING, m] = sum(
                self.I_eff[k, : m + 1].sum(axis=1) @ self.k_hire[k].present[d] for k in (ADMIN, INSTITUTION)
            )
        return hs

    def _at(self, m: int, block: int) -> np.ndarray:
        """The rows of `block` in month m as booked so far."""
        return self.ahead.at(m, slice(block, block + 1))[0]

    def columns(self) -> tuple[str, ...]:
        """The engine's monthly columns for this scenario (before the counterfactual's), in its order."""
        return monthly_columns(self.s)[: -len(COUNTERFACTUAL_COLUMNS)]

    def twin_columns(self) -> tuple[str, ...]:
        """The columns the twin computes, in the order `_table` computes them."""
        return (*columns_for(self.names), *LEDGER_COLUMNS, *REBOUND_COLUMNS, *SECTOR_COLUMNS)

    # ------------------------------------------------------------------ hires
    def _hire_stats(self, m: int) -> np.ndarray:
        """Hires in post, their exits, retirements and age-years in month m, per township sector (TS, 4)."""
        out = np.matmul(self.Hh[:, : m + 1].transpose(0, 2, 1), self.k_hire_rev[:, self.M - m :])  # (3, T, 4)
        if self.reformed and self.rec_any:
            out += self.rec.T[:, :, None] * self.k_rec_table[:, m - self.R, None]
        return out.transpose(1, 0, 2).reshape(self.TS, 4)

    def _payroll(self, m: int, hs: np.ndarray) -> np.ndarray:
        """Expected payroll per township sector now."""
        now = self.ahead.at(m, LIVE)
        return self._post(now) + now[LEAD] + (self.rho + self.Phi) * now[W0] + hs[:, 0]

    def _post(self, now: np.ndarray) -> np.ndarray:
        """Lines in post per township sector from the blocks `LIVE` of a month, the reposted included."""
        return now[POST] + self.F * now[W0] - now[LATE]

    def _room(self, pay: np.ndarray) -> np.ndarray:
        """Posts free below establishment per township sector (none for temporaries)."""
        room = self.est_flat - pay
        room[TEMPORARY::3] = 0.0
        return room

    def _vacate(self, m: int, leave: np.ndarray, pay: np.ndarray) -> None:
        """Payroll left in each township sector after the reform opens posts where below establishment: an
        institution post goes to the surplus waiting for it (`_fill_vacancies`), the rest earn hire credit.
        """
        hiring = self.s.hiring
        vacant = np.clip(self._room(pay), 0.0, leave)
        if self.iv_on:
            inst = vacant[INSTITUTION::3]
            total = inst.sum()
            placed = self._fill_vacancies(m, total) if total > 1e-12 else 0.0
            vacant[INSTITUTION::3] = inst * (1.0 - placed / total) if placed > 0 else inst
        when = max(m + hiring.refill_lag_months, self.freeze_end)
        if hiring.replacement_ratio > 0 and when <= self.M:
            self.ripe[when] += hiring.replacement_ratio * vacant

    def _fill_vacancies(self, m: int, vacancies: float) -> float:
        """`vacancies` institution posts opening in month m, taken by the waiting surplus of the whole city in
        the channel's sectors who would take it: min(vacancies, those willing), thinning every waiting person
        of those township sectors alike, as reposting does (the engine takes the best first). They count as in
        post where they waited, with their sector's pay. Returns those placed.
        """
        k = INSTITUTION_VACANCY
        waiting = self.rho * self.ahead.at(m, slice(W0, W0 + 1))[0] * self.iv_ts
        take = float(self.choice[IV_BIT, k])
        willing = float(waiting.sum()) * take
        if willing <= 1e-12:
            return 0.0
        f = min(1.0, vacancies / willing)
        share = f * take * self.iv_ts
        self.Phi += self.rho * share
        self.rho *= 1.0 - share
        if m + self.rules.lead[k] <= self.M:
            self.G[DIV_F + k, m + int(self.rules.lead[k])] += f * willing
        return f * willing

    def _hire(self, m: int, pay: np.ndarray) -> np.ndarray:
        """After the reform: credit ripening this month becomes hires into room below establishment,
        and over-establishment requests are approved.
        """
        ripe = self.ripe[m]
        self.credit += ripe
        hires = np.where(ripe > 0, np.minimum(self.credit, np.maximum(self._room(pay), 0.0)), 0.0)
        self.credit -= hires
        if self.overquota_on and m > self.R:
            hires.reshape(self.T, 3)[:, :2] += self._overquota(m, pay + hires)
        self.Hh[:, m] += hires.reshape(self.T, 3).T
        self.G[HIRES_F, m] += hires.sum()
        return hires

    def _overquota(self, m: int, pay: np.ndarray) -> np.ndarray:
        """Over-establishment hiring requests approved this month, per township and sector (administrative,
        institution).
        """
        rb = self.s.rebound
        pay = pay.reshape(self.T, 3)[:, :2]
        staff = np.maximum(pay[:, ADMIN] + pay[:, INSTITUTION], 1.0)
        rate = request_rate(self.s, m, self.staff_at_reform / staff)
        full = np.exp(-np.maximum(self.est[:, :2] - pay, 0.0))  # P(no post free below establishment)
        out = (1.0 - np.exp(-rate))[:, None] * (0.5 * (1.0 - rb.enforcement)) * full
        self.I_eff[:2, m] += out.T
        self.G[OVERQ_F, m] += out.sum()
        return out

    # ------------------------------------------------------------------ exits
    def _repost(self, m: int, freed: np.ndarray, hs: np.ndarray) -> np.ndarray:
        """Freed posts taken by waiting surplus of the same township sector, thinning it evenly — as
        long as staff in post stay below establishment (never temporaries).
        """
        taken = np.zeros(self.TS)
        if not self.s.diversion.repost_on_vacancy:
            return taken
        now = self.ahead.at(m, LIVE)
        w0 = now[W0]
        waiting = self.rho * w0
        below = self._room(self._post(now) + self.Phi * w0 + hs[:, 0])  # in post, after exits
        can = np.flatnonzero((below > 0) & (waiting > 0))  # elsewhere none are taken
        if len(can) == 0:
            return taken
        taken[can] = np.minimum(expected_min(freed[can], waiting[can]), below[can])
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
        self.rec_any = bool(self.rec.any())
        self.G[HIRES_F, m] += self.rec.sum()
        surplus, weight = self._posting(m, np.maximum(self.est - self.rec, 0.0))
        self._start_diversion(m, surplus, weight)
        # hiring: unused credit lapses; room below the new establishment earns credit
        self.credit[:] = 0.0
        self.ripe[m:] = 0.0
        hs = self._hire_stats(m)
        when = max(m + s.hiring.refill_lag_months, self.freeze_end)
        if s.hiring.replacement_ratio > 0 and when <= self.M:
            room = self._room(self._payroll(m, hs) + self._surplus_now(m).reshape(-1))
            self.ripe[when] += np.maximum(room, 0.0) * s.hiring.replacement_ratio
        pay = self._payroll(m, hs).reshape(T, 3) + self._surplus_now(m)
        self.staff_at_reform = pay[:, ADMIN] + pay[:, INSTITUTION]
        if m in self.tries:
            self._try(m, self.tries[m], book_wait=False)
        self._wait_delta(np.arange(len(self.sl)), self.ca, self.cr, m)

    def _surplus_now(self, m: int) -> np.ndarray:
        """The surplus per township and sector at the reform, (T, 3)."""
        sl = self.sl
        mass = (self.ca + self.cr) * self.surv.alive(sl.h, sl.r, m)
        return np.bincount(self.sl_ts, mass, self.TS).reshape(self.T, 3)

    def _posting(self, m: int, posts: np.ndarray) -> tuple[Lines, np.ndarray]:
        """Competitive posting: the kept are booked in post; the surplus returned as lines with weights."""
        ln, M, T = self.lines, self.M, self.T
        n_base = len(ln)
        hires, hire_mass = self._typical_hires(m)
        lines = Lines.concat([ln, hires])
        alive = self.surv.alive(ln.h, ln.r, m) * (ln.sector != TEMPORARY)
        mass = np.concatenate([alive, hire_mass])
        keep_a, keep_i = self._keep(lines, mass, posts, m)
        comp = C["salary_in_post"]
        ka, ki = keep_a[:n_base] * (alive > 0), keep_i[:n_base] * (alive > 0)
        if self.s.reform.joint_posting:
            for keep, sector in ((ka, ADMIN), (ki, INSTITUTION)):
                self._in_post(ln, self.cls, keep, m, M + 1, ln.tw * 3 + sector, comp, self.sector_payer[sector])
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
            weight[typical] = lose[pick[typical]] / self.surv.alive(surplus.h[typical], surplus.r[typical], m)
            sub = surplus.take(np.flatnonzero(typical))
            self._system(sub, Classes(sub.h, sub.r), weight[typical], m)
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
        a = np.maximum(self.start_abs - birth, 0)
        return Lines(
            a=a,
            h=self.surv.index(a, female),
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
        first, inverse = unique_rows(lines.tw, lines.sector, signature, lines.retire_abs, merit_edu)
        return lines.take(first), np.bincount(inverse, mass, len(first))

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
        self.sl_cls = Classes(sl.h, sl.r)
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
        self.static_bits = np.packbits(self.static, axis=1, bitorder="little")[:, 0].astype(np.int64)
        take = np.array([ch.acceptance * ch.exam_pass_rate for ch in self.channels])
        exits = np.isin(np.arange(N_CHANNELS), EXIT_CHANNELS).astype(float)
        if div.adverse_selection:
            z, zw = adverse_nodes(reform.selection_rule)
            shifts = div.adverse_selection * z
        else:
            shifts, zw = np.zeros(1), np.ones(1)
        self.choice = choice_table(allowed, base, take, div.preference_noise, shifts, zw, exits)
        self.iv_on = bool(allowed[INSTITUTION_VACANCY])
        sectors = [SECTORS.index(x) for x in self.channels[INSTITUTION_VACANCY].sectors]
        self.iv_ts = np.isin(np.arange(self.TS) % 3, sectors).astype(float)  # township sectors it takes from
        self.choice_total = self.choice.sum(axis=1)  # P(any channel is taken | the mask of those newly open)
        self.choice_cols = np.ascontiguousarray(self.choice.T)
        # tries: from the reform (or the end of protection), every retry_months, until the drive stops
        last = reform.deadline_month if div.after_deadline != "keep_queueing" else self.M
        first = np.where(sl.protected & (reform.protection_months > 0), m + reform.protection_months, m)
        self.tries = self._try_schedule(sl, first, last, div.retry_months)
        chance = rb.return_success * (1.0 - rb.enforcement)
        self.chain: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
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
                lines = np.flatnonzero(self.static[:, k])
                if len(lines) == 0:
                    continue
                ak, fk = a[lines], first[lines]
                lo = np.ceil(12 * ch.age_min - ak)
                if ch.max_years_to_retirement is not None:
                    to_retire = sl.retire_abs[lines] - self.start_abs
                    lo = np.maximum(lo, to_retire - np.floor(12 * ch.max_years_to_retirement))
                lo = np.maximum(lo, sl.entry[lines] - self.start_abs + np.ceil(12 * ch.min_service_years)) - 1
                hi = np.minimum(np.floor(12 * ch.age_max - ak) + 1, last)
                at = fk + step * np.ceil(np.maximum(lo - fk, 0) / step)
                near = lo + 2 > at  # the channel may open only after `at`: one try later too
                for t, use in ((at, (at > fk) & (at <= hi)), (at + step, near & (at + step <= hi))):
                    pairs_t.append(t[use])
                    pairs_i.append(lines[use])
        t_all = np.concatenate(pairs_t).astype(np.int64)
        i_all = np.concatenate(pairs_i)
        keep = t_all <= last
        months, row = small_unique(t_all[keep])  # tries are never before the reform
        hit = np.zeros((len(months), len(sl)), dtype=bool)
        hit[row, i_all[keep]] = True
        return {int(t): np.flatnonzero(lines) for t, lines in zip(months, hit, strict=True)}

    def _wait_delta(self, idx: np.ndarray, da: np.ndarray, dr: np.ndarray, m: int) -> None:
        """Add waiting weights (awaiting `da`, rotating `dr`) of surplus lines `idx` from month m on."""
        if not (da.any() or dr.any()):
            return
        sl = self.sl
        tot, sal = da + dr, sl.salary[idx]
        n = 4 if self.rotating else 2  # counts and pay of all waiting (and of those rotating)
        ts = self.sl_ts[idx]
        blocks = [W0, W1, W2, W3][:n]
        columns = [tot, tot * sal, dr, dr * sal][:n]
        rows = ts[:, None] + np.array(blocks) * self.TS
        if self.F.any():  # some of the waiting were reposted already: this booking is not theirs (see F)
            late = self.F[ts]
            own = self.township_paid[ts]
            rows = np.concatenate([rows, np.stack([ts + LATE * self.TS, ts // 3 + TW_RATE * self.TS], axis=1)], axis=1)
            columns += [columns[0] * late, -columns[1] * late * own]
        self.ahead.book(sl.h[idx], sl.r[idx], rows, np.stack(columns, axis=1), m, self.M + 1)
        # by sector (the surplus are never temporaries): count, age, four education kinds, pay of hires
        base = sl.sector[idx] * 7
        cols = np.stack([base, base + 1, base + 2 + sl.kind[idx], base + 6], axis=1)
        values = np.stack([tot, tot * sl.a[idx], tot, tot * sal * sl.hired[idx]], axis=1)
        glob = self.sl_cls.profile_entries(self.surv, cols, values, 14, m, self.M + 1, idx)
        self.Wg[:2, :, m:] += glob.reshape(2, 7, -1)

    def _fold_reposted(self, m: int) -> None:
        """Fold the people reposted since the last try into those in post from month m on (see F)."""
        phi = self.Phi
        if not phi.any():
            return
        # per sector: count and pay of the reposted, pay of all waiting, as booked now
        by = self.sector_rows
        zero = np.zeros_like(by)
        weights = np.block([[by * phi, zero], [zero, by * phi], [zero, by]])
        series = self.ahead.combine(slice(W0, W1 + 1), weights.reshape(6, 2, -1), m).reshape(3, 2, -1)
        self._reposted(series[0], series[1], series[2], m, self.R3[:, :, m:], self.PS[:, :, m:])
        self.F += phi
        self.Phi = np.zeros(self.TS)

    def _reposted(
        self, count: np.ndarray, pay: np.ndarray, waiting_pay: np.ndarray, m0: int, r3: np.ndarray, ps: np.ndarray
    ) -> None:
        """Costs, age and education of reposted people: `count`, `pay` (administrative and institution
        sector, months) from month m0, with the composition of their sector's waiting surplus (`waiting_pay`
        the pay of all waiting).
        """
        m1 = m0 + count.shape[1]
        for j, k in enumerate((ADMIN, INSTITUTION)):
            wg = self.Wg[k, :, m0:m1]
            total_sal = waiting_pay[j]
            hired = np.divide(wg[6], total_sal, out=np.zeros(m1 - m0), where=total_sal > 0)
            payer = self.sector_payer[k]
            r3[C["salary_in_post"], payer] += pay[j] * (1 - hired)
            r3[C["salary_hires"], payer] += pay[j] * hired
            per = np.divide(wg[1:6], wg[0], out=np.zeros((5, m1 - m0)), where=wg[0] > 0)
            ps[k, 0] += count[j]
            ps[k, 1:6] += count[j] * per

    def _try(self, t: int, idx: np.ndarray, book_wait: bool = True) -> None:
        """Surplus lines `idx` try the channels open to them at month t (places and money unlimited).

        With `book_wait` false (the first try, at the reform) the waiting profile is booked afterwards.
        """
        self._fold_reposted(t)
        sl = self.sl
        args = (sl.birth[idx], sl.entry[idx], sl.retire_abs[idx], self.start_abs + t)
        bits = open_bits(self.rules, self.static_bits[idx], *args) & ~IV_BIT  # vacancies are not there at a try
        new = bits & ~self.U[idx]
        self.U[idx] |= bits
        first = idx[~self.tried[idx]]
        self.tried[idx] = True
        fresh = np.flatnonzero(new)  # only newly open channels can be taken: the rest were declined before
        j, new = idx[fresh], new[fresh]
        take = self.choice_total[new]
        if take.any():
            ca, cr = self.ca[j], self.cr[j]
            rho = self.rho[self.sl_ts[j]]
            self._divert(t, j, new, rho * ca, rho * cr)
            self.ca[j], self.cr[j] = ca * (1 - take), cr * (1 - take)
            if book_wait:
                self._wait_delta(j, self.ca[j] - ca, self.cr[j] - cr, t)
        if self.s.diversion.no_channel == "rotating" and len(first):  # found nothing at the first try
            moved = self.ca[first].copy()
            self.cr[first] += moved
            self.ca[first] = 0.0
            if book_wait:
                self._wait_delta(first, -moved, moved, t)

    def _book_one_time(self, t: int, parts: np.ndarray) -> None:
        """Pay this month's one-time costs from the pool, charged as the engine charges them.

        The payers' money still in the pool (`held`) pays pro rata (`funds.pro_rata`); an unlimited
        pool's top-ups pay what the balance lacks and are charged to the top-up payer alone. What a
        limited pool lacks (the twin does not queue) is money it assumes, charged pro rata to
        what each payer has put in so far.
        """
        amount = parts.sum()
        if amount <= 0:
            return
        pool = self.s.pool
        upto = t + 1 if t == self.R else t  # contributions of the reform month come before it
        while self._added < upto:
            self.held += self.put_by[:, self._added]
            self._added += 1
        draw = min(amount, float(self.held.sum()))
        booked = pro_rata(self.held, draw)
        self.held = np.maximum(self.held - booked, 0.0)
        short = amount - draw
        if short > 0 and pool.unlimited:
            booked[P[pool.top_up_payer]] += short
            self.G[TOPUP_F, t] += short
        elif short > 0:
            booked += pro_rata(self.put_by[:, :upto].sum(axis=1), short)
        self.charged[:, t] += booked
        for j, comp in enumerate(ONE_TIME):
            self.O3[C[comp], :, t] += parts[j] * booked / amount
        self.G[PAID_F, t] += amount

    def _divert(self, t: int, idx: np.ndarray, new: np.ndarray, wa: np.ndarray, wr: np.ndarray) -> None:
        """Book surplus lines `idx` taking the channels at t (channel k with the share `choice[new, k]` of
        their weights awaiting `wa` and rotating `wr`, `new` the mask of the channels newly open to them):
        one-time costs, the lead time on the payroll, then out of it (or into an institution post),
        petitions and returns.
        """
        M, TS = self.M, self.TS
        live = np.flatnonzero(wa + wr)
        idx, new, wa, wr = idx[live], new[live], wa[live], wr[live]
        sl, surv, choice = self.sl, self.surv, self.choice
        a, r, ts = sl.h[idx], sl.r[idx], self.sl_ts[idx]
        w = wa + wr
        now_abs = self.start_abs + t
        costs = one_time_costs(
            self.rules, choice, w * surv.alive(a, r, t), new, sl.salary[idx], sl.entry[idx], now_abs, self.wage[t]
        )
        self._book_one_time(t, costs)
        active = np.flatnonzero(choice.take(small_unique(new)[0], axis=0).any(axis=0)).tolist()
        lead = {int(k): int(self.rules.lead[k]) for k in active}
        self._book_lead(t, idx, new, wa, wr, lead)
        # completions: out of the payroll (institution_vacancy: out of the old sector's)
        at_done: dict[int, np.ndarray] = {}
        alive: dict[int, np.ndarray] = {}
        for k in active:
            done = t + lead[k]
            if done > M:
                continue
            if done not in alive:
                alive[done] = surv.alive(a, r, done)
            at_done[k] = np.bincount(ts, w * self.choice_cols[k, new] * alive[done], TS)
            self.G[DIV_F + k, done] += at_done[k].sum()
            self.ts_leave[:, done] += at_done[k]
        if INSTITUTION_VACANCY in at_done:
            k = INSTITUTION_VACANCY
            comp, payer = C["salary_moved_institution"], P[self.channels[k].recurring_payer]
            ts_iv = sl.tw[idx] * 3 + INSTITUTION
            self._in_post(sl, self.sl_cls, w * self.choice_cols[k, new], t + lead[k], M + 1, ts_iv, comp, payer, idx)
        outs = [k for k in at_done if k != INSTITUTION_VACANCY]
        if outs:
            self._diverted_out(t, idx, new, w, outs, lead, at_done, alive)

    def _book_lead(
        self, t: int, idx: np.ndarray, new: np.ndarray, wa: np.ndarray, wr: np.ndarray, lead: dict[int, int]
    ) -> None:
        """Book surplus lines `idx` serving the lead times of the channels they take at t (see `_divert`):
        a few months, so month by month.
        """
        lengths = sorted(set(lead.values()) - {0})
        if not lengths:
            return
        M, TS, T = self.M, self.TS, self.T
        sl, ahead = self.sl, self.ahead
        a, r, salary, ts = sl.h[idx], sl.r[idx], sl.salary[idx], self.sl_ts[idx]
        tw = ts // 3
        alive = [self.surv.alive(a, r, m) for m in range(t, min(t + lengths[-1], M) + 1)]
        div, money = self.s.diversion, self.s.money
        a_pay, r_pay = P[money.payer_allowance], P[money.payer_rotating]
        a_share, r_share = div.allowance_share, div.rotating_pay_share
        for length in lengths:
            ks = [k for k in lead if lead[k] == length]
            end = min(t + length, M + 1)
            share = self.choice[:, ks].sum(axis=1)[new]
            ga, gr = wa * share, wr * share
            count = ga + gr
            own = (ga * a_share * (a_pay == TOWNSHIP) + gr * r_share * (r_pay == TOWNSHIP)) * salary
            raw = np.stack([np.bincount(ts, count * x, TS) for x in alive[: min(t + length, M) + 1 - t]], axis=1)
            ahead.add_plain(LEAD, t, raw[:, : end - t])
            ahead.add_plain(LEAD_EXIT, t + 1, raw[:, :-1] - raw[:, 1:])
            ahead.add_plain(TW_RATE, t, np.stack([np.bincount(tw, own * x, T) for x in alive[: end - t]], axis=1))
            x = np.stack(alive[: end - t], axis=1)
            glob = np.stack([ga, gr, ga * salary, gr * salary]) @ x
            self.G[LEAD_A, t:end] += glob[0]
            self.G[LEAD_R, t:end] += glob[1]
            self.R3[C["allowance_awaiting"], a_pay, t:end] += glob[2] * a_share
            self.R3[C["rotating_pay"], r_pay, t:end] += glob[3] * r_share

    def _diverted_out(
        self,
        t: int,
        idx: np.ndarray,
        new: np.ndarray,
        w: np.ndarray,
        outs: list[int],
        lead: dict[int, int],
        at_done: dict[int, np.ndarray],
        alive: dict[int, np.ndarray],
    ) -> None:
        """Book surplus lines `idx` leaving the payroll through channels `outs` (see `_divert`)."""
        sl, cls, n = self.sl, self.sl_cls, len(outs)
        salary = sl.salary[idx]
        m0 = min(t + lead[k] for k in outs)
        # weight and pay by survival class and mask of channels newly open, then by channel taken
        masks, mask = small_unique(new)
        where = cls.index[idx] * len(masks) + mask
        size = len(cls.a) * len(masks)
        by = np.stack([np.bincount(where, w, size), np.bincount(where, w * salary, size)]).reshape(-1, len(masks))
        pick = self.choice[masks][:, outs]
        by = (by @ pick).reshape(2, -1, n)
        shares = np.array([self.channels[k].recurring_share for k in outs])
        values = np.concatenate([by[0], by[1] * shares], axis=1)
        live = np.flatnonzero(values.any(axis=1))
        glob = self.surv.profile(cls.a[live], cls.r[live], values.take(live, axis=0), m0, self.M + 1)
        x = None
        for j, k in enumerate(outs):
            done = t + lead[k]
            self._retirement_pay(sl, idx, w * self.choice_cols[k, new], done, k)
            mix = None
            if k in self.chain:  # returnees come back in post: their age, education and pay, as at diversion
                if x is None:
                    x, sector = self._composition(idx), sl.sector[idx]
                wk = w * self.choice_cols[k, new] * alive[done]
                mix = np.stack([(wk * (sector == sec)) @ x for sec in (ADMIN, INSTITUTION)]) / max(wk.sum(), 1e-300)
            self._diverted(k, done, glob[[j, n + j], done - m0 :], at_done[k], mix)

    def _retirement_pay(self, ln: Lines, idx: np.ndarray, c: np.ndarray, m0: int, k: int | None) -> None:
        """Book the retirement pay of lines `idx` (weights `c`) retiring after month m0, to the horizon.

        k None: the month-0 people retiring from the payroll (`money.payer_retirement_pay`); a channel:
        those diverted through it in month m0 move that pay to whom `funds.retirement_payer` names (or
        nobody). The engine stops following retirees, so the pay runs on to the horizon there too.
        """
        s = self.s
        share, base = s.money.retirement_pay_share, s.money.payer_retirement_pay
        if share <= 0 or m0 >= self.M:
            return
        for sector in (ADMIN, INSTITUTION):
            payer = retirement_payer(s, sector, k)
            if k is not None and payer == base:
                continue
            at = idx[ln.sector[idx] == sector]
            if not len(at):
                continue
            weights = c[ln.sector[idx] == sector] * ln.salary[at] * share
            rate = np.cumsum(self.surv.retired_flow(ln.a[at], ln.r[at], weights, m0, self.M))
            if k is not None:
                self.R3[C["retirement_pay"], P[base]] -= rate
            if payer is not None and (k is not None or payer == base):
                self.R3[C["retirement_pay"], P[payer]] += rate

    def _composition(self, idx: np.ndarray) -> np.ndarray:
        """Surplus lines `idx` as (lines, 8): one, age, four education kinds, pay if not hired and if hired."""
        sl = self.sl
        x = np.zeros((len(idx), COMPOSITION + 2))
        x[:, 0] = 1.0
        x[:, 1] = sl.a[idx]
        x[np.arange(len(idx)), 2 + sl.kind[idx]] = 1.0
        salary, hired = sl.salary[idx], sl.hired[idx]
        x[:, COMPOSITION] = salary * ~hired
        x[:, COMPOSITION + 1] = salary * hired
        return x

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
                self.ahead.add_plain(TW_RATE, done, share_tw[:, None] * (glob[1] * still))
        if chain is None or mix is None:  # mix is given wherever returns are possible (k in self.chain)
            return
        pet, ret, g = chain
        self.G[PETITIONS_F, done:] += count * pet[d]
        self.G[RETURNS_F, done:] += count * ret[d]
        back = (1.0 - g[d]) * count
        self.G[BACK, done:] += back
        for sec in (ADMIN, INSTITUTION):
            self.PS[sec, :, done:] += mix[sec, :COMPOSITION, None] * back
            for hired in (0, 1):
                comp = C["salary_hires"] if hired else C["salary_in_post"]
                self.R3[comp, self.sector_payer[sec], done:] += mix[sec, COMPOSITION + hired] * back
                if self.sector_payer[sec] == TOWNSHIP:
                    self.ahead.add_plain(TW_RATE, done, share_tw[:, None] * (mix[sec, COMPOSITION + hired] * back))
        # per township sector: those diverted from it, shaped like the channel's cohort
        shape = count / max(count[0], 1e-300)
        level = (1.0 - g[d]) * shape
        exits = np.zeros(M + 1 - done)
        exits[1:] = (1.0 - g[d[:-1]]) * (shape[:-1] - shape[1:])
        self.ahead.add_plain(POST, done, at_done[:, None] * level)
        self.ahead.add_plain(POST_EXIT, done, at_done[:, None] * exits)

    # ------------------------------------------------------------------ policy events
    def _policy(self, m: int, hs: np.ndarray, pay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The deadline, and inspections undoing over-establishment hires; returns the hires' state and payroll."""
        s = self.s
        rb = s.rebound
        if m == s.reform.deadline_month and s.diversion.after_deadline == "rotate":
            self.ahead.assign(slice(W0, W1 + 1), slice(W2, W3 + 1), m)
            self.cr, self.ca = self.cr + self.ca, np.zeros_like(self.ca)
        interval = rb.inspection_interval_months
        if interval <= 0 or m <= self.R or (m - self.R) % interval or not self.I_eff[:, : m + 1].any():
            return hs, pay
        detect = rb.inspection_detection + (1 - rb.inspection_detection) * rb.enforcement
        standing = self._standing(m)
        self.Hh[:, : m + 1] -= detect * self.I_eff[:, : m + 1]
        self.I_eff[:, : m + 1] *= 1 - detect
        gone = detect * standing.reshape(-1)
        self.G[REVERSED_F, m] += gone.sum()
        self.G[LEFT_F, m] += gone.sum()
        hs = self._hire_stats(m)
        pay = self._payroll(m, hs)
        self._vacate(m, gone - self._repost(m, gone, hs), pay)
        return hs, self._payroll(m, hs)

    def _standing(self, m: int) -> np.ndarray:
        """Over-establishment hires still on the payroll in month m, per township and sector (T, 3)."""
        d = m - np.arange(m + 1)
        standing = np.zeros((self.T, 3))
        for sector in (ADMIN, INSTITUTION):
            standing[:, sector] = self.I_eff[sector, : m + 1].T @ self.k_hire[sector].present[d]
        return standing

    # ------------------------------------------------------------------ the table
    def _table(self) -> np.ndarray:
        """All monthly columns at once, from what the months booked."""
        s, M, T = self.s, self.M, self.T
        months = np.arange(M + 1)
        rho, phi = self.rho_hist.T, self.phi_hist.T
        w0, w1, w2, w3 = self.W
        hire_n = self.hire_hist[:, :, 0].T
        pay_ts = self.ts_post + self.ts_lead + (rho + phi) * w0 + hire_n
        by_sector = pay_ts.reshape(T, 3, M + 1).sum(axis=0)
        total = by_sector.sum(axis=0)
        awaiting = (rho * (w0 - w2)).sum(axis=0) + self.G[LEAD_A]
        rotating = (rho * w2).sum(axis=0) + self.G[LEAD_R]
        in_post = total - awaiting - rotating
        g = self.G
        rate, twr, ps = self._rates()
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
        put = np.cumsum(self.put_by, axis=1)
        put[P[s.pool.top_up_payer]] += np.cumsum(g[TOPUP_F])
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
            zero,
            *put,
            *np.cumsum(self.charged, axis=1),
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
            g[BACK] + g[STANDING],
            *([zero] * len(DERIVED_COLUMNS)),
            *by_sector_composition,
        ]
        named = dict(zip(self.twin_columns(), values, strict=True))
        nan = np.full(M + 1, np.nan)  # a column the engine writes and the twin does not know (yet)
        table = np.stack([named.get(c, nan) for c in self.columns()], axis=1)
        fill_derived(table, self.columns(), self.R if self.reform_on else None)
        return table

    def _rates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Recurring cost rates by component and payer at month-0 wages, the township-paid one per township,
        and the composition of those in post by sector (see COMPOSITION), all from what the months booked.
        """
        s, M, T = self.s, self.M, self.T
        div, money = s.diversion, s.money
        rho, phi = self.rho_hist.T, self.phi_hist.T
        w0, w1, w2, w3 = self.W
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
            count, pay = phi * w0, phi * w1
            sectors = (ADMIN, INSTITUTION)
            parts = [np.stack([x[k::3].sum(axis=0) for k in sectors]) for x in (count, pay, w1)]
            self._reposted(parts[0], parts[1], parts[2], 0, rate, ps)
            for k in sectors:
                if self.sector_payer[k] == TOWNSHIP:
                    twr += pay[k::3]
        hire_pay = self.hire_hist[:, :, 0].T.reshape(T, 3, M + 1) * self.hire_salary[None, :, None]
        for k in range(3):
            rate[C["salary_hires"], self.sector_payer[k]] += hire_pay[:, k].sum(axis=0)
            if self.sector_payer[k] == TOWNSHIP:
                twr += hire_pay[:, k]
        return rate, twr, ps

    def _costs(self) -> np.ndarray:
        """The cost columns a counterfactual gives (`COUNTERFACTUAL_COSTS`), (months, 2)."""
        rate, _, _ = self._rates()
        by_payer = (rate * self.wage + self.O3).sum(axis=0)
        return np.stack([by_payer[TOWNSHIP], by_payer[PUBLIC].sum(axis=0)], axis=1)

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
        index = fiscal_index(fiscal, self.wage, (self.start_abs % 12 + np.arange(M + 1)) // 12)
        gap = twr * self.wage - (fiscal.own_revenue + transfers) * index
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


def project(scenario: Scenario, population: Population) -> RunResult:
    """One projection, with the no-reform counterfactual's savings columns (as `sim.engine.simulate`)."""
    refuse_counties(scenario)
    shared: dict = {}
    result = Projection(scenario, population, shared).run()
    twin = None
    if scenario.money.counterfactual and scenario.reform.enabled:
        twin = Projection(no_reform(scenario), population, shared).run(costs_only=True)
    out = with_counterfactual(scenario, result, twin)
    # no queue binds in the twin: nothing requested from the pool waits unpaid
    return dataclasses.replace(out, pool_unpaid=np.zeros(out.monthly.shape[0]))


def refuse_counties(scenario: Scenario) -> None:
    """The twin models one county (a city): refuse a scenario whose counties have anything of their own."""
    if not single_city(scenario):
        raise InputError(
            "the expected-value twin models one county (a city) only; this scenario has counties with their own "
            "pools, places or rules ([[counties]] or geography.counties): run it with the discrete-event engine "
            "(--engine des)"
        )


def simulate_expected(scenario: Scenario, population: Population, seed: int, replication: int) -> RunResult:
    """The twin behind the engine's replication signature (for sweeps): the same table whatever the seed."""
    result = project(scenario, population)
    return RunResult(replication, result.columns, result.monthly, None, pool_unpaid=result.pool_unpaid)


def expected(scenario: Scenario, population: Population | None = None, seed: int | None = None) -> Results:
    """The expected-value twin of `scenario`: `Results` with one replication (0) and the engine's columns.

    The population is the engine's (`build_population(scenario, seed)`, seed defaulting to
    `run.seed`), so the twin and `sim.run` describe the same people.
    """
    refuse_counties(scenario)
    seed = scenario.run.seed if seed is None else seed
    t0 = time.perf_counter()
    pop = build_population(scenario, seed) if population is None else population
    t1 = time.perf_counter()
    result = project(scenario, pop)
    t2 = time.perf_counter()
    timings = {"population_s": t1 - t0, "replications_s": t2 - t1, "per_replication_s": t2 - t1}
    return Results(
        scenario, seed, 1, monthly_frame([(0, *monthly_table(result))]), None, timings, engine="expected"
    )

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

Each mechanism is a mixin in its own module beside its engine counterpart, stacked in this
order (each uses only those before it): `booking` (the state and booking lines in post),
`pool`, `ledger`, `people` (month 0), `rebound`, `hiring`, `vacancy`, `diversion`, `posting`
(the reform), `table` (the monthly columns), then `Projection` here (the monthly stepping).
Arithmetic on lines sits beside them: `attrition` (survival, hire kernels), `channels`
(eligibility, choice, one-time costs), `cohorts` (survival classes), `ahead` (series booked ahead).

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
  counterfactual (a second projection sharing the month-0 work) for the savings columns;
- counties (`sim.engine.geography.resolve`, as the engine): each county's own cut, deadline and
  enforcement at it (tries stop, or its waiting surplus rotates, at its own deadline), its own
  pool (contributions, pro-rata charges, top-ups), its institution vacancies offered to its own
  surplus; the province's columns are the counties' sums, and `by_county` (`county_table`) holds
  each county's outcomes. Places are unlimited in the twin, so a county's own places play no part.

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
  against contributions still to come and beyond them to `pool.top_up_payer`); so the pool's
  discipline plays no part (per county alike: a poor county's balance goes negative where the
  engine's people wait);
- by county, `over_establishment` is the expected payroll above establishment (the engine's, the
  mean realised excess, is larger where a township may be over or under);
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

import numpy as np

from sim.engine import geography
from sim.engine.channel_rules import ChannelRules
from sim.engine.ledger import P
from sim.engine.model import RunResult, no_reform, with_counterfactual
from sim.expected.ahead import Ahead
from sim.expected.by_county import county_table
from sim.expected.lines import (
    COMPOSITION,
    COUNTERFACTUAL_COSTS,
    HIRES_F,
    LATE,
    LEAD,
    LEAD_EXIT,
    LEFT_F,
    LIVE,
    N_BLOCKS,
    N_COMP,
    N_PAY,
    N_ROWS,
    POST,
    POST_EXIT,
    RETIRED_F,
    STANDING,
    TOWNSHIP,
    TW_RATE,
    W0,
    W1,
    W2,
    W3,
)
from sim.expected.table import Table
from sim.experiment.results import Results, county_frame, monthly_frame, monthly_table
from sim.population.build import build_population
from sim.population.table import ADMIN, INSTITUTION, TEMPORARY, Population
from sim.scenario.schema import CHANNEL_IDS, Scenario


class Projection(Table):
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
        self.counties = geography.resolve(scenario, population.staff_counts().sum(axis=1))
        nc = len(self.counties)
        self.county_tw = np.repeat(np.arange(nc), [c.last - c.first for c in self.counties])
        self.county_ts = (np.repeat(self.county_tw, 3)[None, :] == np.arange(nc)[:, None]).astype(float)
        self.by_county_on = geography.has_counties(scenario)
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
        self.iv_placed = np.zeros((TS, M + 1))
        self.iv_left = np.zeros((TS, M + 1))
        self.moved_out = np.zeros(TS)
        self.moved_in = np.zeros(TS)
        self.moved_hist = np.zeros((M + 1, TS))
        self.moved_lead = np.zeros((M + 1, TS))
        self.iv_willing = None
        self.back_tw = np.zeros((T, M + 1))
        self.standing_tw = np.zeros((T, M + 1))
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
            self.moved_hist[m] = self.moved_in - self.moved_out - self.moved_lead[m]
        series, F = self.ahead.series().transpose(0, 2, 1), self.F_hist.T  # (blocks, township sectors, months)
        self.W = series[W0 : W3 + 1]
        self.ts_post = series[POST] + F * self.W[0] - series[LATE] + self.moved_hist.T  # placed: where they serve
        self.ts_lead = series[LEAD]
        own = self.township_paid[:, None] * F * self.W[1]  # the reposted (LATE's pay was booked to TW_RATE)
        self.tw_rate = series[TW_RATE, : self.T] + own.reshape(self.T, 3, M + 1).sum(axis=1)
        if costs_only:
            return RunResult(0, COUNTERFACTUAL_COSTS, self._costs(), None)
        table = self._table()
        if not self.by_county_on:
            return RunResult(0, self.columns(), table, None)
        names = tuple(c.name for c in self.counties)
        return RunResult(0, self.columns(), table, None, by_county=county_table(self, self.pay_ts), county_names=names)

    def _month(self, m: int, hs: np.ndarray) -> np.ndarray:
        """A month after the reform: exits and reposting, tries, completions, policy events, hires."""
        ahead = self.ahead
        now = ahead.at(m, LIVE)
        late, waiting = ahead.passed(m - 1, slice(LATE, W0 + 1))
        fall = waiting - now[W0]
        exits = now[POST_EXIT] + self.F * fall - (late - now[LATE])  # see F
        freed = exits + self.Phi * fall + hs[:, 1]
        if self.iv_on:  # those the institution vacancy channel moved free posts where they serve
            reposted = (self.F + self.Phi) * waiting - late
            freed = freed + self._moved_exits(m, reposted, reposted - (self.F + self.Phi) * now[W0] + now[LATE])
        if self.s.diversion.repost_on_vacancy:
            freed = freed - self._repost(m, freed, hs)
        leave = freed + self.rho * fall + now[LEAD_EXIT]
        if m in self.tries:
            self._try(m, self.tries[m])
        pay = self._payroll(m, hs)
        self._vacate(m, leave + self.ts_leave[:, m] + self.iv_left[:, m], pay)
        if self.iv_on:  # posts just taken are no room
            pay = self._payroll(m, hs)
        hs, pay = self._policy(m, hs, pay)
        hires = self._hire(m, pay)
        hs[:, 0] += hires
        hs[:, 3] += hires * self.hire_age0
        if self.overquota_on:  # over-establishment hires still on the payroll (re-growth)
            d = m - np.arange(m + 1)
            self.G[STANDING, m] = sum(
                self.I_eff[k, : m + 1].sum(axis=1) @ self.k_hire[k].present[d] for k in (ADMIN, INSTITUTION)
            )
            if self.by_county_on:
                self.standing_tw[:, m] = self._standing(m).sum(axis=1)
        return hs

    def _policy(self, m: int, hs: np.ndarray, pay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The deadline, and inspections undoing over-establishment hires; returns the hires' state and payroll."""
        if len(self.counties) == 1:
            county = self.counties[0]
            if m == county.deadline_month and county.after_deadline == "rotate":
                self.ahead.assign(slice(W0, W1 + 1), slice(W2, W3 + 1), m)
                self.cr, self.ca = self.cr + self.ca, np.zeros_like(self.ca)
        else:  # each county rotates its own waiting surplus at its own deadline
            for c, county in enumerate(self.counties):
                if m == county.deadline_month and county.after_deadline == "rotate":
                    self.ahead.assign(slice(W0, W1 + 1), slice(W2, W3 + 1), m, np.flatnonzero(self.county_ts[c]))
                    mine = self.sl_county == c
                    self.cr[mine] += self.ca[mine]
                    self.ca[mine] = 0.0
        gone = self._inspect(m)
        if gone is None:
            return hs, pay
        hs = self._hire_stats(m)
        pay = self._payroll(m, hs)
        self._vacate(m, gone - self._repost(m, gone, hs), pay)
        return hs, self._payroll(m, hs)


def project(scenario: Scenario, population: Population) -> RunResult:
    """One projection, with the no-reform counterfactual's savings columns (as `sim.engine.simulate`)."""
    shared: dict = {}
    result = Projection(scenario, population, shared).run()
    twin = None
    if scenario.money.counterfactual and scenario.reform.enabled:
        twin = Projection(no_reform(scenario), population, shared).run(costs_only=True)
    out = with_counterfactual(scenario, result, twin)
    # no queue binds in the twin: nothing requested from the pool waits unpaid
    return dataclasses.replace(out, pool_unpaid=np.zeros(out.monthly.shape[0]))


def simulate_expected(scenario: Scenario, population: Population, seed: int, replication: int) -> RunResult:
    """The twin behind the engine's replication signature (for sweeps): the same table whatever the seed."""
    return dataclasses.replace(project(scenario, population), replication=replication)


def expected(scenario: Scenario, population: Population | None = None, seed: int | None = None) -> Results:
    """The expected-value twin of `scenario`: `Results` with one replication (0) and the engine's columns.

    The population is the engine's (`build_population(scenario, seed)`, seed defaulting to
    `run.seed`), so the twin and `sim.run` describe the same people. A scenario with counties also
    gets `by_county` (one replication), as the engine's.
    """
    seed = scenario.run.seed if seed is None else seed
    t0 = time.perf_counter()
    pop = build_population(scenario, seed) if population is None else population
    t1 = time.perf_counter()
    result = project(scenario, pop)
    t2 = time.perf_counter()
    timings = {"population_s": t1 - t0, "replications_s": t2 - t1, "per_replication_s": t2 - t1}
    by_county = None if result.by_county is None else county_frame([(0, result.by_county)], result.county_names)
    monthly = monthly_frame([(0, *monthly_table(result))])
    return Results(scenario, seed, 1, monthly, None, timings, engine="expected", by_county=by_county)

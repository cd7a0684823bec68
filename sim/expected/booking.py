"""The projection's state, declared once, and how lines are booked ahead: in post, their exits and pay."""

from __future__ import annotations

import numpy as np

from sim.engine.channel_rules import ChannelRules
from sim.engine.geography import County
from sim.expected.ahead import Ahead
from sim.expected.attrition import Kernel, Survival
from sim.expected.cohorts import Classes, small_unique
from sim.expected.lines import COMPOSITION, LEFT_F, N_PAY, POST, RETIRED_F, TOWNSHIP, TW_RATE, Lines
from sim.scenario.schema import ChannelSection, Scenario


class Booking:
    """What a projection carries (set in `Projection.__init__` and by the mechanisms) and the booking
    of lines in post that every mechanism uses; the mechanisms are mixins on top of it, in
    `sim.expected.projection.Projection`'s order.
    """

    s: Scenario
    counties: tuple[County, ...]  # `sim.engine.geography.resolve`: one for a city
    county_tw: np.ndarray  # the county of each township
    county_ts: np.ndarray  # (counties, township sectors): 1.0 where the township sector is the county's
    by_county_on: bool  # results by county are kept (`geography.has_counties`)
    shared: dict
    M: int  # horizon in months
    start_abs: int
    T: int  # townships
    TS: int  # township sectors (3 per township)
    reform_on: bool
    R: int  # reform month (past the horizon without a reform)
    sector_payer: np.ndarray
    wage: np.ndarray
    channels: list[ChannelSection]
    rules: ChannelRules
    lines: Lines
    surv: Survival
    cls: Classes
    k_hire: list[Kernel]
    k_rec: list[Kernel]
    k_hire_rev: np.ndarray
    k_rec_table: np.ndarray
    hire_age0: np.ndarray
    est: np.ndarray  # establishment per township and sector (T, 3)
    est_flat: np.ndarray
    old_est: np.ndarray
    klass: np.ndarray
    hire_salary: np.ndarray
    appraisal_pop: tuple[float, float]
    # money: the pool (see `Pool`) and the ledger's rates
    names: list[str]
    contrib: np.ndarray
    put_by: np.ndarray  # (counties, payers, months)
    held: np.ndarray  # (counties, payers)
    owed: np.ndarray  # (counties, payers)
    _added: np.ndarray
    charged: np.ndarray
    topup_c: np.ndarray
    paid_c: np.ndarray
    G: np.ndarray  # city-wide monthly accumulator, rows in `sim.expected.lines`
    PS: np.ndarray  # lines in post by sector: see COMPOSITION
    R3: np.ndarray  # recurring cost rates at month-0 wages
    O3: np.ndarray  # one-time payments
    ahead: Ahead  # blocks booked ahead (POST ..)
    township_paid: np.ndarray
    sector_rows: np.ndarray
    ts_leave: np.ndarray  # payroll left by completed diversions
    iv_placed: np.ndarray  # institution vacancies taken by the surplus, per township sector and month
    iv_left: np.ndarray  # ... as they leave the payroll they waited on (after the lead time)
    moved_out: np.ndarray  # those placed still serving, per township sector they waited in
    moved_in: np.ndarray  # ... per township sector they serve in (institution rows)
    moved_hist: np.ndarray  # moved_in − moved_out by month
    moved_lead: np.ndarray  # those placed still in their lead time (moved_in − moved_out), by month
    iv_willing: np.ndarray | None  # share of each township sector's waiting who would take the channel
    back_tw: np.ndarray  # returnees on the payroll per township and month
    standing_tw: np.ndarray  # over-establishment hires on the payroll per township and month
    Wg: np.ndarray  # waiting surplus by sector: count, age, four education kinds, salary of hires
    Hh: np.ndarray  # hires by sector, month, township
    I_eff: np.ndarray  # the over-establishment ones still standing
    rec: np.ndarray  # outside recruits at the reform
    rec_any: bool
    credit: np.ndarray
    ripe: np.ndarray  # hire credit ripening, by month
    rho: np.ndarray  # share of the waiting surplus not yet reposted
    Phi: np.ndarray  # share reposted since the last try
    F: np.ndarray  # share reposted until the last try (see `Projection.__init__`)
    F_hist: np.ndarray
    rho_hist: np.ndarray
    phi_hist: np.ndarray
    hire_hist: np.ndarray
    reformed: bool
    tries: dict[int, np.ndarray]
    freeze_end: int
    overquota_on: bool
    iv_on: bool  # the institution vacancy channel takes people (set with the surplus)
    iv_ts: np.ndarray
    staff_at_reform: np.ndarray
    # the surplus (set at the reform, `Diversion._start_diversion`)
    sl: Lines
    sl_ts: np.ndarray
    sl_cls: Classes
    sl_county: np.ndarray
    rotating: bool
    ca: np.ndarray  # weights awaiting
    cr: np.ndarray  # weights rotating
    U: np.ndarray
    tried: np.ndarray
    static: np.ndarray
    static_bits: np.ndarray
    choice: np.ndarray
    choice_total: np.ndarray
    choice_cols: np.ndarray
    chain: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]
    # the series the months booked (set at the end of `run`)
    W: np.ndarray
    ts_post: np.ndarray
    ts_lead: np.ndarray
    tw_rate: np.ndarray
    pay_ts: np.ndarray  # payroll per township sector and month (set by `Table._table`)

    def _at(self, m: int, block: int) -> np.ndarray:
        """The rows of `block` in month m as booked so far."""
        return self.ahead.at(m, slice(block, block + 1))[0]

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

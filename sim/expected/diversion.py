"""Diversion integrated: the surplus tries the channels open to them, serves lead times and leaves.

The engine's `sim.engine.diversion`; queues never bind in the twin.
"""

from __future__ import annotations

import numpy as np

from sim.engine.channel_rules import static_eligibility
from sim.engine.diversion import EXIT_CHANNELS, INSTITUTION_VACANCY
from sim.engine.ledger import C, P
from sim.engine.rebound_rules import return_chance
from sim.expected.channels import N_CHANNELS, adverse_nodes, choice_table, one_time_costs, open_bits
from sim.expected.cohorts import Classes, small_unique
from sim.expected.lines import (
    COMPOSITION,
    DIV_F,
    IV_BIT,
    LATE,
    LEAD,
    LEAD_A,
    LEAD_EXIT,
    LEAD_R,
    TOWNSHIP,
    TW_RATE,
    W0,
    W1,
    W2,
    W3,
    Lines,
)
from sim.expected.rebound import petition_chain
from sim.expected.vacancy import Vacancies
from sim.population.table import ADMIN, INSTITUTION, SECTORS
from sim.scenario.schema import CHANNEL_IDS


class Diversion(Vacancies):
    """The surplus lines, their tries, the channels they take, and the waiting they book."""

    def _start_diversion(self, m: int, sl: Lines, weight: np.ndarray) -> None:
        """Set up the surplus lines, their try schedule, the channel choice table and the petition chains."""
        s = self.s
        div, reform, rb = s.diversion, s.reform, s.rebound
        self.sl = sl
        n = len(sl)
        self.sl_ts = sl.tw * 3 + sl.sector
        self.sl_cls = Classes(sl.h, sl.r)
        self.sl_county = self.county_tw[sl.tw]
        share = 1.0 if div.surplus_state == "rotating" else div.rotating_share  # townships rotating their surplus
        rotate = any(c.after_deadline == "rotate" for c in self.counties)
        self.rotating = share > 0 or div.no_channel == "rotating" or rotate
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
        ends = [c.deadline_month if c.after_deadline != "keep_queueing" else self.M for c in self.counties]
        last = np.array(ends, dtype=np.int64)[self.sl_county]  # each line's county's
        first = np.where(sl.protected & (reform.protection_months > 0), m + reform.protection_months, m)
        self.tries = self._try_schedule(sl, first, last, div.retry_months)
        chance = return_chance(rb)
        self.chain: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for k, ch in enumerate(self.channels):
            petitions = min(rb.max_petitions, 4)
            if k != INSTITUTION_VACANCY and ch.return_hazard > 0 and petitions > 0:
                self.chain[k] = petition_chain(ch.return_hazard, chance, rb.anti_rebound_months, petitions, self.M)

    def _try_schedule(self, sl: Lines, first: np.ndarray, last: np.ndarray, step: int) -> dict[int, np.ndarray]:
        """Which lines try at which month, none after its `last` month. Every line tries at its first month;
        after that a retry matters only when a channel opens to it (age band, years to retirement, service), so
        a line is listed at the tries around the month each of its channels opens (exact rules at the try).
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
                hi = np.minimum(np.floor(12 * ch.age_max - ak) + 1, last[lines])
                at = fk + step * np.ceil(np.maximum(lo - fk, 0) / step)
                near = lo + 2 > at  # the channel may open only after `at`: one try later too
                for t, use in ((at, (at > fk) & (at <= hi)), (at + step, near & (at + step <= hi))):
                    pairs_t.append(t[use])
                    pairs_i.append(lines[use])
        t_all = np.concatenate(pairs_t).astype(np.int64)
        i_all = np.concatenate(pairs_i)
        keep = t_all <= last[i_all]
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
        mass = w * surv.alive(a, r, t)
        if len(self.counties) == 1:
            costs = one_time_costs(self.rules, choice, mass, new, sl.salary[idx], sl.entry[idx], now_abs, self.wage[t])
            self._book_one_time(t, costs)
        else:  # each county's pool pays for its own people
            county = self.sl_county[idx]
            for c in np.unique(county):
                at = np.flatnonzero(county == c)
                costs = one_time_costs(
                    self.rules, choice, mass[at], new[at], sl.salary[idx[at]], sl.entry[idx[at]], now_abs, self.wage[t]
                )
                self._book_one_time(t, costs, int(c))
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

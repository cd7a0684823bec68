"""The reform integrated: new establishment, competitive posting by expected thresholds, the surplus.

The engine's `sim.engine.posting` ranks realised candidates; the twin keeps the lines above a threshold.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from sim.engine.attrition import retirement_abs_month
from sim.engine.channel_rules import establishment_after_cut, static_eligibility
from sim.engine.ledger import C
from sim.expected.channels import WEIGHTS
from sim.expected.cohorts import Classes, unique_rows
from sim.expected.diversion import Diversion
from sim.expected.lines import HIGH, HIRES_F, LEFT_F, LOW0, LOWN, LOWR, Lines
from sim.population.table import ADMIN, INSTITUTION, SECONDARY, TEMPORARY


class Posting(Diversion):
    """The reform month: establishment, posting, pre-reform hires as typical people."""

    def _reform(self, m: int, hs: np.ndarray) -> None:
        s, T = self.s, self.T
        reform = s.reform
        self.reformed = True
        for tw in range(T):
            klass = s.township_classes[int(self.klass[tw])]
            na, ni = klass.new_establishment_admin, klass.new_establishment_institution
            old_a, old_i = self.old_est[tw, ADMIN], self.old_est[tw, INSTITUTION]
            county = self.counties[self.county_tw[tw]]  # the county's own cut, or the province's
            self.est[tw, ADMIN] = establishment_after_cut(old_a, county.cut_admin, na)
            self.est[tw, INSTITUTION] = establishment_after_cut(old_i, county.cut_institution, ni)
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


def keep_shares(
    group: np.ndarray,
    mass: np.ndarray,
    posts: np.ndarray,
    kind: str,
    loc: np.ndarray,
    scale: np.ndarray,
    leader: np.ndarray,
) -> np.ndarray:
    """Share of each line that wins one of its group's `posts` in competitive posting.

    The engine ranks the realised candidates and keeps the best `posts`. The twin finds,
    per group, the score threshold θ at which the expected number of candidates above it
    equals the posts: Σ mass × P(score > θ) = posts. Scores: 'normal' (merit: mean `loc`,
    sd `scale`), 'uniform' on [loc, loc + scale] (seniority, random). Leaders held above
    everyone (`leader`) are kept first. With a hard ranking (sd 0) the marginal line gets
    a fractional share.
    """
    groups = len(posts)
    n_g = np.bincount(group, mass, groups)
    lead_mass = np.bincount(group, mass * leader, groups)
    posts = np.minimum(posts.astype(float), n_g)
    out = np.zeros(len(mass))
    over = posts <= lead_mass + 1e-12
    # groups with no more posts than leaders: leaders share the posts, nobody else
    with np.errstate(invalid="ignore", divide="ignore"):
        lead_share = np.where(lead_mass > 0, posts / lead_mass, 0.0)
    out[leader] = np.where(over[group[leader]], lead_share[group[leader]], 1.0)
    rest = posts - np.where(over, posts, lead_mass)
    free = ~leader
    if not free.any():
        return out
    fg, fm, floc, fscale = group[free], mass[free], loc[free], scale[free]
    if kind == "uniform" and np.ptp(floc) == 0 and np.ptp(fscale) == 0:
        others = np.bincount(fg, fm, groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(others > 0, np.clip(rest / others, 0.0, 1.0), 0.0)
        out[free] = share[fg]
        return out
    if kind == "normal" and not fscale.any():  # a hard ranking: fill the posts from the top
        order = group_order(fg, -floc)
        cum = np.cumsum(fm[order])
        start = np.concatenate([[0.0], cum[:-1]])
        first = np.searchsorted(fg[order], np.arange(groups))
        before = start - start[np.minimum(first, len(order) - 1)][fg[order]]
        share = np.zeros(len(fm))
        share[order] = np.clip((rest[fg[order]] - before) / np.maximum(fm[order], 1e-300), 0.0, 1.0)
        out[free] = share
        return out
    if kind == "normal":
        pad = 12.0 * max(float(fscale.max()), 1e-12)
        lo = np.full(groups, float(floc.min()) - pad)
        hi = np.full(groups, float(floc.max()) + pad)
        fscale = np.maximum(fscale, 1e-9 * max(float(np.ptp(floc)), 1.0))
    else:
        lo = np.full(groups, float(floc.min()))
        hi = np.full(groups, float((floc + fscale).max()))
        fscale = np.maximum(fscale, 1e-12)

    def above(theta: np.ndarray, sel: np.ndarray | slice = slice(None)) -> np.ndarray:
        x, loc_, scale_ = theta[fg[sel]], floc[sel], fscale[sel]
        if kind == "normal":
            return ndtr((loc_ - x) / scale_)
        return np.clip((loc_ + scale_ - x) / scale_, 0.0, 1.0)

    # Newton on F(θ) = Σ mass × P(score > θ) − posts per group, kept inside a shrinking bracket,
    # from the threshold of the hard ranking (the marginal line's score); groups found are left alone
    order = group_order(fg, -floc)
    cum = np.cumsum(fm[order])
    first = np.searchsorted(fg[order], np.arange(groups))
    offset = np.concatenate([[0.0], cum])[np.minimum(first, len(order))]
    marginal = np.searchsorted(cum, offset + rest, side="left")
    theta = np.where(rest > 0, floc[order][np.minimum(marginal, len(order) - 1)], hi)
    theta = np.clip(theta, lo, hi)
    p_all = np.zeros(len(fg))
    open_ = np.ones(groups, dtype=bool)
    lines = np.flatnonzero(fm)  # those without mass count nowhere: their shares come at the end
    for _ in range(50):
        g, m, loc_, scale_ = fg[lines], fm[lines], floc[lines], fscale[lines]
        x = (loc_ - theta[g]) / scale_ if kind == "normal" else (loc_ + scale_ - theta[g]) / scale_
        if kind == "normal":
            p = ndtr(x)
            dens = np.exp(-0.5 * x * x) / (np.sqrt(2 * np.pi) * scale_)
        else:
            p = np.clip(x, 0.0, 1.0)
            dens = ((x > 0) & (x < 1)) / scale_
        p_all[lines] = p
        f = np.bincount(g, m * p, groups) - rest
        open_ &= np.abs(f) >= 1e-7
        if not open_.any():
            break
        slope = np.bincount(g, m * dens, groups)
        lo = np.where(open_ & (f > 0), theta, lo)
        hi = np.where(open_ & (f < 0), theta, hi)
        step = np.divide(f, slope, out=np.zeros(groups), where=slope > 1e-300)
        newton = theta + step
        inside = (newton >= lo) & (newton <= hi) & (slope > 1e-300)
        theta = np.where(open_, np.where(inside, newton, 0.5 * (lo + hi)), theta)
        lines = np.flatnonzero(open_[fg] & (fm != 0))
    else:
        p_all = above(theta)
    if not fm.all():
        idle = np.flatnonzero(fm == 0)
        p_all[idle] = above(theta, idle)
    out[free] = p_all
    return out


def group_order(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """`np.lexsort((key, group))`: by group, then key, then position — sorting each group's keys apart."""
    counts = np.bincount(group)
    n, width = len(group), int(counts.max(initial=0))
    if n == 0 or len(counts) >= 2**15 or len(counts) * width > 8 * n + 4096 or not np.isfinite(key).all():
        return np.lexsort((key, group))
    by_group = np.argsort(group.astype(np.int16), kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    g = group[by_group]
    table = np.full((len(counts), width), np.inf)
    table[g, np.arange(n) - starts[g]] = key[by_group]
    within = np.argsort(table, axis=1, kind="stable")
    return by_group[(starts[:, None] + within)[np.arange(width) < counts[:, None]]]

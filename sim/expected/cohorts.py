"""Cohort arithmetic of the expected-value twin: survival profiles, hire kernels, posting
shares, channel choices and petitions — everything the projection needs, as numpy.

The twin carries expected counts, never people. A *line* is one person of the month-0
population (or a representative pre-reform hire) with a weight: the expected share of
that person in some state. Attrition is independent of state in the engine (each person's
exit month is drawn once), so the mass of a line in any state at month m is its
conditional weight times the line's survival ``alive(m)``; a *profile* sums such masses
over many lines for every month at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from scipy.special import gammaln, ndtr

from sim.engine.attrition import hazard_intervals, retirement_abs_month, sex_specific
from sim.scenario.schema import AttritionSection, ChannelSection

N_CHANNELS = 7
MASKS = 1 << N_CHANNELS
BITS = ((np.arange(MASKS)[:, None] >> np.arange(N_CHANNELS)) & 1).astype(bool)  # (128, 7)
WEIGHTS = 1 << np.arange(N_CHANNELS)


# ----------------------------------------------------------------------------- survival
def cumulative_hazard(att: AttritionSection, ages_years: np.ndarray, female: bool = False) -> np.ndarray:
    """Death plus quit cumulative hazard Λ(age) from age 0 of a man (or a woman), piecewise linear in age."""
    ages = np.asarray(ages_years, dtype=float)
    total = np.zeros_like(ages)
    for kind in ("death", "quit"):
        edges, rates = hazard_intervals(att, kind, female)
        lo = edges[:-1]
        width = np.diff(edges)[:-1]
        at_lo = np.concatenate([[0.0], np.cumsum(rates[:-1] * width)])
        k = np.clip(np.searchsorted(edges, ages, side="right") - 1, 0, len(rates) - 1)
        total += at_lo[k] + rates[k] * (ages - lo[k])
    return total


class Survival:
    """Λ on the integer age-month grid, cut into affine segments.

    The engine draws exits from exponentials against Λ over (age, age + m/12], so a person
    of age a months at month 0 is still present in the row of month m with probability
    exp(L[a] − L[a + m]) (and m < their retirement month). On a segment of the grid where
    L is affine (slope β per month) that factor is a line constant times exp(−β m), which
    lets a profile over all months be a difference array and a cumulative sum.

    With sex-specific hazards, women's Λ follows men's on the grid, `offset` further on: a line's
    survival index (`index`) is its age in months, plus `offset` for a woman; otherwise the index is the age.
    """

    def __init__(self, att: AttritionSection, max_age_months: int) -> None:
        size = int(max_age_months) + 2
        grid = np.arange(size + 1) / 12.0
        self.L = cumulative_hazard(att, grid)
        self.offset = 0
        if sex_specific(att):
            self.offset = len(self.L)
            # continued from men's last value: only differences within a block matter, and no slope jumps
            self.L = np.concatenate([self.L, self.L[-1] + cumulative_hazard(att, grid, True)])
        d = np.diff(self.L)
        change = np.flatnonzero(~np.isclose(d[1:], d[:-1], rtol=1e-10, atol=1e-15)) + 1
        starts = np.concatenate([[0], change]).astype(np.int64)
        ends = np.concatenate([change, [len(self.L)]]).astype(np.int64)
        slope = d[np.minimum(starts, len(d) - 1)]
        self.segments = [
            (int(lo), int(hi), float(b), float(self.L[lo] - b * lo))
            for lo, hi, b in zip(starts, ends, slope, strict=True)
        ]

    def index(self, age_months: np.ndarray, female: np.ndarray) -> np.ndarray:
        """The survival index of lines of these ages (months at month 0) and sexes."""
        return age_months + self.offset * np.asarray(female, dtype=np.int64)

    def alive(self, a: np.ndarray, r: np.ndarray, m: int) -> np.ndarray:
        """Probability that each line (age a months at month 0, leaving in month r) is present at month m."""
        return np.exp(self.L[a] - self.L[a + m]) * (m < r)

    def profile(self, a: np.ndarray, r: np.ndarray, weights: np.ndarray, m0: int, m1: int) -> np.ndarray:
        """Σ weight × alive(m) over lines, for m in [m0, m1) and m < r: (columns, m1 − m0).

        `weights` is (lines, columns): conditional weights (shares of each line, times
        whatever the column measures).
        """
        weights = np.asarray(weights, dtype=float)
        n, q = weights.shape
        width = m1 - m0
        out = np.zeros((q, max(width, 0)))
        if width <= 0 or n == 0:
            return out
        t = np.arange(m0, m1)
        column = np.arange(q) * (width + 1)  # a difference array per column, flat
        for lo, hi, beta, alpha in self.segments:
            start = np.maximum(lo - a, m0) - m0
            end = np.minimum(np.minimum(hi - a, r), m1) - m0
            ok = start < end
            if not ok.any():
                continue
            u, aa = weights, a
            if not ok.all():
                keep = np.flatnonzero(ok)
                u, aa, start, end = (x.take(keep, axis=0) for x in (u, aa, start, end))
            if len(self.segments) > 1:
                u = u * np.exp(self.L[aa] - alpha - beta * aa)[:, None]
            where = np.concatenate([(start[:, None] + column).ravel(), (end[:, None] + column).ravel()])
            d = np.bincount(where, np.concatenate([u.ravel(), -u.ravel()]), q * (width + 1))
            cum = np.cumsum(d.reshape(q, width + 1)[:, :width], axis=1)
            out += cum * np.exp(-beta * t) if beta else cum
        return out

    def retired_flow(self, a: np.ndarray, r: np.ndarray, weights: np.ndarray, m0: int, months: int) -> np.ndarray:
        """Σ weight × alive(r − 1) at each retirement month r in (m0, months]: those who retire then."""
        sel = (r > m0) & (r <= months)
        if not sel.any():
            return np.zeros(months + 1)
        rs = r[sel]
        value = weights[sel] * np.exp(self.L[a[sel]] - self.L[a[sel] + rs - 1])
        return np.bincount(rs, value, months + 1)


# ----------------------------------------------------------------------------- hires
@dataclass(frozen=True)
class Kernel:
    """What becomes of one hire d months after hiring: present, exits, retirements, age."""

    present: np.ndarray  # (months + 1,)
    exits: np.ndarray  # present(d − 1) − present(d)
    retired: np.ndarray  # retirements at d
    age: np.ndarray  # expected age (years) × present

    def stacked(self) -> np.ndarray:
        """(months + 1, 4): present, exits, retired, age — reversed in time for convolutions."""
        return np.stack([self.present, self.exits, self.retired, self.age], axis=1)[::-1].copy()


def _normal_nodes(count: int) -> np.ndarray:
    """Equal-weight quantile nodes of the standard normal."""
    nd = NormalDist()
    return np.array([nd.inv_cdf((k + 0.5) / count) for k in range(count)])


NORMAL_NODES = _normal_nodes(64)


def hire_kernel(
    att: AttritionSection,
    age_mean: float,
    age_sd: float,
    share_female: float,
    share_worker: float,
    ref_abs: int,
    months: int,
) -> Kernel:
    """The kernel of a hire: age clip(N(mean, sd), 18, 55), hazards from that exact age,
    statutory retirement from the birth month (phased raise evaluated for a hire at `ref_abs`).
    """
    ages = np.clip(age_mean + age_sd * NORMAL_NODES, 18.0, 55.0)
    age_months = np.round(ages * 12).astype(np.int64)
    d = np.arange(months + 1)
    survival = {
        sex: np.exp(cumulative_hazard(att, ages, sex)[:, None] - cumulative_hazard(att, ages[:, None] + d / 12.0, sex))
        for sex in ((False, True) if sex_specific(att) else (False,))
    }
    present = np.zeros(months + 1)
    retired = np.zeros(months + 1)
    age = np.zeros(months + 1)
    types = (
        (False, False, 1.0 - share_female),
        (True, False, share_female * (1.0 - share_worker)),
        (True, True, share_female * share_worker),
    )
    birth = ref_abs - age_months
    for female, worker, p in types:
        if p <= 0:
            continue
        n = len(ages)
        surv = survival.get(female, survival[False])
        if att.retirement:
            ret_abs = retirement_abs_month(att, birth, np.full(n, female), np.full(n, worker))
            ret = np.maximum(ret_abs - ref_abs, 1)
        else:
            ret = np.full(n, months + 10)
        there = surv * (d < ret[:, None])
        present += p * there.mean(axis=0)
        age += p * (there * (age_months[:, None] + d) / 12.0).mean(axis=0)
        hit = ret <= months
        if hit.any():
            retired += p * np.bincount(ret[hit], surv[hit, ret[hit] - 1], months + 1) / n
    exits = np.concatenate([[0.0], present[:-1] - present[1:]])
    return Kernel(present, exits, retired, age)


# ----------------------------------------------------------------------------- posting
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


# ----------------------------------------------------------------------------- channels
def choice_table(
    allowed: np.ndarray,
    base: np.ndarray,
    take: np.ndarray,
    noise: float,
    shifts: np.ndarray,
    shift_weights: np.ndarray,
    exit_mask: np.ndarray,
) -> np.ndarray:
    """P(person takes channel k | the channels newly open to them form mask M), (128, 7).

    Each channel is wanted independently with probability `take` (acceptance × exam pass);
    the person takes the first wanted one in their order, which is the scenario order
    (`base`, higher first) plus `noise` × Gumbel — a Plackett-Luce ranking, so the first of
    a set W is k with probability softmax(base / noise) over W (argmax when noise is 0).
    Summed exactly over every wanted subset W ⊆ M. `shifts` (adverse selection: merit z ×
    weight, added to the exit channels) are averaged over nodes.
    """
    sub = BITS  # candidate wanted subsets W, (128, 7)
    out = np.zeros((MASKS, N_CHANNELS))
    prob_w = np.ones((1, 1))  # P(wanted set = W | M), (128 M, 128 W): a product over channels, bit by bit
    for k in reversed(range(N_CHANNELS)):
        prob_w = np.kron(prob_w, [[1.0, 0.0], [1.0 - take[k], take[k]]])  # (M_k, W_k)
    for shift, weight in zip(shifts, shift_weights, strict=True):
        score = np.where(allowed, base + shift * exit_mask, -1e9)
        first = np.zeros((MASKS, N_CHANNELS))
        if noise > 0:
            logits = np.where(sub, score / noise, -np.inf)
            top = logits.max(axis=1, keepdims=True)
            safe = np.where(np.isfinite(top), top, 0.0)
            e = np.exp(logits - safe)
            total = e.sum(axis=1, keepdims=True)
            first = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
        else:
            masked = np.where(sub, score, -np.inf)
            best = masked.argmax(axis=1)
            has = sub.any(axis=1)
            first[np.flatnonzero(has), best[has]] = 1.0
        out += weight * (prob_w @ first)
    return out


@dataclass(frozen=True)
class ChannelRules:
    """The channels' time rules and one-time cost terms, each an array over the seven channels."""

    age_min: np.ndarray
    age_max: np.ndarray
    min_service: np.ndarray
    max_to_retire: np.ndarray  # inf: no rule
    lead: np.ndarray
    severance_per_year: np.ndarray
    severance_cap: np.ndarray  # inf: no cap
    fixed: np.ndarray
    buyin_rate: np.ndarray
    buyin_years: np.ndarray  # NaN: the years of service
    subsidy: np.ndarray

    @staticmethod
    def of(channels: list[ChannelSection]) -> ChannelRules:
        """The rules of `channels`, in their order."""

        def arr(values: list[float | None], none: float = np.nan) -> np.ndarray:
            return np.array([none if x is None else x for x in values], dtype=float)

        return ChannelRules(
            age_min=arr([ch.age_min for ch in channels]),
            age_max=arr([ch.age_max for ch in channels]),
            min_service=arr([ch.min_service_years for ch in channels]),
            max_to_retire=arr([ch.max_years_to_retirement for ch in channels], np.inf),
            lead=np.array([ch.lead_time_months for ch in channels], dtype=np.int64),
            severance_per_year=arr([ch.severance_months_per_year for ch in channels]),
            severance_cap=arr([ch.severance_cap_months for ch in channels], np.inf),
            fixed=arr([ch.fixed_payment for ch in channels]),
            buyin_rate=arr([ch.pension_buyin_rate for ch in channels]),
            buyin_years=arr([ch.pension_buyin_years for ch in channels]),
            subsidy=arr([ch.placement_subsidy for ch in channels]),
        )


def open_bits(
    rules: ChannelRules, static: np.ndarray, birth: np.ndarray, entry: np.ndarray, retire_abs: np.ndarray, now_abs: int
) -> np.ndarray:
    """The channels open to each line now, as a bit mask (channel k in bit k): the rules that do not change
    with time (`static`, a mask per line) and those that do (age band, years to retirement, service), met
    now and still in the month the channel would be left (after its lead time).

    Age, service and the approach of retirement only grow with time, so the lower age and service bounds
    and the years to retirement are checked now and the upper age bound when leaving.
    """
    age = (now_abs - birth) / 12.0
    service = (now_abs - entry) / 12.0
    to_retire = (retire_abs - now_abs) / 12.0
    bits = np.zeros(len(birth), dtype=np.int64)
    leaving: dict[int, np.ndarray] = {}
    for k in np.flatnonzero((np.bitwise_or.reduce(static, initial=0) >> np.arange(N_CHANNELS)) & 1):
        lead = int(rules.lead[k])
        if lead not in leaving:
            leaving[lead] = ((now_abs + lead) - birth) / 12.0
        ok = (age >= rules.age_min[k]) & (leaving[lead] <= rules.age_max[k]) & (service >= rules.min_service[k])
        if np.isfinite(rules.max_to_retire[k]):
            ok &= to_retire <= rules.max_to_retire[k]
        bits |= ok.astype(np.int64) << k
    return bits & static


def one_time_costs(
    rules: ChannelRules,
    choice: np.ndarray,
    mass: np.ndarray,
    new: np.ndarray,
    salary: np.ndarray,
    entry: np.ndarray,
    now_abs: int,
    wage_index: float,
) -> np.ndarray:
    """Severance (with fixed payment), pension buy-in and placement subsidy paid now for lines of `mass`
    taking channel k with shares `choice[new, k]`, (3,).
    """
    pay_mass = mass * (salary * wage_index)
    service = np.maximum((now_abs - entry) / 12.0, 0.0)
    per_mask = choice @ np.stack(
        [
            rules.fixed,
            rules.subsidy,
            np.where(np.isinf(rules.severance_cap), rules.severance_per_year, 0.0),  # months ∝ service
            np.where(np.isnan(rules.buyin_years), rules.buyin_rate, 0.0),  # years of service
            np.where(np.isnan(rules.buyin_years), 0.0, rules.buyin_rate * rules.buyin_years),  # fixed years
        ],
        axis=1,
    )
    fixed, subsidy, severance, buyin, buyin_fixed = per_mask.take(new, axis=0).T
    months = service * severance
    for k in np.flatnonzero(np.isfinite(rules.severance_cap) & (rules.severance_per_year > 0)):
        months += np.minimum(rules.severance_per_year[k] * service, rules.severance_cap[k]) * choice[new, k]
    (pay_months, _, pay_years, _), (_, paid, _, subsidies) = np.stack([pay_mass, mass]) @ np.stack(
        [months, fixed, service * buyin + buyin_fixed, subsidy], axis=1
    )  # a product of matrices: large dot products of vectors run on threads
    return np.array([pay_months + paid, 12 * pay_years, subsidies])


# ----------------------------------------------------------------------------- rebound
@functools.lru_cache(maxsize=64)
def petition_chain(
    hazard: float, success: float, window: int, max_petitions: int, months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per diverted person still alive, d months after diverting: expected petitions in
    month d, returns in month d, and the probability of still being diverted at d.

    Petitions come with the monthly `hazard` (geometric gaps) up to `max_petitions`; each
    succeeds with `success` from month `window` on. Cached: the arrays are read-only.
    """
    pet, ret, still = [0.0] * (months + 1), [0.0] * (months + 1), [1.0] * (months + 1)
    x = [1.0] + [0.0] * max_petitions  # not yet returned, by petitions made
    for d in range(1, months + 1):
        win = success if d >= window else 0.0
        moved = [hazard * v for v in x[:max_petitions]]
        pet[d] = sum(moved)
        ret[d] = pet[d] * win
        for n, v in enumerate(moved):
            x[n] -= v
            x[n + 1] += v * (1.0 - win)
        still[d] = sum(x)
    chain = np.array(pet), np.array(ret), np.array(still)
    for series in chain:
        series.flags.writeable = False  # shared through the cache
    return chain


def adverse_nodes(rule: str, count: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """Nodes of the standardised merit of surplus people: uniform for random posting, else normal."""
    if rule == "random":
        z = (np.arange(count) + 0.5) / count
        return (z - 0.5) * np.sqrt(12.0), np.full(count, 1.0 / count)
    z = _normal_nodes(count)
    return z / z.std(), np.full(count, 1.0 / count)


class Classes:
    """Lines grouped by survival class — age at month 0 and retirement month, all a line's survival
    depends on — so that city-wide profiles sum over classes, not people.
    """

    def __init__(self, a: np.ndarray, r: np.ndarray) -> None:
        span = int(r.max(initial=0)) + 1
        uniq, self.index = small_unique(a.astype(np.int64) * span + r)  # by age, then retirement month
        self.a, self.r = uniq // span, uniq % span

    def profile(
        self, surv: Survival, weights: np.ndarray, m0: int, m1: int, idx: np.ndarray | None = None
    ) -> np.ndarray:
        """Σ weight × alive(m) over the lines (or the lines `idx`), (columns, m1 − m0); `weights` is
        (lines, columns).
        """
        weights = np.asarray(weights, dtype=float)
        if weights.ndim == 1:
            weights = weights[:, None]
        q = weights.shape[1]
        return self.profile_entries(surv, np.arange(q), weights, q, m0, m1, idx)

    def profile_entries(
        self,
        surv: Survival,
        cols: np.ndarray,
        values: np.ndarray,
        q: int,
        m0: int,
        m1: int,
        idx: np.ndarray | None = None,
    ) -> np.ndarray:
        """The same with each line's weights as entries: `values` in columns `cols` of q (both (lines, k),
        or `cols` (k,) alike for all lines).
        """
        index = self.index if idx is None else self.index[idx]
        where = (index * q)[:, None] + cols
        by_class = np.bincount(where.ravel(), values.ravel(), len(self.a) * q).reshape(-1, q)
        live = np.flatnonzero(by_class.any(axis=1))
        return surv.profile(self.a[live], self.r[live], by_class.take(live, axis=0), m0, m1)


def unique_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first line of each distinct row of integer `columns` (rows in order) and the row of each line, as
    `np.unique(np.stack(columns, axis=1), axis=0, return_index=True, return_inverse=True)`.
    """
    key, span = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        low = int(column.min()) if len(column) else 0
        width = int(column.max()) - low + 1 if len(column) else 1
        if span * width >= 2**62:  # too wide for one key
            _, first, inverse = np.unique(np.stack(columns, axis=1), axis=0, return_index=True, return_inverse=True)
            return first, inverse.ravel()
        key, span = key * width + (column - low), span * width
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse


def small_unique(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(key, return_inverse=True)` for non-negative integer keys, by counting where their range is small."""
    top = int(key.max(initial=-1)) + 1
    if top > 64 * len(key) + 4096:
        uniq, inverse = np.unique(key, return_inverse=True)
        return uniq, inverse.ravel()
    present = np.bincount(key, minlength=top) > 0
    uniq = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    return uniq, rank[key]


_TAIL_STEP, _TAIL_MAX, _TAIL_K = 0.02, 40.0, 96
_TAIL: np.ndarray | None = None


def _poisson_tails() -> np.ndarray:
    """P(X ≥ k), k = 1 .. _TAIL_K, for Poisson X with means on a grid 0, 0.02, .., 40 (cached)."""
    global _TAIL
    if _TAIL is None:
        lam = np.arange(0.0, _TAIL_MAX + _TAIL_STEP / 2, _TAIL_STEP)
        k = np.arange(_TAIL_K + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            pmf = np.exp(k * np.log(lam)[:, None] - lam[:, None] - gammaln(k + 1.0))
        pmf[0] = np.where(k == 0, 1.0, 0.0)
        _TAIL = np.clip(1.0 - np.cumsum(pmf, axis=1)[:, :-1], 0.0, 1.0)
    return _TAIL


@functools.lru_cache(maxsize=8)
def _tails_upto(k: int) -> np.ndarray:
    """The first k columns of `_poisson_tails()`, contiguous (cached)."""
    return np.ascontiguousarray(_poisson_tails()[:, :k])


def expected_min(f: np.ndarray, w: np.ndarray) -> np.ndarray:
    """E[min(F, W)] for independent Poisson counts with means f and w (elementwise).

    Freed posts in a month and waiting people are counts; the minimum of their means
    overstates the reposts (Jensen). Σ_k P(F ≥ k) P(W ≥ k) from a cached table of Poisson
    tails; where both means exceed the table, the smaller mean.
    """
    f, w = np.maximum(f, 0.0), np.maximum(w, 0.0)
    out = np.minimum(f, w)
    big = np.maximum(f, w)
    use = (out > 0) & (out <= _TAIL_MAX - 1.0) & (big < out + 8.0 * np.sqrt(out + 1.0) + 8.0)
    if not use.any():
        return out
    smaller = float(out[use].max())  # the sum stops where the smaller count's tail vanishes
    table = _tails_upto(min(_TAIL_K, int(smaller + 10.0 * np.sqrt(smaller + 1.0) + 10.0)))
    x = np.minimum(np.concatenate([f[use], w[use]]), _TAIL_MAX) / _TAIL_STEP  # both means at once
    i = np.minimum(x.astype(np.int64), len(table) - 2)
    frac = (x - i)[:, None]
    tails = table.take(i, axis=0)
    tails *= 1.0 - frac
    above = table.take(i + 1, axis=0)
    above *= frac
    tails += above
    half = len(tails) // 2
    tails[:half] *= tails[half:]
    out[use] = tails[:half] @ np.ones(tails.shape[1])
    return out

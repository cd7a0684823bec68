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

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from scipy.sparse import csc_matrix, csr_matrix
from scipy.special import gammaln, ndtr

from sim.engine.attrition import hazard_intervals, retirement_abs_month
from sim.scenario.schema import AttritionSection, ChannelSection

N_CHANNELS = 7
MASKS = 1 << N_CHANNELS
BITS = ((np.arange(MASKS)[:, None] >> np.arange(N_CHANNELS)) & 1).astype(bool)  # (128, 7)
WEIGHTS = 1 << np.arange(N_CHANNELS)


# ----------------------------------------------------------------------------- survival
def cumulative_hazard(att: AttritionSection, ages_years: np.ndarray) -> np.ndarray:
    """Death plus quit cumulative hazard Λ(age) from age 0, piecewise linear in age."""
    ages = np.asarray(ages_years, dtype=float)
    total = np.zeros_like(ages)
    for kind in ("death", "quit"):
        edges, rates = hazard_intervals(att, kind)
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
    """

    def __init__(self, att: AttritionSection, max_age_months: int) -> None:
        size = int(max_age_months) + 2
        self.L = cumulative_hazard(att, np.arange(size + 1) / 12.0)
        d = np.diff(self.L)
        change = np.flatnonzero(~np.isclose(d[1:], d[:-1], rtol=1e-10, atol=1e-15)) + 1
        starts = np.concatenate([[0], change]).astype(np.int64)
        ends = np.concatenate([change, [len(self.L)]]).astype(np.int64)
        slope = d[np.minimum(starts, len(d) - 1)]
        self.segments = [
            (int(lo), int(hi), float(b), float(self.L[lo] - b * lo))
            for lo, hi, b in zip(starts, ends, slope, strict=True)
        ]

    def alive(self, a: np.ndarray, r: np.ndarray, m: int) -> np.ndarray:
        """Probability that each line (age a months at month 0, leaving in month r) is present at month m."""
        return np.exp(self.L[a] - self.L[a + m]) * (m < r)

    def profile(
        self,
        a: np.ndarray,
        r: np.ndarray,
        weights: np.ndarray,
        m0: int,
        m1: int,
        group: np.ndarray | None = None,
        groups: int = 1,
    ) -> np.ndarray:
        """Σ weight × alive(m) over lines, for m in [m0, m1) and m < r: (groups, columns, m1 − m0).

        `weights` is (lines, columns): conditional weights (shares of each line, times
        whatever the column measures).
        """
        weights = np.asarray(weights, dtype=float)
        if weights.ndim == 1:
            weights = weights[:, None]
        q = weights.shape[1]
        width = m1 - m0
        if width <= 0:
            return np.zeros((groups, q, 0))
        live = (r > m0) & weights.any(axis=1)
        if not live.all():
            a, r, weights = a[live], r[live], weights[live]
            group = None if group is None else np.asarray(group)[live]
        n = len(a)
        if n == 0:
            return np.zeros((groups, q, width))
        g = np.zeros(n, dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)
        dense_cost = n * width * (q + 3)
        sum_cost = len(self.segments) * (3 * groups * q * (width + 1) + 2 * n * q)
        if dense_cost < sum_cost:
            return self._dense(a, r, weights, m0, m1, g, groups)
        flat = np.zeros((groups * q, width))
        t = np.arange(m0, m1)
        for lo, hi, beta, alpha in self.segments:
            start = np.maximum(lo - a, m0) - m0
            end = np.minimum(np.minimum(hi - a, r), m1) - m0
            ok = start < end
            if not ok.any():
                continue
            every = ok.all()
            u = weights if every else weights[ok]
            if len(self.segments) > 1:
                aa = a if every else a[ok]
                u = u * np.exp(self.L[aa] - alpha - beta * aa)[:, None]
            gg = g if every else g[ok]
            base = gg * (width + 1)
            e_idx = base + (end if every else end[ok])
            st = start if every else start[ok]
            s_idx = base + st
            cols = np.empty((groups * q, width + 1))
            for j in range(q):
                d = np.bincount(s_idx, u[:, j], groups * (width + 1))
                d -= np.bincount(e_idx, u[:, j], groups * (width + 1))
                cols[j::q] = d.reshape(groups, width + 1)
            cum = np.cumsum(cols[:, :width], axis=1)
            flat += cum * np.exp(-beta * t) if beta else cum
        return flat.reshape(groups, q, width)

    def _dense(
        self, a: np.ndarray, r: np.ndarray, weights: np.ndarray, m0: int, m1: int, g: np.ndarray, groups: int
    ) -> np.ndarray:
        """The same profile, line by line (cheaper for a few lines)."""
        n, q = weights.shape
        t = np.arange(m0, m1)
        alive = np.exp(self.L[a][:, None] - self.L[a[:, None] + t]) * (t < r[:, None])
        part = (weights[:, :, None] * alive[:, None, :]).reshape(n, q * len(t))
        if groups == 1:
            return part.sum(axis=0).reshape(1, q, len(t))
        pick = csr_matrix((np.ones(n), (g, np.arange(n))), shape=(groups, n))
        return np.asarray(pick @ part).reshape(groups, q, len(t))

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
    lam0 = cumulative_hazard(att, ages)
    surv = np.exp(lam0[:, None] - cumulative_hazard(att, ages[:, None] + d / 12.0))
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
        order = np.lexsort((-floc, fg))
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

    def above(theta: np.ndarray) -> np.ndarray:
        x = theta[fg]
        if kind == "normal":
            return ndtr((floc - x) / fscale)
        return np.clip((floc + fscale - x) / fscale, 0.0, 1.0)

    # Newton on F(θ) = Σ mass × P(score > θ) − posts per group, kept inside a shrinking bracket,
    # from the threshold of the hard ranking (the marginal line's score)
    order = np.lexsort((-floc, fg))
    cum = np.cumsum(fm[order])
    first = np.searchsorted(fg[order], np.arange(groups))
    offset = np.concatenate([[0.0], cum])[np.minimum(first, len(order))]
    marginal = np.searchsorted(cum, offset + rest, side="left")
    theta = np.where(rest > 0, floc[order][np.minimum(marginal, len(order) - 1)], hi)
    theta = np.clip(theta, lo, hi)
    for _ in range(50):
        x = (floc - theta[fg]) / fscale if kind == "normal" else (floc + fscale - theta[fg]) / fscale
        if kind == "normal":
            p = ndtr(x)
            dens = np.exp(-0.5 * x * x) / (np.sqrt(2 * np.pi) * fscale)
        else:
            p = np.clip(x, 0.0, 1.0)
            dens = ((x > 0) & (x < 1)) / fscale
        f = np.bincount(fg, fm * p, groups) - rest
        open_ = np.abs(f) >= 1e-7
        if not open_.any():
            break
        slope = np.bincount(fg, fm * dens, groups)
        lo = np.where(open_ & (f > 0), theta, lo)
        hi = np.where(open_ & (f < 0), theta, hi)
        step = np.divide(f, slope, out=np.zeros(groups), where=slope > 1e-300)
        newton = theta + step
        inside = (newton >= lo) & (newton <= hi) & (slope > 1e-300)
        theta = np.where(open_, np.where(inside, newton, 0.5 * (lo + hi)), theta)
    out[free] = above(theta)
    return out


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
    mask_bits = BITS[:, None, :]  # M
    w_bits = BITS[None, :, :]  # W
    factor = np.where(w_bits, np.where(mask_bits, take, 0.0), np.where(mask_bits, 1.0 - take, 1.0))
    prob_w = factor.prod(axis=2)  # P(wanted set = W | M), (128 M, 128 W)
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


def eligible_at(
    channels: list[ChannelSection],
    birth: np.ndarray,
    entry: np.ndarray,
    retire_abs: np.ndarray,
    now_abs: int,
) -> np.ndarray:
    """Rules that change with time (age band, years to retirement, service), (lines, 7)."""
    age = (now_abs - birth) / 12.0
    to_retire = (retire_abs - now_abs) / 12.0
    service = (now_abs - entry) / 12.0
    out = np.zeros((len(birth), N_CHANNELS), dtype=bool)
    for k, ch in enumerate(channels):
        ok = (age >= ch.age_min) & (age <= ch.age_max) & (service >= ch.min_service_years)
        if ch.max_years_to_retirement is not None:
            ok &= to_retire <= ch.max_years_to_retirement
        out[:, k] = ok
    return out


def one_time_costs(
    ch: ChannelSection, salary: np.ndarray, entry: np.ndarray, now_abs: int, wage_index: float
) -> np.ndarray:
    """Severance (with fixed payment), pension buy-in and placement subsidy per line, (lines, 3)."""
    pay = salary * wage_index
    service = np.maximum((now_abs - entry) / 12.0, 0.0)
    months = ch.severance_months_per_year * service
    if ch.severance_cap_months is not None:
        months = np.minimum(months, ch.severance_cap_months)
    years = service if ch.pension_buyin_years is None else np.full(len(salary), ch.pension_buyin_years)
    return np.stack(
        [
            pay * months + ch.fixed_payment,
            ch.pension_buyin_rate * pay * 12 * years,
            np.full(len(salary), ch.placement_subsidy),
        ],
        axis=1,
    )


# ----------------------------------------------------------------------------- rebound
def petition_chain(
    hazard: float, success: float, window: int, max_petitions: int, months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per diverted person still alive, d months after diverting: expected petitions in
    month d, returns in month d, and the probability of still being diverted at d.

    Petitions come with the monthly `hazard` (geometric gaps) up to `max_petitions`; each
    succeeds with `success` from month `window` on.
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
    return np.array(pet), np.array(ret), np.array(still)


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
        key = a.astype(np.int64) * 1_000_000 + r.astype(np.int64)
        uniq, inverse = np.unique(key, return_inverse=True)
        self.a = uniq // 1_000_000
        self.r = uniq % 1_000_000
        n = len(a)
        self.matrix = csc_matrix((np.ones(n), (inverse.ravel(), np.arange(n))), shape=(len(uniq), n))

    def profile(
        self, surv: Survival, weights: np.ndarray, m0: int, m1: int, idx: np.ndarray | None = None
    ) -> np.ndarray:
        """Σ weight × alive(m) over the lines (or the lines `idx`), (columns, m1 − m0); `weights` is
        (lines, columns).
        """
        weights = np.asarray(weights, dtype=float)
        if weights.ndim == 1:
            weights = weights[:, None]
        matrix = self.matrix
        if idx is not None:
            if 4 * len(idx) < matrix.shape[1]:
                matrix = matrix[:, idx]
            else:
                full = np.zeros((matrix.shape[1], weights.shape[1]))
                full[idx] = weights
                weights = full
        by_class = np.asarray(matrix @ weights)
        live = by_class.any(axis=1)
        return surv.profile(self.a[live], self.r[live], by_class[live], m0, m1)[0]


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
    table = _poisson_tails()[:, : min(_TAIL_K, int(smaller + 10.0 * np.sqrt(smaller + 1.0) + 10.0))]
    tails = []
    for lam in (np.minimum(f[use], _TAIL_MAX), np.minimum(w[use], _TAIL_MAX)):
        x = lam / _TAIL_STEP
        i = np.minimum(x.astype(np.int64), len(table) - 2)
        frac = (x - i)[:, None]
        tails.append(table[i] * (1.0 - frac) + table[i + 1] * frac)
    out[use] = (tails[0] * tails[1]).sum(axis=1)
    return out

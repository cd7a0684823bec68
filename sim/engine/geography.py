"""Counties of a province: which townships each holds, its pool, places, cut, deadline and enforcement.

One definition of how a scenario's counties are resolved, for the engine and anything that reports
by county. A scenario without counties is one county holding every township with the scenario's
own pool, places and reform, unchanged (so a city runs exactly as before). A county that does not
set its pool gets the province's, every amount times its share of the province's staff at month 0;
a channel whose places it does not set gets the province's places per year shared among counties by
staff (largest remainder, so the shares add up to the province's number).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import CHANNEL_IDS, CountySection, PoolSection, Scenario


@dataclass(frozen=True)
class County:
    """One resolved county: townships `first` to `last` (exclusive) and its own rules."""

    name: str
    first: int
    last: int
    share: float  # of the province's staff at month 0
    pool: PoolSection
    places: tuple[int | None, ...]  # places per year by channel (CHANNEL_IDS order); None: unlimited
    cut_admin: float
    cut_institution: float
    deadline_month: int
    after_deadline: str


def largest_remainder(total: int, weights: np.ndarray) -> list[int]:
    """Split `total` into integers proportional to `weights` that add up to `total`."""
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones_like(w)
    raw = w / w.sum() * total
    counts = np.floor(raw + 1e-9).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    return counts.tolist()


def county_sizes(scenario: Scenario, n_townships: int) -> list[tuple[str, int]]:
    """(name, townships) of each county, listed or drawn; one county when the scenario has none."""
    if scenario.counties:
        return [(c.name, c.townships) for c in scenario.counties]
    geo = scenario.geography
    if geo.counties <= 1:
        return [(scenario.name, n_townships)]
    n = min(geo.counties, n_townships)
    if geo.townships_spread > 0:
        sigma = math.sqrt(math.log1p(geo.townships_spread**2))
        weights = np.random.default_rng(geo.seed).lognormal(-sigma * sigma / 2, sigma, n)
    else:
        weights = np.ones(n)
    sizes = [s + 1 for s in largest_remainder(n_townships - n, weights)]  # every county has a township
    return [(f"C{k + 1:03d}", size) for k, size in enumerate(sizes)]


def resolve(scenario: Scenario, staff_per_township: np.ndarray) -> tuple[County, ...]:
    """The counties of `scenario` over townships whose month-0 staff are `staff_per_township`."""
    n_tw = len(staff_per_township)
    sizes = county_sizes(scenario, n_tw)
    if sum(s for _, s in sizes) != n_tw:
        raise ValueError(
            f"counties: their townships add up to {sum(s for _, s in sizes)}, but the population has {n_tw} townships"
        )
    channels = scenario.channels
    province_places = [channels.get(c).places_per_year for c in CHANNEL_IDS]
    if len(sizes) == 1:
        only = scenario.counties[0] if scenario.counties else CountySection(name=sizes[0][0], townships=n_tw)
        return (_county(scenario, only, 0, n_tw, 1.0, scenario.pool, tuple(province_places)),)
    bounds = np.cumsum([0, *(s for _, s in sizes)])
    staff = np.asarray(staff_per_township, dtype=float)
    county_staff = np.array([staff[bounds[k] : bounds[k + 1]].sum() for k in range(len(sizes))])
    shares = county_staff / county_staff.sum() if county_staff.sum() > 0 else np.full(len(sizes), 1 / len(sizes))
    shared = [largest_remainder(p, shares) if p is not None else None for p in province_places]
    out = []
    for k, (name, _) in enumerate(sizes):
        cfg = scenario.counties[k] if scenario.counties else CountySection(name=name, townships=sizes[k][1])
        pool = cfg.pool if cfg.pool is not None else scaled_pool(scenario.pool, float(shares[k]))
        places = tuple(
            (cfg.places[cid] if cfg.places is not None and cid in cfg.places else (s[k] if s is not None else None))
            for cid, s in zip(CHANNEL_IDS, shared, strict=True)
        )
        out.append(_county(scenario, cfg, int(bounds[k]), int(bounds[k + 1]), float(shares[k]), pool, places))
    return tuple(out)


def _county(
    scenario: Scenario,
    cfg: CountySection,
    first: int,
    last: int,
    share: float,
    pool: PoolSection,
    places: tuple[int | None, ...],
) -> County:
    reform = scenario.reform
    return County(
        name=cfg.name,
        first=first,
        last=last,
        share=share,
        pool=cfg.pool if cfg.pool is not None else pool,
        places=tuple(
            cfg.places[cid] if cfg.places is not None and cid in cfg.places else p
            for cid, p in zip(CHANNEL_IDS, places, strict=True)
        ),
        cut_admin=reform.cut_admin if cfg.cut_admin is None else cfg.cut_admin,
        cut_institution=reform.cut_institution if cfg.cut_institution is None else cfg.cut_institution,
        deadline_month=reform.deadline_month if cfg.deadline_month is None else cfg.deadline_month,
        after_deadline=scenario.diversion.after_deadline if cfg.after_deadline is None else cfg.after_deadline,
    )


def scaled_pool(pool: PoolSection, share: float) -> PoolSection:
    """The province's pool for a county holding `share` of its staff: every amount times `share`."""
    contributors = tuple(c.model_copy(update={"amount": c.amount * share}) for c in pool.contributors)
    return pool.model_copy(update={"initial_balance": pool.initial_balance * share, "contributors": contributors})


def contributor_names(scenario: Scenario) -> list[str]:
    """Every contributor name of the counties' pools, in order of first appearance (the province's first
    when some county uses the province's pool).
    """
    pools = [c.pool if c.pool is not None else scenario.pool for c in scenario.counties] or [scenario.pool]
    if len(scenario.counties) == 1 or any(c.pool is None for c in scenario.counties):
        pools.insert(0, scenario.pool)
    names: list[str] = []
    for pool in pools:
        names.extend(c.name for c in pool.contributors if c.name not in names)
    return names


def has_counties(scenario: Scenario) -> bool:
    """Whether the scenario lists or draws counties (results by county are kept only then)."""
    return bool(scenario.counties) or scenario.geography.counties > 1


def is_province(scenario: Scenario) -> bool:
    """Whether the scenario has more than one county (listed or drawn)."""
    return len(scenario.counties) > 1 or scenario.geography.counties > 1


def single_city(scenario: Scenario) -> bool:
    """Whether the scenario is one county with nothing of its own: exactly today's city."""
    if is_province(scenario):
        return False
    if not scenario.counties:
        return True
    only = scenario.counties[0]
    return all(
        getattr(only, key) is None
        for key in ("pool", "places", "cut_admin", "cut_institution", "deadline_month", "after_deadline")
    )

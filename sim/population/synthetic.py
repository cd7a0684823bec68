"""Draw a synthetic staff population from the scenario's aggregates, deterministic in the seed."""

from __future__ import annotations

import numpy as np

from sim.population.table import COLLEGE, SECONDARY, Population, Townships
from sim.scenario.schema import Scenario

POPULATION_STREAM = 0x504F50  # spawn key of the population draw, apart from replication streams


def _allocate(total: int, shares: list[float]) -> np.ndarray:
    """Split `total` into integers proportional to `shares` (largest remainder)."""
    raw = np.asarray(shares, dtype=float) * total
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def synthetic_townships(scenario: Scenario) -> Townships:
    """Townships by class, with their old establishment (staff employed where none is given)."""
    classes = scenario.township_classes
    per_class = _allocate(scenario.population.synthetic.townships, [c.share for c in classes])
    klass = np.repeat(np.arange(len(classes)), per_class)
    est_a = np.array([_or(classes[k].establishment_admin, classes[k].staff_admin) for k in klass], dtype=np.int64)
    est_i = np.array(
        [_or(classes[k].establishment_institution, classes[k].staff_institution) for k in klass], dtype=np.int64
    )
    names = tuple(f"T{i + 1:03d}" for i in range(len(klass)))
    return Townships(names, klass, est_a, est_i)


def _or(value: int | None, fallback: int) -> int:
    return fallback if value is None else value


def _truncated_normal(rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, n: int) -> np.ndarray:
    out = rng.normal(mean, sd, n) if sd > 0 else np.full(n, float(mean))
    bad = (out < lo) | (out > hi)
    for _ in range(50):
        if not bad.any():
            break
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (out < lo) | (out > hi)
    return np.clip(out, lo, hi)


def draw_education(rng: np.random.Generator, n: int, secondary_plus: float, college_plus: float) -> np.ndarray:
    """Education levels with the given shares at or above secondary and college."""
    u = rng.random(n)
    level = np.where(u < college_plus, COLLEGE, np.where(u < secondary_plus, SECONDARY, 1))
    split = rng.random(n) < 0.5  # within each band: the lower or higher level, evenly
    return (level + np.where(level == COLLEGE, split, 0) - np.where(level == 1, split, 0)).astype(np.int64)


def education_level(u: float, u_split: float, secondary_plus: float, college_plus: float) -> int:
    """The scalar twin of `draw_education` for two uniforms."""
    split = u_split < 0.5
    if u < college_plus:
        return COLLEGE + split
    if u < secondary_plus:
        return SECONDARY
    return 1 - split


def synthetic_population(scenario: Scenario, seed: int) -> Population:
    """A synthetic population for `scenario`; the same seed gives the same people."""
    syn = scenario.population.synthetic
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(POPULATION_STREAM,)))
    townships = synthetic_townships(scenario)
    classes = scenario.township_classes
    staff = np.array([[c.staff_admin, c.staff_institution, c.staff_temporary] for c in classes], dtype=np.int64)
    per_tw = staff[townships.klass]  # (townships, 3)
    n = int(per_tw.sum())
    township = np.repeat(np.repeat(np.arange(len(townships)), 3), per_tw.ravel())
    sector = np.repeat(np.tile(np.arange(3), len(townships)), per_tw.ravel())
    start = scenario.time.start_abs
    female = rng.random(n) < syn.share_female
    worker = rng.random(n) < syn.share_worker
    att = scenario.attrition
    # Nobody is drawn at or above their statutory retirement age: they would have retired.
    ceiling = (
        np.where(
            female,
            np.where(worker, att.retirement_age_female_worker, att.retirement_age_female_cadre),
            att.retirement_age_male,
        )
        - 1.0 / 12
    )
    age = np.empty(n)
    for top in np.unique(ceiling):
        group = ceiling == top
        hi = min(syn.age_max, float(top))
        age[group] = _truncated_normal(rng, syn.age_mean, syn.age_sd, min(syn.age_min, hi), hi, int(group.sum()))
    birth = start - np.round(age * 12).astype(np.int64)
    entry_age = _truncated_normal(rng, syn.entry_age_mean, 2.0, 16.0, 60.0, n)
    entry_age = np.minimum(entry_age, age - 1.0 / 12)
    entry = np.minimum(birth + np.round(entry_age * 12).astype(np.int64), start)
    leader = (rng.random(n) < syn.share_leader) & (sector == 0)
    protected = rng.random(n) < syn.share_protected
    education = draw_education(rng, n, syn.share_secondary_plus, syn.share_college_plus)
    mean_salary = np.array([syn.salary_admin, syn.salary_institution, syn.salary_temporary])[sector]
    salary = np.round(np.maximum(mean_salary * (1 + syn.salary_sd_share * rng.standard_normal(n)), 0.0), 2)
    appraisal = np.round(rng.normal(syn.appraisal_mean, syn.appraisal_sd, n), 1)
    ids = np.array([f"P{i + 1:06d}" for i in range(n)], dtype=object)
    return Population(
        ids=ids,
        township=township,
        sector=sector,
        female=female,
        worker=worker,
        leader=leader,
        protected=protected,
        birth=birth,
        entry=entry,
        education=education,
        salary=salary,
        appraisal=appraisal,
        townships=townships,
    )

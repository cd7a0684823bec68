"""Attrition timing: statutory retirement months and times to death or quitting.

Times are drawn once per person from exponential variates (common random numbers) and
turned into event months; the engine schedules one event per person, never polls.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import AttritionSection, parse_month


def _raise_params(att: AttritionSection, female: np.ndarray, worker: np.ndarray) -> tuple[np.ndarray, ...]:
    """Statutory age, full raise and raise step of each person."""
    age = np.where(
        female,
        np.where(worker, att.retirement_age_female_worker, att.retirement_age_female_cadre),
        att.retirement_age_male,
    )
    full = np.where(
        female, np.where(worker, att.raise_female_worker_months, att.raise_female_cadre_months), att.raise_male_months
    )
    step = np.where(
        female,
        np.where(worker, att.raise_female_worker_step_months, att.raise_female_cadre_step_months),
        att.raise_male_step_months,
    )
    return age, full.astype(np.int64), step.astype(np.int64)


def retirement_abs_month(
    att: AttritionSection, birth: np.ndarray, female: np.ndarray, worker: np.ndarray
) -> np.ndarray:
    """Absolute month in which each person reaches the statutory retirement age.

    With the phased raise (NPC decision, Sept 2024), a person whose original retirement
    month falls d ≥ 0 months after `raise_start` retires d // step + 1 months later, capped
    at the full raise: one month per four months for men and women cadres, per two months
    for women workers.
    """
    age, full, step = _raise_params(att, female, worker)
    base = birth + np.round(age * 12).astype(np.int64)
    if not att.phased_raise:
        return base
    after = base - parse_month(att.raise_start)
    delay = np.where(after >= 0, np.minimum(after // step + 1, full), 0)
    return base + delay


def sex_specific(att: AttritionSection) -> bool:
    """Whether any age band applies to one sex only (then men and women have their own hazards)."""
    return any(b.sex != "any" for b in att.age_bands)


def hazard_intervals(att: AttritionSection, kind: str, female: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Age breakpoints (years) and the annual hazard on each interval between them, for a man or a woman.

    The one rule of natural attrition, for the engine and the twin: within an age band the first band
    that fits the age and sex applies (`sex` "any", or the person's sex); outside every band, the flat rate.
    """
    flat = getattr(att, f"{kind}_rate")
    sex = "female" if female else "male"
    bands = [b for b in att.age_bands if b.sex in ("any", sex)]
    edges = sorted({0.0, np.inf, *(b.age_min for b in bands), *(b.age_max for b in bands)})
    rates = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mid = lo + 1.0 if np.isinf(hi) else (lo + hi) / 2
        band = next((b for b in bands if b.age_min <= mid < b.age_max), None)
        rates.append(flat if band is None else getattr(band, f"{kind}_rate"))
    return np.asarray(edges, dtype=float), np.asarray(rates, dtype=float)


def event_month(
    att: AttritionSection, kind: str, age_years: np.ndarray, draws: np.ndarray, female: np.ndarray | None = None
) -> np.ndarray:
    """Months from now until the event, for exponential draws E: the first integer month m
    with cumulative hazard over (age, age + m/12] reaching E. Infinite if never.

    With sex-specific bands, `female` (one flag per person) picks each person's hazards.
    """
    if female is None or not sex_specific(att):
        return _event_month(hazard_intervals(att, kind), age_years, draws)
    female = np.asarray(female, dtype=bool)
    out = np.empty(len(draws))
    for sex in (False, True):
        pick = female == sex
        if pick.any():
            out[pick] = _event_month(hazard_intervals(att, kind, sex), age_years[pick], draws[pick])
    return out


def _event_month(intervals: tuple[np.ndarray, np.ndarray], age_years: np.ndarray, draws: np.ndarray) -> np.ndarray:
    edges, rates = intervals
    remaining = draws.astype(float).copy()
    t = np.full(len(draws), np.inf)
    done = np.zeros(len(draws), dtype=bool)
    for lo, hi, rate in zip(edges[:-1], edges[1:], rates, strict=True):
        start = np.maximum(age_years, lo)
        active = ~done & (start < hi)
        if not active.any():
            continue
        if rate <= 0:
            continue
        cap = rate * (hi - start)
        hit = active & (remaining <= cap)
        t[hit] = start[hit] + remaining[hit] / rate - age_years[hit]
        done |= hit
        miss = active & ~hit
        remaining[miss] -= cap[miss]
    months = np.ceil(t * 12.0 - 1e-9)
    return np.maximum(months, 1.0)


def retirement_rule(att: AttritionSection, female: bool, worker: bool) -> tuple[int, int, int, int, bool]:
    """Statutory age in months, full raise, raise step, start of the raise and whether it applies, for one kind
    of person (the arguments of `retirement_abs_one`).
    """
    if female:
        age = att.retirement_age_female_worker if worker else att.retirement_age_female_cadre
        full = att.raise_female_worker_months if worker else att.raise_female_cadre_months
        step = att.raise_female_worker_step_months if worker else att.raise_female_cadre_step_months
    else:
        age, full, step = att.retirement_age_male, att.raise_male_months, att.raise_male_step_months
    return round(age * 12), full, step, parse_month(att.raise_start), att.phased_raise


def retirement_abs_one(rule: tuple[int, int, int, int, bool], birth: int) -> int:
    """The scalar twin of `retirement_abs_month`, for one person (new hires) of `retirement_rule`'s kind."""
    age_months, full, step, raise_start, phased = rule
    base = birth + age_months
    after = base - raise_start
    if not phased or after < 0:
        return base
    return base + min(after // step + 1, full)


def first_exits(
    att: AttritionSection,
    now_abs: int,
    birth: np.ndarray,
    female: np.ndarray,
    worker: np.ndarray,
    draws: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's statutory retirement month (absolute), first exit cause (0 retirement, 1 death,
    2 quit; ties to the earlier) and months from `now_abs` to it (inf: never), for exponential `draws`
    (people × 2: death, quit).
    """
    age = (now_abs - birth) / 12.0
    death = event_month(att, "death", age, draws[:, 0], female)
    quit_ = event_month(att, "quit", age, draws[:, 1], female)
    retire_abs = retirement_abs_month(att, birth, female, worker)
    retire = np.maximum(retire_abs - now_abs, 1) if att.retirement else np.full(len(birth), np.inf)
    times = np.stack([retire, death, quit_], axis=1)
    cause = times.argmin(axis=1)
    return retire_abs, cause, times[np.arange(len(cause)), cause]


def exit_months(after: np.ndarray, horizon: int) -> list[tuple[int, np.ndarray]]:
    """The people (indices into `after`) whose exit falls by `horizon`, grouped by month in month order,
    in person order within a month (as one by one).
    """
    due = np.flatnonzero(after <= horizon)
    if not len(due):
        return []
    months = after[due].astype(np.int64)
    order = np.argsort(months, kind="stable")
    months, people = months[order], due[order]
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    return list(zip(months[starts].tolist(), np.split(people, starts[1:]), strict=True))

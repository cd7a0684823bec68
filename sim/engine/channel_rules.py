"""The channels' rules, defined once for the engine and the twin: who may take a channel, what it costs.

The engine applies them to one person at a time (Python scalars), the twin to arrays of lines;
the functions are written with element-wise operators so that the same definition serves both.
The reform's cut of the establishment sits here too, as the rule that makes the surplus.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.population.table import EDUCATION, SECTORS
from sim.scenario.schema import ChannelSection

TimeRule = tuple[float, float, float, float]
"""A channel's rules that change with time: (age_min, age_max, max_years_to_retirement, min_service_years),
in years; no retirement rule is +inf."""


def establishment_after_cut(old: float, cut: float, fixed: int | None) -> int:
    """A township sector's new establishment: `fixed` where its class sets one, else the old one cut by `cut`,
    rounded down (with a tolerance, so that 100 × (1 − 0.2) is 80, not 79).
    """
    return math.floor(old * (1 - cut) + 1e-9) if fixed is None else fixed


def static_eligibility(
    channels: list[ChannelSection],
    education: np.ndarray,
    female: np.ndarray,
    worker: np.ndarray,
    sector: np.ndarray,
) -> np.ndarray:
    """Channel rules that do not change with time (education, sex, status, sector), (people × channels)."""
    out = np.zeros((len(education), len(channels)), dtype=bool)
    for k, ch in enumerate(channels):
        ok = education >= EDUCATION.index(ch.min_education)
        if ch.sex != "any":
            ok &= female == (ch.sex == "female")
        if ch.status != "any":
            ok &= worker == (ch.status == "worker")
        ok &= np.isin(sector, [SECTORS.index(s) for s in ch.sectors])
        out[:, k] = ok
    return out


def time_rule(channel: ChannelSection) -> TimeRule:
    """The rules of `channel` that change with time, as `time_rules_met` reads them."""
    to_retire = channel.max_years_to_retirement
    return (
        channel.age_min,
        channel.age_max,
        math.inf if to_retire is None else to_retire,
        channel.min_service_years,
    )


def time_rules_met(rule: TimeRule, now_abs: Any, birth: Any, retire_abs: Any, entry: Any, leave_abs: Any) -> Any:
    """Whether a channel's rules that change with time let a person in now, to leave at `leave_abs`.

    The youngest age, the fewest years of service and the most years to retirement are met now;
    the oldest age still when leaving (after the lead time). Months are absolute; the arguments
    are scalars (the engine, one person) or arrays (the twin, lines).
    """
    age_min, age_max, max_to_retire, min_service = rule
    return (
        ((now_abs - birth) / 12.0 >= age_min)
        & ((leave_abs - birth) / 12.0 <= age_max)
        & ((now_abs - entry) / 12.0 >= min_service)
        & ((retire_abs - now_abs) / 12.0 <= max_to_retire)
    )


def closed_for_good(rule: TimeRule, leave_abs: Any, birth: Any) -> Any:
    """Whether a person leaving at `leave_abs` is past the channel's oldest age, and so at every later month:
    of `time_rules_met`'s conditions only this one, once false, stays false.
    """
    return (leave_abs - birth) / 12.0 > rule[1]


def last_open_month(rule: TimeRule, birth: int) -> float:
    """The last absolute month at which a person born in `birth` is not `closed_for_good` to the channel
    (inf: no oldest age); found from an estimate by `closed_for_good` itself, so the two agree exactly.
    """
    if not math.isfinite(rule[1]):
        return math.inf
    month = birth + math.floor(12.0 * rule[1])
    while closed_for_good(rule, month, birth):
        month -= 1
    while not closed_for_good(rule, month + 1, birth):
        month += 1
    return month


def _first_met(met: Callable[[int], bool], guess: int) -> int:
    """The first month at which `met` holds, for a condition false before some month and true from it on,
    searched from `guess` with `met` itself (so the answer agrees with it exactly).
    """
    while met(guess - 1):
        guess -= 1
    while not met(guess):
        guess += 1
    return guess


def open_by_age(rule: TimeRule, birth: int) -> int:
    """The first absolute month at which a person born in `birth` is old enough for the channel."""
    return _first_met(lambda t: (t - birth) / 12.0 >= rule[0], birth + math.ceil(12.0 * rule[0]))


def open_by_service(rule: TimeRule, entry: int) -> int:
    """The first absolute month at which a person who entered in `entry` has served long enough."""
    return _first_met(lambda t: (t - entry) / 12.0 >= rule[3], entry + math.ceil(12.0 * rule[3]))


def open_by_retirement(rule: TimeRule, retire_abs: int) -> float:
    """The first absolute month at which a person due to retire in `retire_abs` is close enough to it (-inf: no
    such rule).
    """
    if math.isinf(rule[2]):
        return -math.inf
    return _first_met(lambda t: (retire_abs - t) / 12.0 <= rule[2], retire_abs - math.floor(12.0 * rule[2]))


def next_open_month(opens: list[tuple[float, float]], after_abs: int, step: int, until_abs: int) -> int | None:
    """The first month `after_abs + j × step` (j ≥ 1, not past `until_abs`) within one of the `opens` spans
    (first month, last month), or None.

    `time_rules_met` (leaving the month of trying) holds exactly from the latest of `open_by_age`,
    `open_by_service` and `open_by_retirement` to `last_open_month`: each of its conditions switches once.
    So this is the first month of a scan that tries every `step` months, without the scan.
    """
    best = None
    for first, last in opens:
        month = after_abs + step
        if first > month:
            month -= ((month - int(first)) // step) * step  # up to the first month on the grid at or after `first`
        if month <= last and month <= until_abs and (best is None or month < best):
            best = month
    return best


def one_time_cost(channel: ChannelSection, salary: float, service: float) -> dict[str, float]:
    """Severance (with any fixed payment), pension buy-in and placement subsidy of one person taking `channel`,
    at a monthly `salary` (already indexed) after `service` years.
    """
    months = channel.severance_months_per_year * service
    if channel.severance_cap_months is not None:
        months = min(months, channel.severance_cap_months)
    years = service if channel.pension_buyin_years is None else channel.pension_buyin_years
    return {
        "severance": salary * months + channel.fixed_payment,
        "pension_buyin": channel.pension_buyin_rate * salary * 12 * years,
        "placement_subsidy": channel.placement_subsidy,
    }


@dataclass(frozen=True)
class ChannelRules:
    """The channels' time rules and one-time cost terms, each an array over the channels, for integrating
    them over lines of people (the twin); `one_time_cost` is the same rule for one person.
    """

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

    def time_rule(self, k: int) -> TimeRule:
        """Channel k's rules that change with time."""
        return (self.age_min[k], self.age_max[k], self.max_to_retire[k], self.min_service[k])

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

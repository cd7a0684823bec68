"""Channel arithmetic of the twin: which channels are open to a line, which it takes, what that costs.

The engine's rules of `sim.engine.diversion`, summed over the orders and masks a person can have
(tests/test_expected.py pins them to the engine's person by person).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.expected.attrition import normal_nodes
from sim.scenario.schema import ChannelSection

N_CHANNELS = 7
MASKS = 1 << N_CHANNELS
BITS = ((np.arange(MASKS)[:, None] >> np.arange(N_CHANNELS)) & 1).astype(bool)  # (128, 7)
WEIGHTS = 1 << np.arange(N_CHANNELS)


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


def adverse_nodes(rule: str, count: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """Nodes of the standardised merit of surplus people: uniform for random posting, else normal."""
    if rule == "random":
        z = (np.arange(count) + 0.5) / count
        return (z - 0.5) * np.sqrt(12.0), np.full(count, 1.0 / count)
    z = normal_nodes(count)
    return z / z.std(), np.full(count, 1.0 / count)

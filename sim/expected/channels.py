"""Channel arithmetic of the twin: which channels are open to a line, which it takes, what that costs.

The rules of `sim.engine.channel_rules`, summed over the orders and masks a person can have
(tests/test_expected.py pins them to the engine's person by person).
"""

from __future__ import annotations

import numpy as np

from sim.engine.channel_rules import ChannelRules, time_rules_met
from sim.expected.attrition import normal_nodes

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


def open_bits(
    rules: ChannelRules, static: np.ndarray, birth: np.ndarray, entry: np.ndarray, retire_abs: np.ndarray, now_abs: int
) -> np.ndarray:
    """The channels open to each line now, as a bit mask (channel k in bit k): the rules that do not change
    with time (`static`, a mask per line) and those that do (age band, years to retirement, service), met
    now and still in the month the channel would be left (after its lead time).

    Age, service and the approach of retirement only grow with time, so the lower age and service bounds
    and the years to retirement are checked now and the upper age bound when leaving.
    """
    bits = np.zeros(len(birth), dtype=np.int64)
    for k in np.flatnonzero((np.bitwise_or.reduce(static, initial=0) >> np.arange(N_CHANNELS)) & 1):
        ok = time_rules_met(rules.time_rule(int(k)), now_abs, birth, retire_abs, entry, now_abs + int(rules.lead[k]))
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

"""Money rules shared by the engine and the expected-value twin: pool attribution and indices.

One definition of each, so the two integrators cannot drift apart:

- `pro_rata`: a payment out of the pool is drawn from each payer's money still in the pool
  in proportion to what that payer still has there (a unitised fund: every yuan in the pool
  is alike). So no payer is ever charged more than it has put in, and the charges of a
  payment add up to the payment.
- `covers`: whether a balance can pay a request (with a yuan-scale float tolerance).
- `fiscal_index`: how own revenue and transfers grow (with wages, frozen, or at a rate).
- `retirement_payer`: who owes a retiree's budget-funded retirement pay, if anyone; the channels
  in `RETIREMENT_EXITS` take their leavers' pension with them (bought in, or deemed
  contributions, into the basic pension insurance), so the budget stops owing it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.population.table import TEMPORARY
from sim.scenario.schema import CHANNEL_IDS, Contributor, FiscalSection, Scenario

TOLERANCE = 1e-6  # yuan: float rounding of sums of payments
RETIREMENT_EXITS = tuple(CHANNEL_IDS.index(c) for c in ("resignation", "termination", "enterprise"))
MOVED_BUDGET = tuple(CHANNEL_IDS.index(c) for c in ("teacher", "police"))


def covers(balance: float, amount: float) -> bool:
    """Whether `balance` yuan can pay `amount` yuan."""
    return amount <= balance + TOLERANCE


def pro_rata(remaining: Sequence[float] | np.ndarray, amount: float) -> np.ndarray:
    """What each account is charged for paying `amount` out of accounts holding `remaining`.

    Each account pays in proportion to what it still holds; `amount` must not exceed their sum
    (more than the sum is charged in the same proportions, which the caller must not ask for).
    """
    held = np.asarray(remaining, dtype=float)
    total = float(held.sum())
    if total <= 0.0 or amount <= 0.0:
        return np.zeros_like(held)
    return held * (amount / total)


def payment_months(contributor: Contributor) -> list[int]:
    """The months a contributor's payments fall due, before any lateness: `first_month` + `delay_months`,
    then every month or year for `payments` payments (one for `once`).
    """
    step = {"once": 0, "monthly": 1, "yearly": 12}[contributor.schedule]
    count = 1 if contributor.schedule == "once" else contributor.payments
    return [contributor.first_month + k * step + contributor.delay_months for k in range(count)]


def expected_payments(contributor: Contributor, horizon: int) -> list[tuple[int, float]]:
    """(month, expected yuan) of a contributor's payments within the horizon: each due month's payment on
    time with 1 − `late_probability`, `late_months` later otherwise, short by `shortfall_share` with
    `shortfall_probability` (the expectation of the engine's draws in `sim.engine.pool`).
    """
    amount = contributor.amount * (1.0 - contributor.shortfall_probability * (1.0 - contributor.shortfall_share))
    if contributor.amount <= 0 or amount <= 0:
        return []
    late = contributor.late_probability
    return [
        (when, p * amount)
        for month in payment_months(contributor)
        for when, p in ((month, 1.0 - late), (month + contributor.late_months, late))
        if p > 0 and when <= horizon
    ]


def pro_rata_list(remaining: list[float], amount: float) -> list[float]:
    """`pro_rata` on a short list, without NumPy's per-call overhead (the engine's hot path)."""
    total = sum(remaining)
    if total <= 0.0 or amount <= 0.0:
        return [0.0] * len(remaining)
    factor = amount / total
    return [r * factor for r in remaining]


def wage_index(start_abs: int, month: int, growth: float) -> float:
    """Salary level in model `month` relative to month 0: salaries rise by `growth` each January."""
    return (1.0 + growth) ** ((start_abs % 12 + month) // 12)


def fiscal_index(fiscal: FiscalSection, wage_index: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The level of own revenue and transfers relative to month 0, per month.

    `wage`: they follow the wage index (transfers are set to cover payroll, as base.toml assumes);
    `fixed`: frozen in nominal terms; `rate`: they grow by `fiscal.growth` each January
    (`years` is the number of Januaries passed, as for wages).
    """
    if fiscal.index == "wage":
        return np.asarray(wage_index, dtype=float)
    if fiscal.index == "fixed":
        return np.ones_like(wage_index, dtype=float)
    return (1.0 + fiscal.growth) ** np.asarray(years, dtype=float)


def retirement_payer(scenario: Scenario, sector: int, channel: int | None) -> str | None:
    """Who owes the retirement pay of a person retiring from `sector` (None: nobody in the ledger).

    `channel` is the channel they were diverted through and are still in, or None (retiring from
    the payroll, returned people included). Temporaries have no budget pension; those who left
    through resignation, termination or enterprise are in the basic pension insurance (bought in,
    or with deemed years); teachers and police retire on their new budget; everyone else (in post,
    awaiting, rotating, early retirees, institution vacancies) on `money.payer_retirement_pay`.
    """
    if sector == TEMPORARY or scenario.money.retirement_pay_share <= 0:
        return None
    if channel is None:
        return scenario.money.payer_retirement_pay
    if channel in RETIREMENT_EXITS:
        return None
    if channel in MOVED_BUDGET:
        return scenario.channels.get(CHANNEL_IDS[channel]).recurring_payer
    return scenario.money.payer_retirement_pay

"""Rebound rules shared by the engine and the expected-value twin: request rate, re-growth measures.

One definition each, written on numbers or numpy arrays alike, so that the discrete-event
engine (`sim/engine/rebound.py`) draws from it and the twin (`sim/expected/`) integrates it:

- the over-establishment request rate, with the after-freeze multiplier only after a
  fixed freeze (`hiring.freeze_months` > 0) has ended;
- the chance that a petition to return succeeds, and that an inspection finds an illegal hire;
- `unfinished`: the surplus the drive has not placed (awaiting + rotating);
- `cut_achieved`: how far the establishment sectors' payroll has come down since the
  month before the reform, leaving re-growth out;
- `regrowth_share` = regrowth ÷ cut achieved.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from sim.scenario.schema import ReboundSection, Scenario

# derived monthly columns, written after `regrowth` (the stock the engine counts)
DERIVED_COLUMNS = ("unfinished", "cut_achieved", "regrowth_share")
FIVE_YEARS = 60  # 范文6: "此次后5年内……只能减少,不能增加"

Rate = TypeVar("Rate", float, np.ndarray)


def request_rate(scenario: Scenario, month: int, workload: Rate) -> Rate:
    """Over-establishment requests per township and month at `month`, given workload = S_reform / S_now.

    The after-freeze multiplier stands for pent-up demand once a fixed freeze lifts, so it
    applies only when `hiring.freeze_months` > 0 and from the month the freeze ends on.
    """
    rb = scenario.rebound
    rate = rb.request_rate / 12.0 * workload**rb.workload_elasticity
    if after_freeze(scenario, month):
        rate = rate * rb.after_freeze_multiplier
    return rate


def return_chance(rebound: ReboundSection) -> float:
    """Probability that a petition to return succeeds (from the anti-rebound window on)."""
    return rebound.return_success * (1.0 - rebound.enforcement)


def inspection_detection(rebound: ReboundSection) -> float:
    """Probability that an inspection finds and undoes an over-establishment hire still in post."""
    return rebound.inspection_detection + (1 - rebound.inspection_detection) * rebound.enforcement


def after_freeze(scenario: Scenario, month: int) -> bool:
    """Whether a fixed hiring freeze has ended by `month` (never true without one)."""
    freeze = scenario.hiring.freeze_months
    return freeze > 0 and month >= scenario.reform.month + freeze


def regrowth_share(regrowth: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Re-growth ÷ cut achieved: 0 without re-growth, NaN where there is re-growth but no cut."""
    regrowth = np.asarray(regrowth, dtype=float)
    cut = np.asarray(cut, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(cut > 0, regrowth / np.where(cut > 0, cut, 1.0), np.nan)
    return np.where(regrowth <= 1e-12, 0.0, share)


def fill_derived(table: np.ndarray, columns: tuple[str, ...], reform_month: int | None) -> None:
    """Write `unfinished`, `cut_achieved` and `regrowth_share` into a monthly table (months × columns).

    `reform_month` None means no reform: nothing was cut, so both cut and share are 0.
    The cut is measured against the payroll of the establishment sectors at the end of the
    month before the reform (month 0 for a reform in month 0).
    """
    col = {c: k for k, c in enumerate(columns)}
    table[:, col["unfinished"]] = table[:, col["state_awaiting"]] + table[:, col["state_rotating"]]
    staff = table[:, col["headcount_admin"]] + table[:, col["headcount_institution"]]
    regrowth = table[:, col["regrowth"]]
    cut = np.zeros(len(table))
    if reform_month is not None and reform_month < len(table):
        before = staff[max(reform_month - 1, 0)]
        cut[reform_month:] = before - (staff[reform_month:] - regrowth[reform_month:])
    table[:, col["cut_achieved"]] = cut
    table[:, col["regrowth_share"]] = regrowth_share(regrowth, cut)

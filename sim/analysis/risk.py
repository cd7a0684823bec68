"""Risk figures across replications, each with its Monte Carlo standard error.

- probability that headcount exceeds establishment at month 60 and at the horizon, and
  its two exclusive parts: the drive is unfinished (only the surplus not yet placed is
  over) or the sectors have re-grown (staff other than that surplus exceed establishment);
- expected number over establishment at those months;
- re-growth (over-establishment hires and returnees on the payroll): its expected size,
  its mean share of the cut achieved, and P(share above a threshold by month m);
- the five-year "no increase" rule (范文6): P(no hire over establishment and no return
  within five years of the reform) and the expected number of such entries;
- probability that the pool runs dry (someone waits for money and no waiting request can be
  paid from the balance) at some month-end by the deadline;
- payback month (median and P90): the first month after which cumulative savings
  against the no-reform counterfactual stay at or above zero, township and government view.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.engine.rebound_rules import FIVE_YEARS

RISK_COLUMNS = ("figure", "month", "estimate", "se", "p50", "p90", "replications")
REGROWTH_THRESHOLD = 0.05  # re-growth of more than 5% of the cut achieved


def regrowth_figure(threshold: float = REGROWTH_THRESHOLD) -> str:
    """The name of the figure P(re-growth share above `threshold` by month m), e.g. p_regrowth_share_over_5pct."""
    return f"p_regrowth_share_over_{threshold * 100:g}pct"


def _regrowth_rows(
    wide: Callable[[str], np.ndarray], months: list[int], reform: int, horizon: int, threshold: float
) -> list[dict[str, float | str | int]]:
    """Expected re-growth, its share of the cut, P(share above `threshold` by month m), the five-year rule."""
    rows = []
    regrowth, share = wide("regrowth"), wide("regrowth_share")
    start = min(reform, horizon)
    for month in months:
        rows.append(_mean_row("expected_regrowth", month, regrowth[:, month]))
        rows.append(_mean_row("expected_regrowth_share", month, share[:, month]))
        window = share[:, start : month + 1]
        above = ((window > threshold) | np.isnan(window)).any(axis=1)  # NaN: re-growth with nothing cut
        rows.append(_prob_row(regrowth_figure(threshold), month, above))
    end = reform + FIVE_YEARS
    if end <= horizon:
        entries = wide("overquota_hires_cumulative") + wide("returned_cumulative")
        increase = entries[:, end] - entries[:, start]
        rows.append(_prob_row("p_five_year_rule_held", end, increase == 0))
        rows.append(_mean_row("expected_five_year_increase", end, increase))
    return rows


def nothing_saved(savings: np.ndarray) -> bool:
    """Whether cumulative savings are 0 (within half a yuan) at every month of every replication: nothing was
    spent or saved against no reform (no reform), so there is no payback month to speak of.
    """
    values = np.asarray(savings, dtype=float)
    return bool(np.all(np.abs(values[np.isfinite(values)]) < 0.5))


def payback_months(savings: np.ndarray, reform_month: int) -> np.ndarray:
    """Payback month per replication from cumulative savings (replications × months); NaN if never.

    It is the month after the last month with negative cumulative savings, and no
    earlier than the reform; a run still negative at the horizon never pays back.
    """
    out = np.full(savings.shape[0], np.nan)
    for r, path in enumerate(savings):
        negative = np.flatnonzero(path < -1e-6)
        if len(negative) == 0:
            out[r] = reform_month
        elif negative[-1] < len(path) - 1:
            out[r] = max(negative[-1] + 1, reform_month)
    return out


def _mean_row(name: str, month: int, values: np.ndarray) -> dict[str, float | str | int]:
    values = values[~np.isnan(values)]
    n = len(values)
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return {
        "figure": name,
        "month": month,
        "estimate": float(values.mean()) if n else math.nan,
        "se": se,
        "p50": float(np.median(values)) if n else math.nan,
        "p90": float(np.quantile(values, 0.9)) if n else math.nan,
        "replications": n,
    }


def _prob_row(name: str, month: int, flags: np.ndarray) -> dict[str, float | str | int]:
    n = len(flags)
    p = float(flags.mean()) if n else math.nan
    se = math.sqrt(p * (1 - p) / n) if n else math.nan
    return {
        "figure": name,
        "month": month,
        "estimate": p,
        "se": se,
        "p50": math.nan,
        "p90": math.nan,
        "replications": n,
    }


def _payback_row(name: str, months: np.ndarray, horizon: int) -> dict[str, float | str | int]:
    """Median payback with its SE (normal approximation), P90; runs that never pay back count as beyond."""
    n = len(months)
    censored = np.where(np.isnan(months), np.inf, months)
    median = float(np.median(censored)) if n else math.nan
    with np.errstate(invalid="ignore"):
        p90 = float(np.quantile(censored, 0.9)) if n else math.nan
    finite = months[~np.isnan(months)]
    se = float(1.2533 * finite.std(ddof=1) / math.sqrt(len(finite))) if len(finite) > 1 else math.nan
    return {
        "figure": name,
        "month": horizon,
        "estimate": median if math.isfinite(median) else math.nan,
        "se": se,
        "p50": median if math.isfinite(median) else math.nan,
        "p90": p90 if math.isfinite(p90) else math.nan,
        "replications": n,
    }


def risk_table(
    monthly: pd.DataFrame,
    reform_month: int,
    deadline_month: int,
    regrowth_threshold: float = REGROWTH_THRESHOLD,
) -> pd.DataFrame:
    """All risk figures for one scenario's replications (one row per figure and month)."""
    horizon = int(monthly["month"].max())

    def wide(metric: str) -> np.ndarray:
        return monthly.pivot(index="replication", columns="month", values=metric).to_numpy()

    # temporaries have no establishment: compare the establishment sectors only
    head = wide("headcount_admin") + wide("headcount_institution")
    est = wide("establishment_total")
    at_months = sorted({m for m in (60, horizon) if m <= horizon})
    split = "unfinished" in monthly.columns  # results written before the split lack it
    rows = []
    for month in at_months:
        over = head[:, month] > est[:, month]
        rows.append(_prob_row("p_over_establishment", month, over))
        if split:
            regrown = head[:, month] - wide("unfinished")[:, month] > est[:, month]
            rows.append(_prob_row("p_over_establishment_unfinished", month, over & ~regrown))
            rows.append(_prob_row("p_over_establishment_regrowth", month, regrown))
        rows.append(_mean_row("expected_over_establishment", month, np.maximum(head[:, month] - est[:, month], 0)))
    if "regrowth" in monthly.columns:
        rows += _regrowth_rows(wide, at_months, reform_month, horizon, regrowth_threshold)
    if "pool_dry" in monthly.columns:  # dry: someone waits for money and nobody waiting can be paid
        dry = wide("pool_dry")[:, : min(deadline_month, horizon) + 1]
        rows.append(_prob_row("p_pool_dry_by_deadline", deadline_month, np.asarray((dry > 0).any(axis=1))))
    for view in ("township", "government"):
        column = f"savings_cumulative_{view}"
        if column in monthly.columns and monthly[column].notna().any() and not nothing_saved(wide(column)):
            months = payback_months(wide(column), reform_month)
            rows.append(_payback_row(f"payback_month_{view}", months, horizon))
            rows.append(_prob_row(f"p_payback_{view}", horizon, ~np.isnan(months)))
    return pd.DataFrame(rows, columns=list(RISK_COLUMNS))

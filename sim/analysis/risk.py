"""Risk figures across replications, each with its Monte Carlo standard error.

- probability that headcount exceeds establishment at month 60 and at the horizon;
- expected number over establishment at those months;
- rebound share = (headcount at the horizon − lowest) / (initial − lowest);
- probability that the pool runs dry (someone waits for money and no waiting request can be
  paid from the balance) at some month-end by the deadline;
- payback month (median and P90): the first month after which cumulative savings
  against the no-reform counterfactual stay at or above zero, township and government view.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

RISK_COLUMNS = ("figure", "month", "estimate", "se", "p50", "p90", "replications")


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


def risk_table(monthly: pd.DataFrame, reform_month: int, deadline_month: int) -> pd.DataFrame:
    """All risk figures for one scenario's replications (one row per figure and month)."""
    horizon = int(monthly["month"].max())

    def wide(metric: str) -> np.ndarray:
        return monthly.pivot(index="replication", columns="month", values=metric).to_numpy()

    # temporaries have no establishment: compare the establishment sectors only
    head = wide("headcount_admin") + wide("headcount_institution")
    est = wide("establishment_total")
    rows = []
    for month in sorted({m for m in (60, horizon) if m <= horizon}):
        rows.append(_prob_row("p_over_establishment", month, head[:, month] > est[:, month]))
        rows.append(_mean_row("expected_over_establishment", month, np.maximum(head[:, month] - est[:, month], 0)))
    after = head[:, min(reform_month, horizon) :]
    lowest = after.min(axis=1)
    span = head[:, 0] - lowest
    share = np.where(span > 0, (head[:, -1] - lowest) / np.where(span > 0, span, 1), np.nan)
    rows.append(_mean_row("rebound_share", horizon, share))
    if "pool_dry" in monthly.columns:  # dry: someone waits for money and nobody waiting can be paid
        dry = wide("pool_dry")[:, : min(deadline_month, horizon) + 1]
        rows.append(_prob_row("p_pool_dry_by_deadline", deadline_month, (dry > 0).any(axis=1)))
    for view in ("township", "government"):
        column = f"savings_cumulative_{view}"
        if column in monthly.columns and monthly[column].notna().any():
            months = payback_months(wide(column), reform_month)
            rows.append(_payback_row(f"payback_month_{view}", months, horizon))
            rows.append(_prob_row(f"p_payback_{view}", horizon, ~np.isnan(months)))
    return pd.DataFrame(rows, columns=list(RISK_COLUMNS))

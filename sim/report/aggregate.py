"""Aggregates that figures plot: bands over replications, probabilities, paired differences.

Everything here reduces the replications first, so that a report's size does not grow with
their number ("bands, not spaghetti"). Inputs are monthly tables in the long format that
`fenliu run` writes: columns `replication`, `month`, then one column per metric.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.analysis import nothing_saved, payback_months
from sim.report.i18n import CHANNELS, ONE_TIME_COMPONENTS

QUANTILES = {"p5": 0.05, "p50": 0.50, "p95": 0.95}
KEYS = ("replication", "month")


def metric_columns(monthly: pd.DataFrame) -> list[str]:
    """The metric columns of a monthly table (everything but replication and month)."""
    return [c for c in monthly.columns if c not in KEYS]


def bands(monthly: pd.DataFrame, metrics: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Mean, P5, P50 and P95 over replications: {stat: DataFrame(index=month, columns=metric)}."""
    metrics = metric_columns(monthly) if metrics is None else list(metrics)
    grouped = monthly.groupby("month", sort=True)[metrics]
    out = {"mean": grouped.mean()}
    quantiles = grouped.quantile(list(QUANTILES.values()))
    for stat, q in QUANTILES.items():
        out[stat] = quantiles.xs(q, level=-1)
    return out


def wide(monthly: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric as a (month × replication) table."""
    return monthly.pivot(index="month", columns="replication", values=metric).sort_index()


def at_month(monthly: pd.DataFrame, metric: str, month: int) -> pd.Series:
    """A metric's value per replication at `month` (the last month if beyond the horizon)."""
    month = min(int(month), int(monthly["month"].max()))
    rows = monthly[monthly["month"] == month]
    return rows.set_index("replication")[metric].sort_index()


def probability(monthly: pd.DataFrame, condition: pd.Series) -> pd.Series:
    """Share of replications for which a boolean row condition holds, per month."""
    return condition.groupby(monthly["month"]).mean().sort_index()


def t_quantile_975(df: int) -> float:
    """Upper 97.5% quantile of Student's t with `df` degrees of freedom (NaN below 1)."""
    from scipy import stats  # imported here: scipy.stats costs a second at start-up

    return float(stats.t.ppf(0.975, df)) if df >= 1 else math.nan


def mean_interval(values: np.ndarray) -> tuple[float, float, float, int]:
    """Mean and 95% t-interval of a sample, ignoring NaN: (mean, low, high, n)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan, 1
    half = t_quantile_975(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


def townships_over(by_township: pd.DataFrame | None, month: int) -> tuple[pd.Series, int] | None:
    """Per replication, how many townships are over their own establishment at `month` (administrative and
    institution staff on the payroll above posts, as by_township counts it), and the number of townships;
    None when the table does not hold that month.
    """
    if by_township is None or by_township.empty:
        return None
    at = by_township[by_township["month"] == month]
    if "level" in at:
        at = at[at["level"] == "township"]
    if at.empty:
        return None
    return (at["over_establishment"] > 0).groupby(at["replication"]).sum(), int(at["unit"].nunique())


def count_shown(value: float) -> str:
    """A mean count as text: one decimal below 10 (1.7 townships), whole numbers above."""
    return f"{value:,.1f}" if 0 < value < 10 else f"{value:,.0f}"


def paired_interval(a: pd.Series, b: pd.Series, kind: str) -> tuple[float, float, float, int]:
    """Mean `b − a` of one outcome paired by replication, with its 95% t-interval and pair count. A difference of
    probabilities (0/1 per replication) lies in [−1, 1], and so does its interval (the t-interval can overshoot).
    """
    a, b = a.align(b, join="inner")
    mean, low, high, n = mean_interval((b - a).to_numpy(dtype=float))
    if kind == "probability" and n > 1:
        low, high = max(low, -1.0), min(high, 1.0)
    return mean, low, high, n


def paired_difference(a: pd.DataFrame, b: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per month, `b − a` of one metric paired by replication: columns mean, low, high, n.

    Only the replications and months present in both tables are paired.
    """
    wa, wb = wide(a, metric), wide(b, metric)
    months = wa.index.intersection(wb.index)
    reps = wa.columns.intersection(wb.columns)
    diff = wb.loc[months, reps].to_numpy() - wa.loc[months, reps].to_numpy()
    n = diff.shape[1]
    mean = diff.mean(axis=1)
    half = t_quantile_975(n - 1) * diff.std(axis=1, ddof=1) / math.sqrt(n) if n > 1 else np.full(len(months), np.nan)
    return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half, "n": n}, index=months)


def calendar_years(months: Iterable[int], start: str) -> np.ndarray:
    """Calendar year of each model month, for a scenario starting in 'YYYY-MM'."""
    year, month = (int(p) for p in start.split("-"))
    return year + (month - 1 + np.asarray(list(months), dtype=int)) // 12


def yearly_sums(means: pd.DataFrame, start: str) -> pd.DataFrame:
    """Sum monthly flows (index=month) into calendar years, dropping a last year not complete."""
    years = calendar_years(means.index, start)
    sums = means.groupby(years).sum()
    if len(sums) > 1 and (years == years[-1]).sum() < 12:
        sums = sums.iloc[:-1]
    return sums


def family(columns: Iterable[str], prefix: str, order: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[str]:
    """Columns named `prefix<id>`, known ids in `order` first, then the rest in table order."""
    cols = [c for c in columns if c.startswith(prefix) and c[len(prefix) :] not in set(exclude)]
    rank = {f"{prefix}{ident}": k for k, ident in enumerate(order)}
    return sorted(cols, key=lambda c: rank.get(c, len(rank)))


TOTALS = ("cost_township", "cost_government")


def cost_components(columns: Iterable[str]) -> list[str]:
    """The `cost_<component>` columns: not `cost_by_<payer>`, totals, nor counterfactual costs."""
    return [
        c
        for c in family(columns, "cost_")
        if not c.startswith("cost_by_") and c not in (*TOTALS, "cost_total") and not c.endswith("_counterfactual")
    ]


def outcomes(monthly: pd.DataFrame, deadline: int, reform_month: int) -> pd.DataFrame:
    """One row per replication with the headline outcomes whose columns exist.

    Money is in yuan; probabilities are 0/1 indicators (their mean is the probability);
    payback months (as `sim.analysis.payback_months`) are NaN where not reached. Over
    establishment is read at month 60 (`over_y5`) and at the horizon (`over_end`), as in
    `sim.analysis.risk_table`.
    """
    cols = set(monthly.columns)
    horizon = int(monthly["month"].max())
    reps = np.sort(monthly["replication"].unique())
    out = pd.DataFrame(index=pd.Index(reps, name="replication"))

    def at(metric: str, month: int) -> pd.Series:
        return at_month(monthly, metric, month).reindex(reps)

    def total(metric_list: list[str]) -> pd.Series:
        return monthly.groupby("replication")[metric_list].sum().sum(axis=1).reindex(reps)

    out["headcount_deadline"] = at("headcount_total", deadline)
    out["headcount_change"] = out["headcount_deadline"] - at("headcount_total", 0)
    if "state_awaiting" in cols:  # the surplus not yet placed: awaiting a post, or on rotating shifts (a fake exit)
        out["awaiting_deadline"] = at("state_awaiting", deadline)
        if "state_rotating" in cols:
            out["rotating_deadline"] = at("state_rotating", deadline)
            out["awaiting_deadline"] += out["rotating_deadline"]
    out["headcount_horizon"] = at("headcount_total", horizon)
    if "establishment_total" in cols:
        # the establishment sectors only (temporaries have no establishment), as sim.analysis.risk_table
        sectors = ["headcount_admin", "headcount_institution"]
        head = monthly[sectors].sum(axis=1) if set(sectors) <= cols else monthly["headcount_total"]
        frame = monthly[["replication", "month"]].assign(over=(head > monthly["establishment_total"]).astype(float))
        if "unfinished" in cols:  # over even without the surplus the drive has not placed: re-growth
            regrown = (head - monthly["unfinished"]) > monthly["establishment_total"]
            frame = frame.assign(over_regrowth=regrown.astype(float))
        for key, month in (("y5", 60), ("end", horizon)):
            if month <= horizon:
                out[f"over_{key}"] = at_month(frame, "over", month).reindex(reps)
                if "over_regrowth" in frame:
                    out[f"over_regrowth_{key}"] = at_month(frame, "over_regrowth", month).reindex(reps)
    if "regrowth" in cols:
        out["regrowth_end"] = at("regrowth", horizon)
    diverted = family(cols, "diverted_", CHANNELS)
    if diverted:
        out["diverted_total"] = sum(at(c, horizon) for c in diverted)
    one_time = [f"cost_{c}" for c in ONE_TIME_COMPONENTS if f"cost_{c}" in cols]
    if one_time:
        out["one_time_cost"] = total(one_time)
    for key in TOTALS:
        if key in cols:
            out[key] = total([key])
    if "savings_cumulative_government" in cols:
        out["savings_government"] = at("savings_cumulative_government", horizon)
    for view in ("government", "township"):
        if f"savings_cumulative_{view}" in cols:
            savings = wide(monthly, f"savings_cumulative_{view}").reindex(columns=reps)
            if nothing_saved(savings.to_numpy()):  # no reform: no payback month to speak of
                continue
            out[f"payback_{view}"] = payback_months(savings.to_numpy().T, reform_month)
    if "fiscal_gap" in cols:
        out["fiscal_gap"] = total(["fiscal_gap"])
    if "pool_waiting" in cols:
        out["pool_waiting_deadline"] = at("pool_waiting", deadline)
    if "pool_unpaid" in cols:  # the funding gap: yuan of requests the pool could not pay
        out["funding_gap_deadline"] = at("pool_unpaid", deadline)
    if "returned_cumulative" in cols:
        out["returned"] = at("returned_cumulative", horizon)
    if "overquota_hires_cumulative" in cols:
        undone = at("overquota_reversed_cumulative", horizon) if "overquota_reversed_cumulative" in cols else 0.0
        out["overquota_net"] = at("overquota_hires_cumulative", horizon) - undone
    return out


def describe(values: pd.Series) -> dict[str, float]:
    """Mean, P5, P50, P95 and the count of non-missing values of one outcome."""
    v = values.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return {"mean": math.nan, "p5": math.nan, "p50": math.nan, "p95": math.nan, "n": 0}
    p5, p50, p95 = np.quantile(v, list(QUANTILES.values()))
    return {"mean": float(v.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95), "n": len(v)}

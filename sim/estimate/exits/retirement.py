"""Observed retirements against the statutory rule of a scenario (ages by sex and status, phased raise)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.estimate.exits.snapshots import DIVERTED, RETIRED

COLUMNS = (
    "at_risk",
    "due_by_rule",
    "retired",
    "retired_early",
    "retired_at_or_after",
    "stayed_past_statutory",
    "unexplained_past_statutory",
    "early_retirement_channel",
    "past_statutory_at_start",
    "mean_age_at_retirement",
)


def _months(text: pd.Series) -> np.ndarray:
    parts = text.str.split("-", expand=True)
    return parts[0].astype(int).to_numpy() * 12 + parts[1].astype(int).to_numpy() - 1


def retirement_table(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Per sex and status (and in total): people at risk, retirements the rule makes due in the interval,
    observed retirements before and at/after the statutory date, and people past it who stayed or vanished.

    A retirement without a date counts as early when the statutory date lies after the later roster.
    """
    c = cohorts
    retired = (c["outcome"] == RETIRED).to_numpy()
    statutory = _months(c["statutory_date"])
    dated = (c["exit_date"] != "").to_numpy()
    exit_month = np.where(dated, _months(c["exit_date"].where(dated, "0-1")), -1)
    end = _months(c["end"])
    early = retired & np.where(dated, exit_month < statutory, statutory > end)
    reached = c["reached_statutory"].to_numpy()
    past = c["past_statutory_at_start"].to_numpy()
    flags = pd.DataFrame(
        {
            "sex": c["sex"].to_numpy(),
            "status": c["status"].to_numpy(),
            "at_risk": 1,
            "due_by_rule": (reached & ~past).astype(int),
            "retired": retired.astype(int),
            "retired_early": early.astype(int),
            "retired_at_or_after": (retired & ~early).astype(int),
            "stayed_past_statutory": ((c["outcome"] == "stayed").to_numpy() & reached).astype(int),
            "unexplained_past_statutory": ((c["outcome"] == "unexplained").to_numpy() & reached).astype(int),
            "early_retirement_channel": (
                (c["outcome"] == DIVERTED).to_numpy() & (c["detail"] == "early_retirement").to_numpy()
            ).astype(int),
            "past_statutory_at_start": past.astype(int),
            "age_sum": np.where(retired & dated, c["exit_age"].to_numpy(), 0.0),
            "aged": (retired & dated).astype(int),
        }
    )
    counts = [c for c in COLUMNS if c != "mean_age_at_retirement"]
    by = flags.groupby(["sex", "status"], sort=True)[[*counts, "age_sum", "aged"]].sum().reset_index()
    total = flags[[*counts, "age_sum", "aged"]].sum().to_frame().T.assign(sex="all", status="all")
    out = pd.concat([by, total], ignore_index=True)
    out[counts] = out[counts].astype(np.int64)
    aged = out["aged"].to_numpy(dtype=float)
    out["mean_age_at_retirement"] = np.where(
        aged > 0, out["age_sum"].to_numpy(dtype=float) / np.maximum(aged, 1), np.nan
    )
    return out[["sex", "status", *COLUMNS]]

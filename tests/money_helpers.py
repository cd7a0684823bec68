"""Hand-computable cases for the money and rebound tests (issue 4).

`two_people()` is one administrative township with two staff members and an old
establishment of 2; `deterministic(...)` cuts it to 1 and switches every source of
randomness off: no deaths, quits or retirements, no hiring, no over-establishment requests,
no wage growth, no discounting, only `resignation` open (acceptance 1, no exam, unlimited
money), and the merit score without noise (A, appraisal 90, keeps the post; B, appraisal 60,
is surplus). Places in `resignation` are released once a year in April, so with the reform in
January of model year 1 (month 12) B waits WAIT = 3 months on the allowance, then takes a
place, is paid the severance and leaves in month 15 (lead time 0).

Month convention: an event at month m happens during month m and the row for m is taken
after it, so the row for the reform month already shows B awaiting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.ledger import COMPONENTS, ONE_TIME
from sim.population.table import ADMIN, Population, Townships
from sim.scenario import with_overrides
from sim.scenario.schema import CHANNEL_IDS, PAYERS, Scenario

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
START_ABS = 2005 * 12  # "2005-01", the schema default
REFORM = 12  # January 2006
WAIT = 3  # places released in April: months 12, 13, 14 on the allowance
DIVERTED = REFORM + WAIT
SALARY_A = 2000.0
SALARY_B = 1500.0
ALLOWANCE = 0.6
SERVICE_YEARS_B = 20  # B's years of service in the month the severance is paid
HORIZON = 60

COMPONENT_COLUMNS = [f"cost_{c}" for c in COMPONENTS]
PAYER_COLUMNS = [f"cost_by_{p}" for p in PAYERS]
ONE_TIME_COLUMNS = [f"cost_{c}" for c in ONE_TIME]


def two_people(
    salary_a: float = SALARY_A, salary_b: float = SALARY_B, birth_b: int = START_ABS - 45 * 12
) -> Population:
    """A (appraisal 90) and B (appraisal 60), men aged 40 and (by default) 45, B with 20 years of
    service at DIVERTED.
    """
    townships = Townships(("T1",), np.zeros(1, dtype=np.int64), np.array([2]), np.array([0]))
    return Population(
        ids=np.array(["A", "B"], dtype=object),
        township=np.zeros(2, dtype=np.int64),
        sector=np.full(2, ADMIN, dtype=np.int64),
        female=np.zeros(2, dtype=bool),
        worker=np.zeros(2, dtype=bool),
        leader=np.zeros(2, dtype=bool),
        protected=np.zeros(2, dtype=bool),
        birth=np.array([START_ABS - 40 * 12, birth_b], dtype=np.int64),
        entry=np.array([START_ABS - 15 * 12, START_ABS + DIVERTED - SERVICE_YEARS_B * 12], dtype=np.int64),
        education=np.full(2, 2, dtype=np.int64),
        salary=np.array([salary_a, salary_b]),
        appraisal=np.array([90.0, 60.0]),
        townships=townships,
    )


def deterministic(severance_months_per_year: float = 1.0, channel: str = "resignation", **extra: Any) -> Scenario:
    """The deterministic two-person scenario with only `channel` open (every eligibility rule
    relaxed, no one-time cost but the severance), with `extra` dotted overrides on top.
    """
    ch = f"channels.{channel}"
    overrides: dict[str, Any] = {
        "time.horizon_months": HORIZON,
        "attrition.retirement": False,
        "attrition.death_rate": 0.0,
        "attrition.quit_rate": 0.0,
        "reform.month": REFORM,
        "reform.deadline_month": REFORM,
        "reform.cut_admin": 0.5,
        "reform.selection_rule": "merit",
        "reform.merit.noise": 0.0,
        "hiring.replacement_ratio": 0.0,
        "hiring.pre_reform_replacement": 0.0,
        "rebound.request_rate": 0.0,
        "money.wage_growth": 0.0,
        "money.discount_rate": 0.0,
        "money.counterfactual": True,
        "diversion.allowance_share": ALLOWANCE,
        "diversion.order": [channel],
        "diversion.patience_months": 0,
        "diversion.after_deadline": "keep_queueing",
        "pool.unlimited": True,
        "pool.top_up_payer": "county",
        "pool.contributors": [],
        **{f"channels.{c}.open": c == channel for c in CHANNEL_IDS},
        f"{ch}.age_min": 0.0,
        f"{ch}.age_max": 100.0,
        f"{ch}.max_years_to_retirement": None,
        f"{ch}.min_service_years": 0.0,
        f"{ch}.min_education": "primary",
        f"{ch}.sectors": ["admin", "institution"],
        f"{ch}.acceptance": 1.0,
        f"{ch}.exam_pass_rate": 1.0,
        f"{ch}.lead_time_months": 0,
        f"{ch}.severance_months_per_year": severance_months_per_year,
        f"{ch}.severance_cap_months": None,
        f"{ch}.fixed_payment": 0.0,
        f"{ch}.pension_buyin_rate": 0.0,
        f"{ch}.placement_subsidy": 0.0,
        f"{ch}.places_per_year": 1,
        f"{ch}.release_month": 1 + WAIT,
        f"{ch}.return_hazard": 0.0,
    }
    overrides.update(extra)
    return with_overrides(Scenario(), overrides)


def replication(monthly: pd.DataFrame, rep: int = 0) -> pd.DataFrame:
    """One replication's rows, indexed by month."""
    return monthly[monthly["replication"] == rep].set_index("month")

"""Small scenarios and event-log helpers shared by the foundation acceptance tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine import EVENT_COLUMNS
from sim.engine.model import Model
from sim.engine.states import ON_PAYROLL, STATE_NAMES
from sim.population.table import Population
from sim.scenario import with_overrides
from sim.scenario.schema import Scenario

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
PAYROLL_STATES = {name for name, on in zip(STATE_NAMES, ON_PAYROLL, strict=True) if on}

# Mechanisms outside the foundation issue, switched off where a test needs the plain
# "only exit, no entry" rules: hiring over establishment and return flow (rebound), the
# no-reform twin run for the savings columns (money), in-service diplomas (training).
# Keys of sections the schema does not have (yet) are left out.
QUIET = {
    "rebound.request_rate": 0.0,
    "rebound.return_success": 0.0,
    "money.counterfactual": False,
    "training.diploma_rate": 0.0,
}


def present(overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides whose top-level section exists in the schema."""
    return {k: v for k, v in overrides.items() if k.split(".")[0] in Scenario.model_fields}


def scenario(overrides: dict[str, Any], quiet: bool = True) -> Scenario:
    """Schema defaults with `overrides` (and the QUIET switches) on top."""
    return with_overrides(Scenario(), {**(present(QUIET) if quiet else {}), **overrides})


def run_model(
    scn: Scenario, population: Population, seed: int, replication: int = 0
) -> tuple[Model, pd.DataFrame, pd.DataFrame]:
    """Run one replication through the engine's Model; return it, its monthly table and event log."""
    model = Model(scn, population, seed, replication, record_events=True)
    result = model.run()
    monthly = pd.DataFrame(result.monthly, columns=list(result.columns))
    monthly.insert(0, "month", range(len(monthly)))
    events = pd.DataFrame(result.events, columns=list(EVENT_COLUMNS))
    return model, monthly, events


def leaves_payroll(events: pd.DataFrame) -> pd.Series:
    """Rows of the event log that take someone off the township payroll."""
    return events["from_state"].isin(PAYROLL_STATES) & ~events["to_state"].isin(PAYROLL_STATES)


def joins_payroll(events: pd.DataFrame) -> pd.Series:
    """Rows that put someone on the payroll (hires have an empty from_state)."""
    return ~events["from_state"].isin(PAYROLL_STATES) & events["to_state"].isin(PAYROLL_STATES)

"""Transfers and own revenue follow `fiscal.index`, so the no-reform fiscal gap stays plausible.

base.toml sets transfers to roughly cover the pre-reform payroll. With wages rising 5% a year
and transfers frozen in nominal terms (`fixed`, the behaviour before issue 13) the no-reform
township gap grows to a third of the townships' cost by month 120 (12.4 million yuan a month
in the full city); tied to the wage index (the default) it stays within a few per cent of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.expected import expected

NO_REFORM = Path(__file__).resolve().parents[1] / "scenarios" / "no_reform.toml"
SMALL = {"population.synthetic.townships": 8, "fiscal.growth": 0.02}


@pytest.fixture(scope="module")
def gaps() -> dict[str, tuple[float, float]]:
    out = {}
    for index in ("wage", "rate", "fixed"):
        scn = sim.load_scenario(NO_REFORM, {**SMALL, "fiscal.index": index})
        m = sim.run(scn, replications=2, seed=1).monthly.groupby("month").mean()
        out[index] = (float(m["fiscal_gap"].iloc[-1]), float(m["cost_township"].iloc[-1]))
    return out


def test_no_reform_gap_stays_plausible_under_the_default_index(gaps: dict[str, tuple[float, float]]) -> None:
    assert sim.Scenario().fiscal.index == "wage"
    gap, cost = gaps["wage"]
    assert 0 <= gap <= 0.05 * cost  # stated band: at most 5% of what the townships pay each month


def test_index_moves_the_gap_the_right_way(gaps: dict[str, tuple[float, float]]) -> None:
    """Slower growth of capacity than of wages (5%): a wider gap; frozen: the widest."""
    assert gaps["fixed"][0] > gaps["rate"][0] > gaps["wage"][0]
    assert gaps["fixed"][0] > 0.2 * gaps["fixed"][1]  # frozen: the implausible gap of the issue


def test_the_twin_indexes_capacity_alike() -> None:
    twin = {}
    for index in ("wage", "fixed"):
        scn = sim.load_scenario(NO_REFORM, {**SMALL, "fiscal.index": index})
        twin[index] = expected(scn, seed=1).monthly["fiscal_gap"].iloc[-1]
    assert twin["fixed"] > twin["wage"]

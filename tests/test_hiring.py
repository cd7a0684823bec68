"""'Only exit, no entry' (只出不进) and the refilling of vacancies, checked on the event log.

The log is replayed person by person: hires (empty from_state) add one to their township
sector, moves off the payroll (retired, left, diverted) subtract one. The replay is itself
checked against the monthly headcounts, then used to see the headcount each hire met.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scenario_helpers import joins_payroll, leaves_payroll, run_model, scenario

import sim
from sim.population.table import SECTORS

SECTOR_COLUMNS = [f"headcount_{s}" for s in SECTORS]

# Sectors stay fixed in these runs (no joint posting, no move into institution posts), so a
# person's township and sector are those the model ends with.
FIXED_SECTORS = {
    "reform.joint_posting": False,
    "channels.institution_vacancy.open": False,
}


def small(overrides: dict[str, Any]) -> sim.Scenario:
    return scenario(
        {
            "population.synthetic.townships": 3,
            "township_classes": [{"name": "all", "staff_admin": 20, "staff_institution": 25, "staff_temporary": 3}],
            "time.horizon_months": 72,
            "attrition.quit_rate": 0.15,
            "hiring.refill_lag_months": 1,
            **FIXED_SECTORS,
            **overrides,
        }
    )


def replay(
    model: sim.engine.Model, monthly: pd.DataFrame, events: pd.DataFrame, population: sim.Population
) -> pd.DataFrame:
    """The hired events, each with the township-sector headcount and establishment it met."""
    people = model.people
    assert not (events["event"] == "posted").any(), "a sector changed: the replay assumes fixed sectors"
    where = {pid: (people.township[i], people.sector[i]) for i, pid in enumerate(people.ids)}
    counts = population.staff_counts().astype(int)
    est = np.asarray(model.est)  # the establishment after the reform
    reform = model.scenario.reform.month
    hires = []
    leaving = leaves_payroll(events).to_numpy()
    joining = joins_payroll(events).to_numpy()
    by_month = events.groupby("month").indices
    for month in range(len(monthly)):
        for k in by_month.get(month, []):
            tw, sector = where[events.at[k, "person"]]
            if joining[k]:
                if events.at[k, "event"] == "hired":
                    limit = est[tw][sector] if sector < est.shape[1] else 0
                    hires.append((month, tw, SECTORS[sector], counts[tw, sector], limit, month >= reform))
                counts[tw, sector] += 1
            elif leaving[k]:
                counts[tw, sector] -= 1
        # the replay must reproduce the monthly headcounts
        np.testing.assert_array_equal(
            counts.sum(axis=0), monthly.loc[month, SECTOR_COLUMNS].to_numpy(dtype=int), err_msg=f"month {month}"
        )
    return pd.DataFrame(hires, columns=["month", "township", "sector", "before", "establishment", "after_reform"])


@pytest.mark.parametrize("seed", [1, 2])
def test_no_hire_at_or_above_establishment_after_the_reform(seed: int) -> None:
    scn = small({"reform.cut_admin": 0.1, "reform.cut_institution": 0.3, "hiring.replacement_ratio": 1.0})
    population = sim.build_population(scn, seed)
    model, monthly, events = run_model(scn, population, seed)
    hires = replay(model, monthly, events, population)
    after = hires[hires["after_reform"]]
    assert len(after) > 10, "the test needs hires after the reform"
    offending = after[after["before"] >= after["establishment"]]
    assert offending.empty, f"hires at or above establishment:\n{offending}"
    assert not (after["sector"] == "temporary").any()
    assert (hires.loc[~hires["after_reform"], "month"] < scn.reform.month).all()


def test_no_hire_during_the_freeze() -> None:
    freeze = 18
    scn = small({"reform.month": 12, "hiring.freeze_months": freeze, "attrition.quit_rate": 0.3})
    population = sim.build_population(scn, 3)
    model, monthly, events = run_model(scn, population, 3)
    hired = events.loc[events["event"] == "hired", "month"]
    assert hired.between(12, 12 + freeze - 1).sum() == 0
    assert (hired < 12).any() and (hired >= 12 + freeze).any(), "the test needs hires before and after the freeze"
    frozen = monthly.set_index("month")["hires_cumulative"]
    assert frozen.loc[11] == frozen.loc[12 + freeze - 1]
    hires = replay(model, monthly, events, population)
    after = hires[hires["after_reform"]]
    assert (after["before"] < after["establishment"]).all()


def test_headcount_settles_at_establishment() -> None:
    """With one-for-one replacement after one month, a vacancy of month m is filled in month m + 1.

    Once the surplus is gone, the only gap at the horizon H is the people who left in month H
    itself: 0 <= establishment - headcount <= leavers(H), per sector. At quit rate 0.3/year
    that is about 2.5% of establishment (0.3 / 12).
    """
    scn = small(
        {
            "time.horizon_months": 120,
            "attrition.quit_rate": 0.3,
            "attrition.retirement": False,
            "hiring.replacement_ratio": 1.0,
            "hiring.refill_lag_months": 1,
        }
    )
    for seed in (4, 5, 6):
        population = sim.build_population(scn, seed)
        model, monthly, events = run_model(scn, population, seed)
        last = monthly.iloc[-1]
        horizon = int(last["month"])
        assert last["state_awaiting"] + last["state_rotating"] == 0, "surplus left at the horizon"
        where = {pid: model.people.sector[i] for i, pid in enumerate(model.people.ids)}
        leavers = events[leaves_payroll(events) & (events["month"] == horizon)]
        left_by_sector = leavers["person"].map(where).value_counts()
        for k, name in enumerate(("admin", "institution")):
            est = last[f"establishment_{name}"]
            gap = est - last[f"headcount_{name}"]
            assert 0 <= gap <= left_by_sector.get(k, 0), f"seed {seed}, {name}: gap {gap}"
            assert gap <= 0.1 * est
        assert last["headcount_temporary"] == 0


def test_partial_replacement_keeps_headcount_below_establishment() -> None:
    """One hire per five vacancies (Greece 2010-18): headcount ends well below establishment."""
    scn = small({"time.horizon_months": 96, "attrition.quit_rate": 0.3, "hiring.replacement_ratio": 0.2})
    population = sim.build_population(scn, 7)
    model, monthly, events = run_model(scn, population, 7)
    hires = replay(model, monthly, events, population)
    assert (hires.loc[hires["after_reform"], "before"] < hires.loc[hires["after_reform"], "establishment"]).all()
    last = monthly.iloc[-1]
    assert last["headcount_admin"] + last["headcount_institution"] < 0.8 * last["establishment_total"]


def test_no_reform_baseline_replaces_every_leaver_after_the_lag() -> None:
    """Without the reform each leaver is replaced `lag` months later, so at every month t
    headcount(t) = N0 - (leavers in months t - lag + 1 .. t): the baseline stays near N0.
    """
    lag = 3
    scn = scenario(
        {
            "population.synthetic.townships": 3,
            "time.horizon_months": 60,
            "reform.enabled": False,
            "attrition.quit_rate": 0.05,
            "hiring.pre_reform_replacement": 1.0,
            "hiring.refill_lag_months": lag,
        }
    )
    population = sim.build_population(scn, 8)
    n0 = len(population)
    results = sim.run(scn, replications=3, seed=8, events=True, population=population)
    events = results.events
    for rep, frame in results.monthly.groupby("replication"):
        log = events[events["replication"] == rep]
        leavers = log[leaves_payroll(log)].groupby("month").size().reindex(frame["month"], fill_value=0)
        hired = log[log["event"] == "hired"].groupby("month").size().reindex(frame["month"], fill_value=0)
        due = leavers.cumsum().shift(lag, fill_value=0)
        early = frame["month"][(hired.cumsum() > due).to_numpy()]
        assert early.empty, (
            f"replication {rep}: by month {early.iloc[0]} more hires ({hired.cumsum().loc[early.iloc[0]]}) than "
            f"leavers up to {lag} months earlier ({due.loc[early.iloc[0]]}): vacancies refilled before the lag"
        )
        pending = leavers.rolling(lag, min_periods=1).sum().to_numpy()
        np.testing.assert_array_equal(frame["headcount_total"].to_numpy(), n0 - pending)
        # the gap is the leavers of the last `lag` months: at about 8% exits a year (quits 5%,
        # retirements, deaths) that is 2% of N0 on average; 5% bounds it with room for noise
        assert frame["headcount_total"].min() >= 0.95 * n0
        assert frame["hires_cumulative"].iloc[-1] == leavers.iloc[: len(leavers) - lag].sum()

"""The severance funding pool (issue 3): a SimPy container in yuan, paid out in strict order
of request, filled by named contributors on a schedule.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import simpy
from channel_helpers import (
    EXIT_CHANNELS,
    NO_ATTRITION,
    Person,
    months_after,
    only,
    population,
    run_model,
    scenario,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.engine.pool import Pool
from sim.scenario.schema import CHANNEL_IDS

POOL_COLUMNS = ["pool_contributed_cumulative", "pool_paid_cumulative", "pool_balance", "pool_waiting"]


# ----- invariants over generated schedules ---------------------------------------------------


@st.composite
def contributors(draw: st.DrawFn, horizon: int) -> list[dict[str, Any]]:
    out = []
    for k in range(draw(st.integers(0, 3))):
        out.append(
            {
                "name": f"c{k}",
                "amount": draw(st.sampled_from([0.0, 10_000.0, 200_000.0, 3_000_000.0])),
                "schedule": draw(st.sampled_from(["once", "monthly", "yearly"])),
                "first_month": draw(st.integers(0, horizon)),
                "payments": draw(st.integers(1, 30)),
                "delay_months": draw(st.integers(0, 6)),
                "late_probability": draw(st.sampled_from([0.0, 0.5, 1.0])),
                "late_months": draw(st.integers(0, 12)),
                "shortfall_probability": draw(st.sampled_from([0.0, 0.5, 1.0])),
                "shortfall_share": draw(st.sampled_from([0.0, 0.3, 1.0])),
            }
        )
    return out


@st.composite
def pool_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    horizon = draw(st.integers(20, 48))
    reform = draw(st.integers(0, 12))
    return {
        "population.synthetic.townships": draw(st.integers(2, 4)),
        "time.horizon_months": horizon,
        "reform.month": reform,
        "reform.deadline_month": draw(st.integers(reform, horizon)),
        "attrition.quit_rate": draw(st.sampled_from([0.0, 0.1, 0.3])),
        "pool.unlimited": draw(st.sampled_from([False, False, True])),
        "pool.initial_balance": draw(st.sampled_from([0.0, 30_000.0, 1_000_000.0])),
        "pool.contributors": draw(contributors(horizon)),
        "diversion.after_deadline": draw(st.sampled_from(["keep_queueing", "stay_awaiting", "rotate"])),
        "diversion.repost_on_vacancy": draw(st.booleans()),
        "channels.resignation.acceptance": draw(st.sampled_from([0.15, 0.6, 1.0])),
        "channels.termination.acceptance": draw(st.sampled_from([0.1, 0.6])),
        "channels.termination.pension_buyin_years": draw(st.sampled_from([None, 15.0])),
        "channels.enterprise.acceptance": draw(st.sampled_from([0.3, 0.8])),
        "channels.enterprise.fixed_payment": draw(st.sampled_from([0.0, 20_000.0])),
        "channels.resignation.severance_cap_months": draw(st.sampled_from([24.0, None, 3.0])),
    }


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=pool_scenarios(), seed=st.integers(0, 2**31 - 1))
def test_the_pool_never_pays_out_more_than_was_put_in(overrides: dict[str, Any], seed: int) -> None:
    scn = scenario(overrides)
    pop = sim.build_population(scn, seed)
    results = sim.run(scn, replications=2, seed=seed, events=True, population=pop)
    m = results.monthly
    contributed, paid, balance, waiting = (m[c].to_numpy() for c in POOL_COLUMNS)
    scale = max(contributed.max(), 1.0)
    assert (paid <= contributed + 1e-9 * scale).all()
    assert (balance >= -1e-9 * scale).all()
    np.testing.assert_allclose(balance, contributed - paid, rtol=0, atol=1e-6 * scale)
    assert (waiting >= 0).all()
    names = [c for c in m.columns if c.startswith("pool_contributed_") and c != "pool_contributed_cumulative"]
    np.testing.assert_allclose(
        m[names].sum(axis=1).to_numpy() + scn.pool.initial_balance, contributed, rtol=1e-12, atol=1e-6
    )
    for _, table in m.groupby("replication"):
        for col in ("pool_contributed_cumulative", "pool_paid_cumulative", *names):
            assert (np.diff(table[col].to_numpy()) >= -1e-9).all(), col
    # the paid column is the sum of the log's payments (each rounded to the yuan in its detail)
    ev = results.events
    for rep, log in ev[ev["event"] == "paid"].groupby("replication"):
        amounts = log["detail"].str.extract(r"^(\d+) yuan")[0].astype(float)
        last = m.loc[m["replication"] == rep, "pool_paid_cumulative"].iloc[-1]
        assert abs(amounts.sum() - last) <= 0.5 * len(amounts) + 1e-6
    if not scn.pool.unlimited and not scn.pool.contributors and scn.pool.initial_balance == 0:
        assert (paid == 0).all()


# ----- no money, and unlimited money ---------------------------------------------------------


def test_with_no_money_nobody_takes_a_paid_channel() -> None:
    overrides = {
        "population.synthetic.townships": 3,
        "time.horizon_months": 48,
        "pool.unlimited": False,
        "pool.initial_balance": 0.0,
        "pool.contributors": [],
        **{f"channels.{c}.acceptance": 0.6 for c in CHANNEL_IDS},
    }
    scn = scenario(overrides)
    results = sim.run(scn, replications=2, seed=9, events=True)
    m, ev = results.monthly, results.events
    for cid in EXIT_CHANNELS:
        assert (m[f"diverted_{cid}"] == 0).all(), cid
    assert (ev["event"] != "paid").all()
    assert (m["pool_paid_cumulative"] == 0).all() and (m["pool_balance"] == 0).all()
    # not vacuous: people wanted those channels and are left waiting for money, while the
    # channels without one-time cost still divert
    assert (m.loc[m["month"] > scn.reform.month, "pool_waiting"] > 0).all()
    assert (m[[f"diverted_{c}" for c in ("teacher", "early_retirement")]].iloc[-1] > 0).any()


@pytest.mark.parametrize("cid", [*EXIT_CHANNELS, "teacher", "early_retirement", "police"])
@pytest.mark.parametrize("lead", [0, 3])
def test_unlimited_places_and_money_divert_everyone_after_exactly_the_lead_time(cid: str, lead: int) -> None:
    """One open channel, everyone eligible, accepting and passing: the surplus of reform month R
    all leave in month R + lead time; those owing one-time money are paid in month R, at once.
    """
    reform = 8
    overrides = {
        **NO_ATTRITION,
        **only(cid),
        f"channels.{cid}.age_min": 0.0,
        f"channels.{cid}.age_max": 100.0,
        f"channels.{cid}.min_education": "primary",
        f"channels.{cid}.min_service_years": 0.0,
        f"channels.{cid}.max_years_to_retirement": None,
        "population.synthetic.townships": 2,
        "time.horizon_months": reform + lead + 2,
        "reform.month": reform,
        "reform.deadline_month": reform,
        "reform.protection_months": 0,
        "pool.unlimited": True,
        "pool.contributors": [],
        f"channels.{cid}.places_per_year": None,
        f"channels.{cid}.acceptance": 1.0,
        f"channels.{cid}.exam_pass_rate": 1.0,
        f"channels.{cid}.lead_time_months": lead,
    }
    scn = scenario(overrides)
    results = sim.run(scn, replications=1, seed=4, events=True)
    ev = results.events
    surplus = ev[ev["event"] == "surplus"]
    diverted = ev[ev["event"] == "diverted"].set_index("person")
    assert len(surplus) > 10 and (surplus["month"] == reform).all()
    assert set(diverted.index) == set(surplus["person"])
    assert (diverted["month"] == reform + lead).all(), diverted["month"].value_counts()
    assert (diverted["detail"] == cid).all()
    paid = ev[ev["event"] == "paid"]
    assert len(paid) == (len(surplus) if cid in EXIT_CHANNELS else 0)
    assert (paid["month"] == reform).all()
    assert all(months_after(d) == 0 for d in paid["detail"])
    m = results.monthly
    assert (m["pool_waiting"] == 0).all()
    assert m[f"diverted_{cid}"].iloc[-1] == len(surplus)
    assert m["pool_contributed_top_up"].iloc[-1] == pytest.approx(m["pool_paid_cumulative"].iloc[-1])


# ----- strict order of request ---------------------------------------------------------------


def _bare_pool(initial: float, discipline: str = "strict") -> tuple[simpy.Environment, Pool]:
    scn = scenario(
        {
            "pool.initial_balance": initial,
            "pool.contributors": [],
            "pool.discipline": discipline,
            "time.horizon_months": 12,
            "reform.enabled": False,
        }
    )
    env = simpy.Environment()
    model = SimpleNamespace(scenario=scn, env=env, seed=1, replication=0, horizon=12)
    return env, Pool(model)  # type: ignore[arg-type]


def test_money_is_paid_in_strict_order_of_request() -> None:
    env, pool = _bare_pool(50.0)
    big = pool.request(100.0)
    small = pool.request(10.0)  # could be met now, but waits behind the big request
    env.run(until=1)
    assert not big.triggered and not small.triggered
    assert pool.balance == 50.0
    pool.deposit(1, 55.0)  # 105: the big request is met, 5 left is not enough for the small
    env.run(until=2)
    assert big.triggered and not small.triggered
    pool.deposit(1, 5.0)
    env.run(until=3)
    assert small.triggered and pool.balance == 0.0


def test_a_request_that_leaves_the_head_of_the_queue_lets_the_next_be_paid() -> None:
    """BIG (30 years of service: severance capped at 24 months, 24,000 yuan) asks first, SMALL
    (2.5 years: 2,500 yuan) second; the pool holds 10,000 until month 24. BIG takes a freed post
    in month 9 (KEEP retires) and leaves the money queue: SMALL can be paid from the 10,000 at
    once, in month 9, rather than waiting behind a request that no longer exists.
    """
    scn = scenario(
        {
            **only("resignation"),
            "channels.resignation.acceptance": 1.0,
            "channels.resignation.lead_time_months": 0,
            "time.start": "2005-01",
            "time.horizon_months": 30,
            "reform.month": 6,
            "reform.deadline_month": 30,
            "reform.merit.noise": 0.0,
            "township_classes": [{"name": "all", "new_establishment_admin": 1}],
            "attrition.death_rate": 0.0,
            "attrition.quit_rate": 0.0,
            "hiring.pre_reform_replacement": 0.0,
            "hiring.replacement_ratio": 0.0,
            "diversion.patience_months": 0,
            "pool.initial_balance": 10_000.0,
            "pool.contributors": [{"name": "late", "amount": 1e6, "first_month": 24}],
            "pool.discipline": "strict",
        }
    )
    people = [
        Person("KEEP", "1945-10", "1970-01", appraisal=99.0),  # retires in month 9
        Person("BIG", "1955-01", "1975-01", appraisal=90.0),
        Person("SMALL", "1975-01", "2003-01", appraisal=50.0),
    ]
    run = run_model(scn, population(people, [(3, 0)]), seed=1)
    ev = run.events
    big = ev[ev["person"] == "BIG"]
    assert big["event"].tolist()[-1] == "reposted"
    assert big.iloc[-2][["event", "queue", "reason"]].tolist() == ["queue_leave", "money", "reposted"]
    small = ev[(ev["person"] == "SMALL") & (ev["event"] == "diverted")]
    assert small["month"].tolist() == [9], ev.to_string()


# ----- contributors' schedules ---------------------------------------------------------------


def test_contributors_pay_on_their_schedule() -> None:
    contributors = [
        {"name": "once", "amount": 100.0, "schedule": "once", "first_month": 3, "delay_months": 2},
        {"name": "monthly", "amount": 10.0, "schedule": "monthly", "first_month": 4, "payments": 3},
        {"name": "yearly", "amount": 1000.0, "schedule": "yearly", "first_month": 1, "payments": 5},
        {"name": "late", "amount": 7.0, "first_month": 2, "late_probability": 1.0, "late_months": 6},
        {"name": "short", "amount": 50.0, "first_month": 0, "shortfall_probability": 1.0, "shortfall_share": 0.2},
        {"name": "beyond", "amount": 1.0, "first_month": 20, "delay_months": 10},
    ]
    scn = scenario(
        {
            "time.horizon_months": 30,
            "reform.enabled": False,
            "pool.initial_balance": 5.0,
            "pool.contributors": contributors,
            "population.synthetic.townships": 1,
        }
    )
    m = sim.run(scn, replications=1, seed=2).monthly.set_index("month")
    months = np.arange(31)
    expected = {
        "once": np.where(months >= 5, 100.0, 0.0),
        "monthly": 10.0 * np.clip(months - 3, 0, 3),
        "yearly": 1000.0 * ((months >= 1).astype(int) + (months >= 13) + (months >= 25)),
        "late": np.where(months >= 8, 7.0, 0.0),
        "short": np.full(31, 10.0),
        "beyond": np.zeros(31),  # month 30 is the horizon: 20 + 10 is paid in it
    }
    expected["beyond"][30] = 1.0
    for name, series in expected.items():
        np.testing.assert_allclose(m[f"pool_contributed_{name}"].to_numpy(), series, err_msg=name)
    total = 5.0 + sum(expected.values())
    np.testing.assert_allclose(m["pool_contributed_cumulative"].to_numpy(), total)
    np.testing.assert_allclose(m["pool_balance"].to_numpy(), total)


# ----- direction of effect: more money, shorter waits ------------------------------------------


def test_more_money_never_lengthens_the_mean_wait_for_money() -> None:
    """Mean wait = person-months spent waiting for money (pool_waiting summed over the months)
    per request (payments plus those still waiting at the horizon). Unlike the mean of the
    `paid` events' waits, it counts those never paid, who would otherwise flatter a poor pool.
    """
    amounts = (20_000.0, 50_000.0, 100_000.0, 200_000.0, None)
    waits = np.zeros((5, len(amounts)))
    for row, seed in enumerate(range(5)):
        for col, amount in enumerate(amounts):
            overrides = {
                "population.synthetic.townships": 3,
                "time.horizon_months": 48,
                "channels.resignation.acceptance": 0.5,
                "channels.termination.acceptance": 0.5,
                "channels.enterprise.acceptance": 0.5,
                "pool.unlimited": amount is None,
                "pool.contributors": []
                if amount is None
                else [{"name": "county", "amount": amount, "schedule": "monthly", "first_month": 12, "payments": 36}],
            }
            scn = scenario(overrides)
            results = sim.run(scn, replications=1, seed=seed, events=True)
            m, ev = results.monthly, results.events
            requests = (ev["event"] == "paid").sum() + m["pool_waiting"].iloc[-1]
            assert requests > 20
            waits[row, col] = m["pool_waiting"].sum() / requests
    assert (np.diff(waits, axis=1) <= 1e-12).all(), waits
    assert (waits[:, -1] == 0).all() and (waits[:, 0] > waits[:, -2]).all(), waits

"""The cost ledger: money identities in every month of every run, and hand-computed bookings.

For hypothesis-generated scenarios (channels with every kind of cost and payer, limited or
unlimited pools with late and short contributors, wage growth, discounting, rebound on or
off), in every month of every replication:
  sum of cost_<component>              = cost_total
  sum of cost_by_<payer>               = cost_total
  cost_government                      = cost_total − cost_by_unit_individual
  cost_township                        = cost_by_township
  savings_cumulative_<view>            = cumulative sum of (cost_<view>_counterfactual − cost_<view>)
  npv_savings_<view>                   = the same, discounted at (1 + r)^(−month / 12)
  pool_paid_cumulative                 ≤ pool_contributed_cumulative, and balance = contributed − paid
  cumulative one-time components       = pool_paid_cumulative (so at the horizon too)
  no saving before the reform month (the twin shares every draw until then).
Hand-computed cases (see money_helpers) pin the month a cost is booked, the split of one-time
costs over payers by their pool contributions, wage growth, and which budget a diverted
person's recurring cost moves to.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from money_helpers import (
    ALLOWANCE,
    BASE,
    COMPONENT_COLUMNS,
    DIVERTED,
    HORIZON,
    ONE_TIME_COLUMNS,
    PAYER_COLUMNS,
    REFORM,
    SALARY_A,
    SALARY_B,
    SERVICE_YEARS_B,
    START_ABS,
    deterministic,
    replication,
    two_people,
)

import sim
from sim.engine.model import no_reform
from sim.scenario import with_overrides
from sim.scenario.schema import CHANNEL_IDS, Scenario

PUBLIC_PAYERS = ["township", "county", "education", "public_security", "higher_level", "pension_system"]
ALL_PAYERS = [*PUBLIC_PAYERS, "unit_individual"]
SMALL_MONEY = st.sampled_from([0.0, 100.0, 5_000.0, 40_000.0])


@st.composite
def channel(draw: st.DrawFn, cid: str) -> dict[str, Any]:
    c = f"channels.{cid}"
    out: dict[str, Any] = {
        f"{c}.open": draw(st.booleans()),
        f"{c}.acceptance": draw(st.sampled_from([0.0, 0.3, 1.0])),
        f"{c}.lead_time_months": draw(st.integers(0, 3)),
        f"{c}.severance_months_per_year": draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])),
        f"{c}.severance_cap_months": draw(st.sampled_from([None, 6.0, 24.0])),
        f"{c}.fixed_payment": draw(SMALL_MONEY),
        f"{c}.pension_buyin_rate": draw(st.sampled_from([0.0, 0.2])),
        f"{c}.pension_buyin_years": draw(st.sampled_from([None, 5.0])),
        f"{c}.placement_subsidy": draw(SMALL_MONEY),
        f"{c}.recurring_share": draw(st.sampled_from([0.0, 0.8, 1.0])),
        f"{c}.recurring_payer": draw(st.sampled_from(PUBLIC_PAYERS)),
        f"{c}.return_hazard": draw(st.sampled_from([0.0, 0.05, 0.5, 1.0])),
    }
    if cid != "institution_vacancy":
        out[f"{c}.places_per_year"] = draw(st.sampled_from([None, 0, 1, 3]))
        out[f"{c}.release_month"] = draw(st.integers(1, 12))
    return out


@st.composite
def contributor(draw: st.DrawFn, k: int, horizon: int) -> dict[str, Any]:
    return {
        "name": f"c{k}",
        "payer": draw(st.sampled_from(ALL_PAYERS)),
        "amount": draw(st.sampled_from([0.0, 10_000.0, 100_000.0, 1_000_000.0])),
        "schedule": draw(st.sampled_from(["once", "monthly", "yearly"])),
        "first_month": draw(st.integers(0, horizon)),
        "payments": draw(st.integers(1, 5)),
        "delay_months": draw(st.integers(0, 6)),
        "late_probability": draw(st.sampled_from([0.0, 0.5])),
        "late_months": draw(st.integers(0, 12)),
        "shortfall_probability": draw(st.sampled_from([0.0, 0.5])),
        "shortfall_share": draw(st.sampled_from([0.0, 0.5])),
    }


@st.composite
def money_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    horizon = draw(st.integers(24, 60))
    reform_month = draw(st.integers(0, 18))
    staff_admin = draw(st.integers(0, 12))
    staff_institution = draw(st.integers(0, 14))
    out: dict[str, Any] = {
        "time.horizon_months": horizon,
        "time.start": draw(st.sampled_from(["2005-01", "2005-07", "2006-12"])),
        "population.synthetic.townships": draw(st.integers(1, 3)),
        "township_classes": [
            {
                "name": "all",
                "staff_admin": staff_admin,
                "staff_institution": staff_institution,
                "staff_temporary": draw(st.integers(0, 4)),
            }
        ],
        "attrition.retirement": draw(st.booleans()),
        "attrition.quit_rate": draw(st.sampled_from([0.0, 0.05, 0.3])),
        "attrition.death_rate": draw(st.sampled_from([0.0, 0.05])),
        "reform.enabled": draw(st.booleans()),
        "reform.month": reform_month,
        "reform.deadline_month": draw(st.integers(reform_month, horizon)),
        "reform.cut_admin": draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
        "reform.cut_institution": draw(st.sampled_from([0.0, 0.3, 0.6])),
        "reform.clear_temporaries": draw(st.booleans()),
        "reform.protection_months": draw(st.sampled_from([0, 6])),
        "hiring.freeze_months": draw(st.sampled_from([0, 12])),
        "hiring.refill_lag_months": draw(st.integers(0, 4)),
        "hiring.replacement_ratio": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "diversion.preference_noise": draw(st.sampled_from([0.0, 0.5, 3.0])),
        "diversion.patience_months": draw(st.integers(0, 6)),
        "diversion.retry_months": draw(st.integers(0, 6)),
        "diversion.surplus_state": draw(st.sampled_from(["awaiting", "rotating"])),
        "diversion.no_channel": draw(st.sampled_from(["awaiting", "rotating"])),
        "diversion.after_deadline": draw(st.sampled_from(["keep_queueing", "stay_awaiting", "rotate"])),
        "diversion.repost_on_vacancy": draw(st.booleans()),
        "diversion.allowance_share": draw(st.sampled_from([0.0, 0.7, 1.0])),
        "diversion.rotating_pay_share": draw(st.sampled_from([0.5, 0.85])),
        "pool.unlimited": draw(st.booleans()),
        "pool.initial_balance": draw(st.sampled_from([0.0, 50_000.0])),
        "pool.initial_payer": draw(st.sampled_from(ALL_PAYERS)),
        "pool.top_up_payer": draw(st.sampled_from(PUBLIC_PAYERS)),
        "pool.contributors": [draw(contributor(k, horizon)) for k in range(draw(st.integers(0, 3)))],
        "money.wage_growth": draw(st.sampled_from([0.0, 0.05, -0.03])),
        "money.discount_rate": draw(st.sampled_from([0.0, 0.03, -0.5, 0.25])),
        "money.counterfactual": draw(st.booleans()),
        "money.retirement_pay_share": draw(st.sampled_from([0.0, 0.8])),
        "pool.discipline": draw(st.sampled_from(["strict", "first_fit", "smallest_first"])),
        "fiscal.index": draw(st.sampled_from(["wage", "fixed", "rate"])),
        "fiscal.withhold_share": draw(st.sampled_from([0.0, 0.5])),
        "fiscal.initial_debt": draw(st.sampled_from([0.0, 1_000_000.0])),
        "rebound.enforcement": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "rebound.return_success": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "rebound.max_petitions": draw(st.integers(0, 4)),
        "rebound.anti_rebound_months": draw(st.sampled_from([0, 3])),
        "rebound.request_rate": draw(st.sampled_from([0.0, 2.0, 12.0])),
        "rebound.inspection_interval_months": draw(st.sampled_from([0, 6])),
    }
    for payer_key in ("admin_salary", "institution_salary", "temporary_pay", "allowance", "rotating"):
        out[f"money.payer_{payer_key}"] = draw(st.sampled_from(PUBLIC_PAYERS))
    for cid in CHANNEL_IDS:
        out.update(draw(channel(cid)))
    return out


def close(a: np.ndarray, b: np.ndarray, scale: float) -> np.ndarray:
    """Equal up to float rounding of sums of numbers of size `scale`."""
    return np.isclose(a, b, rtol=1e-9, atol=1e-9 * max(scale, 1.0), equal_nan=True)


def check_money_identities(monthly: pd.DataFrame, scenario: Scenario) -> None:
    """Every identity of the module docstring, in every month of every replication."""
    contributors = [
        c for c in monthly.columns if c.startswith("pool_contributed_") and c != "pool_contributed_cumulative"
    ]
    for rep, m in monthly.groupby("replication"):
        m = m.sort_values("month")
        months = m["month"].to_numpy()
        total = m["cost_total"].to_numpy()
        scale = float(np.abs(total).max() + m["pool_contributed_cumulative"].max())
        where = f"replication {rep}"
        costs = m[[*COMPONENT_COLUMNS, *PAYER_COLUMNS]].to_numpy()
        assert (costs >= -1e-9 * max(scale, 1.0)).all(), f"{where}: a cost column went negative"
        assert close(m[COMPONENT_COLUMNS].sum(axis=1).to_numpy(), total, scale).all(), f"{where}: components"
        assert close(m[PAYER_COLUMNS].sum(axis=1).to_numpy(), total, scale).all(), f"{where}: payers"
        government = total - m["cost_by_unit_individual"].to_numpy()
        assert close(m["cost_government"].to_numpy(), government, scale).all(), f"{where}: government view"
        np.testing.assert_array_equal(m["cost_township"].to_numpy(), m["cost_by_township"].to_numpy())

        paid = m["pool_paid_cumulative"].to_numpy()
        contributed = m["pool_contributed_cumulative"].to_numpy()
        assert (paid <= contributed + 1e-9 * max(scale, 1.0)).all(), f"{where}: paid out more than put in"
        assert close(m["pool_balance"].to_numpy(), contributed - paid, scale).all(), f"{where}: pool balance"
        assert close(m[contributors].sum(axis=1).to_numpy(), contributed - scenario.pool.initial_balance, scale).all()
        one_time = np.cumsum(m[ONE_TIME_COLUMNS].sum(axis=1).to_numpy())
        assert close(one_time, paid, scale).all(), f"{where}: one-time costs booked ≠ money paid from the pool"
        assert close(one_time[-1], paid[-1], scale), f"{where}: one-time costs at the horizon"
        put = m[[f"pool_put_{p}" for p in ALL_PAYERS]].to_numpy()
        charged = m[[f"pool_charged_{p}" for p in ALL_PAYERS]].to_numpy()
        assert (charged <= put + 1e-9 * max(scale, 1.0)).all(), f"{where}: a payer charged more than it put in"
        assert close(charged.sum(axis=1), paid, scale).all(), f"{where}: charges do not add up to the payments"
        assert close(put.sum(axis=1), contributed, scale).all(), f"{where}: money put in per payer"

        discount = (1.0 + scenario.money.discount_rate) ** (-months / 12.0)
        for view in ("township", "government"):
            saving = m[f"cost_{view}_counterfactual"].to_numpy() - m[f"cost_{view}"].to_numpy()
            cum = m[f"savings_cumulative_{view}"].to_numpy()
            assert close(cum, np.cumsum(saving), scale * len(months)).all(), f"{where}: savings_cumulative_{view}"
            npv = m[f"npv_savings_{view}"].to_numpy()
            assert close(npv, np.cumsum(saving * discount), scale * len(months) * discount.max()).all()
            if scenario.reform.enabled and scenario.money.counterfactual:
                before = months < scenario.reform.month
                assert (cum[before] == 0).all(), f"{where}: {view} savings before the reform"
        assert (m["debt"] >= 0).all() and (m["fiscal_gap"] >= 0).all()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=money_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_money_identities_hold_every_month(overrides: dict[str, Any], seed: int) -> None:
    scenario = with_overrides(Scenario(), overrides)
    population = sim.build_population(scenario, seed)
    results = sim.run(scenario, replications=2, seed=seed, population=population)
    assert len(results.monthly) == 2 * (scenario.time.horizon_months + 1)
    check_money_identities(results.monthly, scenario)


def test_money_identities_in_the_base_scenario() -> None:
    scenario = sim.load_scenario(BASE, overrides={"population.synthetic.townships": 3, "time.horizon_months": 72})
    results = sim.run(scenario, replications=3, seed=4)
    check_money_identities(results.monthly, scenario)
    last = results.monthly[results.monthly["month"] == 72]
    assert (last["pool_paid_cumulative"] > 0).all(), "the base scenario pays severance: the check is not vacuous"
    assert (last["cost_by_higher_level"] >= 0).all()


def test_counterfactual_columns_are_the_no_reform_twin() -> None:
    """cost_<view>_counterfactual is the cost of the same scenario without the reform, same seed and people."""
    scenario = sim.load_scenario(BASE, overrides={"population.synthetic.townships": 2, "time.horizon_months": 48})
    population = sim.build_population(scenario, 9)
    with_twin = sim.run(scenario, replications=2, seed=9, population=population).monthly
    twin = sim.run(no_reform(scenario), replications=2, seed=9, population=population).monthly
    for view in ("township", "government"):
        np.testing.assert_array_equal(
            with_twin[f"cost_{view}_counterfactual"].to_numpy(), twin[f"cost_{view}"].to_numpy()
        )
    # the no-reform run is its own counterfactual: no savings
    assert (twin["savings_cumulative_government"] == 0).all()


# ----- hand-computed bookings -----------------------------------------------------------------


def run_one(scenario: Scenario, seed: int = 1) -> pd.DataFrame:
    return replication(sim.run(scenario, replications=1, seed=seed, population=two_people()).monthly)


def test_recurring_costs_by_month_and_the_severance_in_the_month_it_is_paid() -> None:
    m = run_one(deterministic())
    severance = SALARY_B * 1.0 * SERVICE_YEARS_B
    expected = np.full(HORIZON + 1, SALARY_A + SALARY_B)
    expected[REFORM:DIVERTED] = SALARY_A + ALLOWANCE * SALARY_B
    expected[DIVERTED] = SALARY_A + severance
    expected[DIVERTED + 1 :] = SALARY_A
    np.testing.assert_allclose(m["cost_total"].to_numpy(), expected)
    np.testing.assert_allclose(m["cost_allowance_awaiting"].loc[REFORM : DIVERTED - 1], ALLOWANCE * SALARY_B)
    assert (m["cost_allowance_awaiting"].drop(range(REFORM, DIVERTED)) == 0).all()
    assert m["cost_severance"].sum() == pytest.approx(severance)
    assert m["cost_severance"].loc[DIVERTED] == pytest.approx(severance)
    # the unlimited pool is topped up by the county: the severance is the county's, not the township's
    assert m["cost_by_county"].loc[DIVERTED] == pytest.approx(severance)
    assert m["cost_township"].loc[DIVERTED] == pytest.approx(SALARY_A)
    assert m["pool_paid_cumulative"].loc[HORIZON] == pytest.approx(severance)


def test_severance_lead_time_books_the_payment_when_paid_not_at_departure() -> None:
    """With a lead time of 2 months the money is paid at DIVERTED, the person leaves at DIVERTED + 2."""
    m = run_one(deterministic(**{"channels.resignation.lead_time_months": 2}))
    severance = SALARY_B * SERVICE_YEARS_B
    assert m["cost_severance"].loc[DIVERTED] == pytest.approx(severance)
    assert m["state_awaiting"].loc[DIVERTED + 1] == 1 and m["state_diverted"].loc[DIVERTED + 2] == 1
    np.testing.assert_allclose(m["cost_allowance_awaiting"].loc[REFORM : DIVERTED + 1], ALLOWANCE * SALARY_B)
    assert m["cost_allowance_awaiting"].loc[DIVERTED + 2] == 0


def test_one_time_cost_is_split_over_payers_by_their_pool_contributions() -> None:
    """Contributions of 60 000 (higher level), 20 000 (township), 20 000 (unit/individual) at month 0:
    the severance of 30 000 is 60% higher level, 20% township, 20% unit/individual; the government
    view leaves out the unit/individual share.
    """
    contributors = [
        {"name": name, "payer": name, "amount": amount, "schedule": "once", "first_month": 0}
        for name, amount in (("higher_level", 60_000.0), ("township", 20_000.0), ("unit_individual", 20_000.0))
    ]
    m = run_one(deterministic(**{"pool.unlimited": False, "pool.contributors": contributors}))
    severance = SALARY_B * SERVICE_YEARS_B
    row = m.loc[DIVERTED]
    assert row["cost_by_higher_level"] == pytest.approx(0.6 * severance)
    assert row["cost_by_unit_individual"] == pytest.approx(0.2 * severance)
    assert row["cost_township"] == pytest.approx(SALARY_A + 0.2 * severance)
    assert row["cost_total"] == pytest.approx(SALARY_A + severance)
    assert row["cost_government"] == pytest.approx(SALARY_A + 0.8 * severance)
    assert row["pool_balance"] == pytest.approx(100_000.0 - severance)
    assert m["pool_contributed_higher_level"].loc[0] == pytest.approx(60_000.0)


def test_wage_growth_raises_salaries_each_january_and_the_severance_with_them() -> None:
    """10% a year from January 2006 (month 12): the severance at month 15 uses the raised salary."""
    g = 0.1
    m = run_one(deterministic(**{"money.wage_growth": g}))
    index = (1 + g) ** (np.arange(HORIZON + 1) // 12)
    expected = np.full(HORIZON + 1, SALARY_A + SALARY_B)
    expected[REFORM:DIVERTED] = SALARY_A + ALLOWANCE * SALARY_B
    expected[DIVERTED:] = SALARY_A
    expected = expected * index
    expected[DIVERTED] += SALARY_B * index[DIVERTED] * SERVICE_YEARS_B
    np.testing.assert_allclose(m["cost_total"].to_numpy(), expected)
    np.testing.assert_allclose(m["cost_government_counterfactual"].to_numpy(), (SALARY_A + SALARY_B) * index)


def test_wage_index_counts_januaries_from_the_calendar_start() -> None:
    """Starting in July 2005, the first raise is in model month 6 (January 2006)."""
    m = run_one(deterministic(**{"money.wage_growth": 0.1, "time.start": "2005-07", "reform.enabled": False}))
    index = 1.1 ** ((np.arange(HORIZON + 1) + 6) // 12)
    np.testing.assert_allclose(m["cost_total"].to_numpy(), (SALARY_A + SALARY_B) * index)


@pytest.mark.parametrize(
    ("channel", "component", "payer", "share"),
    [
        ("teacher", "cost_salary_moved_teacher", "cost_by_education", 1.0),
        ("police", "cost_salary_moved_police", "cost_by_public_security", 1.0),
        ("early_retirement", "cost_early_retirement_pay", "cost_by_township", 0.8),
        ("enterprise", "cost_recurring_other", "cost_by_pension_system", 0.4),
    ],
)
def test_recurring_cost_after_diversion_moves_to_the_channels_budget(
    channel: str, component: str, payer: str, share: float
) -> None:
    """Teacher and police posts only move the salary to another budget: the township saves it,
    the whole government does not.
    """
    paying = payer.removeprefix("cost_by_")
    scenario = deterministic(
        severance_months_per_year=0.0,
        channel=channel,
        **{f"channels.{channel}.recurring_share": share, f"channels.{channel}.recurring_payer": paying},
    )
    m = run_one(scenario)
    after = m.loc[DIVERTED:]
    np.testing.assert_allclose(after[component], share * SALARY_B)
    np.testing.assert_allclose(after["cost_total"], SALARY_A + share * SALARY_B)
    if paying == "township":
        np.testing.assert_allclose(after["cost_township"], SALARY_A + share * SALARY_B)
    else:
        np.testing.assert_allclose(after["cost_township"], SALARY_A)
        np.testing.assert_allclose(after[payer], share * SALARY_B)
    gov_saving = (1 - share) * SALARY_B
    np.testing.assert_allclose(np.diff(after["savings_cumulative_government"]), gov_saving, atol=1e-9)
    assert (m.loc[: REFORM - 1, COMPONENT_COLUMNS[2:]] == 0).all().all()


def test_severance_cap_fixed_payment_buyin_and_subsidy_by_hand() -> None:
    """Severance 3 months/year × 20 years capped at 12 months, plus 1 000 fixed; a 20% pension
    buy-in over the 20 years served; a 5 000 placement subsidy: all paid in month DIVERTED.
    """
    m = run_one(
        deterministic(
            severance_months_per_year=3.0,
            **{
                "channels.resignation.severance_cap_months": 12.0,
                "channels.resignation.fixed_payment": 1_000.0,
                "channels.resignation.pension_buyin_rate": 0.2,
                "channels.resignation.placement_subsidy": 5_000.0,
            },
        )
    )
    row = m.loc[DIVERTED]
    assert row["cost_severance"] == pytest.approx(12 * SALARY_B + 1_000.0)
    assert row["cost_pension_buyin"] == pytest.approx(0.2 * SALARY_B * 12 * SERVICE_YEARS_B)
    assert row["cost_placement_subsidy"] == pytest.approx(5_000.0)
    assert m[ONE_TIME_COLUMNS].drop(DIVERTED).to_numpy().sum() == 0
    assert row["pool_paid_cumulative"] == pytest.approx(row[ONE_TIME_COLUMNS].sum())


def test_pension_buyin_over_deemed_years() -> None:
    m = run_one(
        deterministic(
            severance_months_per_year=0.0,
            **{"channels.resignation.pension_buyin_rate": 0.2, "channels.resignation.pension_buyin_years": 5.0},
        )
    )
    assert m["cost_pension_buyin"].loc[DIVERTED] == pytest.approx(0.2 * SALARY_B * 12 * 5)


def test_rotating_shifts_are_paid_their_share() -> None:
    m = run_one(deterministic(**{"diversion.surplus_state": "rotating", "diversion.rotating_pay_share": 0.85}))
    np.testing.assert_allclose(m["cost_rotating_pay"].loc[REFORM : DIVERTED - 1], 0.85 * SALARY_B)
    assert (m["cost_allowance_awaiting"] == 0).all()
    assert m["state_rotating"].loc[REFORM] == 1


def test_early_retirement_pay_stops_at_the_statutory_age() -> None:
    """B reaches 60 in month 40: early-retirement pay (80%) from DIVERTED to 39, then nothing
    (the pension is the same with and without the reform, so outside the ledger). The counterfactual
    keeps B in post until the same month.
    """
    retire = 40
    population = two_people(birth_b=START_ABS + retire - 60 * 12)
    scenario = deterministic(
        severance_months_per_year=0.0,
        channel="early_retirement",
        **{"attrition.retirement": True, "channels.early_retirement.recurring_share": 0.8},
    )
    m = replication(sim.run(scenario, replications=1, seed=1, population=population).monthly)
    np.testing.assert_allclose(m["cost_early_retirement_pay"].loc[DIVERTED : retire - 1], 0.8 * SALARY_B)
    assert (m["cost_early_retirement_pay"].loc[retire:] == 0).all()
    assert m["state_retired"].loc[retire] == 1
    saving = np.zeros(HORIZON + 1)
    saving[REFORM:DIVERTED] = (1 - ALLOWANCE) * SALARY_B
    saving[DIVERTED:retire] = 0.2 * SALARY_B
    np.testing.assert_allclose(m["savings_cumulative_government"], np.cumsum(saving), atol=1e-6)


def test_township_finances_and_withheld_transfers_by_hand() -> None:
    """Transfers 3 000 a month, no own revenue, half withheld from the deadline (the reform month)
    while the township is over establishment (B awaiting counts): the township's monthly gap is
    3 500 − 3 000 before the reform, 2 900 − 1 500 while B waits, 2 000 − 3 000 after; the debt
    carries the gaps and never goes below 0.
    """
    m = run_one(
        deterministic(
            **{
                "fiscal.own_revenue": 0.0,
                "fiscal.transfers": 3_000.0,
                "fiscal.withhold_share": 0.5,
                "fiscal.initial_debt": 1_000.0,
            }
        )
    )
    gap = np.full(HORIZON + 1, SALARY_A + SALARY_B - 3_000.0)
    gap[REFORM:DIVERTED] = SALARY_A + ALLOWANCE * SALARY_B - 1_500.0
    gap[DIVERTED:] = SALARY_A - 3_000.0
    debt, path = 1_000.0, []
    for g in gap:
        debt = max(debt + g, 0.0)
        path.append(debt)
    np.testing.assert_allclose(m["debt"], path)
    np.testing.assert_allclose(m["fiscal_gap"], np.maximum(gap, 0.0))


@pytest.mark.parametrize(("held", "top_up"), [(100_000.0, 0.0), (10_000.0, 20_000.0)])
def test_unlimited_pool_tops_up_only_the_shortfall(held: float, top_up: float) -> None:
    """pool.unlimited: "each payment is topped up by the contributor top_up just before it is taken".

    A top-up fills what the pool lacks: with 100 000 of the township's money in the pool, the
    30 000 severance needs none, and the township (whose money pays it) bears all of it; with
    10 000 in the pool the county tops up 20 000 and bears two thirds. Today the whole payment is
    put in by the county every time, so the township's money is never spent (the pool ends with
    all of it) yet the township is booked 100/130 of a severance the county paid.
    """
    contributors = [{"name": "township", "payer": "township", "amount": held, "schedule": "once", "first_month": 0}]
    m = run_one(deterministic(**{"pool.contributors": contributors}))
    severance = SALARY_B * SERVICE_YEARS_B
    row = m.loc[DIVERTED]
    assert row["pool_contributed_top_up"] == pytest.approx(top_up)
    assert row["pool_balance"] == pytest.approx(held + top_up - severance)
    assert row["cost_by_county"] == pytest.approx(top_up)
    assert row["cost_by_township"] == pytest.approx(SALARY_A + severance - top_up)


# ----- retirement pay on both sides -------------------------------------------------------
RETIRES = 40  # B (a man) reaches 60 in model month 40, after diverting in month DIVERTED
PENSION = 0.8


def _retiring_b(channel: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    scn = deterministic(
        channel=channel,
        **{"attrition.retirement": True, "money.retirement_pay_share": PENSION, "money.payer_retirement_pay": "county"},
    )
    people = two_people(birth_b=START_ABS - 60 * 12 + RETIRES)
    reform = replication(sim.run(scn, replications=1, seed=1, population=people).monthly)
    counterfactual = replication(sim.run(no_reform(scn), replications=1, seed=1, population=people).monthly)
    return reform, counterfactual


def test_retirement_pay_the_budget_stops_owing_shows_in_the_savings() -> None:
    """B leaves through termination (into the basic pension insurance) before reaching 60: the
    budget owes B no retirement pay. Without the reform B retires from post in month 40 and the
    county pays 80% of B's salary from then on: the government's saving includes it."""
    reform, counterfactual = _retiring_b("termination")
    assert (reform["cost_retirement_pay"] == 0).all()
    expected = np.where(np.arange(HORIZON + 1) >= RETIRES, PENSION * SALARY_B, 0.0)
    np.testing.assert_allclose(counterfactual["cost_retirement_pay"], expected)
    np.testing.assert_allclose(counterfactual["cost_by_county"], expected)
    saving = reform["cost_government_counterfactual"] - reform["cost_government"]
    assert saving.loc[RETIRES:].to_numpy() == pytest.approx(PENSION * SALARY_B)


def test_retirement_pay_of_a_diverted_teacher_is_the_education_budget_s() -> None:
    """B moves to a teacher post (education pays the salary): at 60 B retires on education's pay."""
    reform, _ = _retiring_b("teacher")
    pay = reform["cost_retirement_pay"].to_numpy()
    np.testing.assert_allclose(pay, np.where(np.arange(HORIZON + 1) >= RETIRES, PENSION * SALARY_B, 0.0))
    assert reform.loc[RETIRES:, "cost_by_education"].to_numpy() == pytest.approx(PENSION * SALARY_B)
    assert (reform.loc[RETIRES:, "cost_by_county"] == 0).all()  # (the county topped up the severance before)

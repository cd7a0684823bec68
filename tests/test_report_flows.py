"""The run report's explanatory parts: the Sankey adds up to the surplus, captions, rebound apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.report.sankey import diversion_sankey, surplus_flows

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
SMALL = {"population.synthetic.townships": 4, "time.horizon_months": 60, "reform.deadline_month": 29}


def small(overrides: dict | None = None, n: int = 3, seed: int = 5) -> sim.Results:
    return sim.run(sim.load_scenario(BASE, overrides={**SMALL, **(overrides or {})}), replications=n, seed=seed)


@pytest.fixture(scope="module")
def base() -> sim.Results:
    # reposting and returns switched on, and a short deadline: every path of the surplus is taken
    return small({"diversion.repost_on_vacancy": True})


def test_every_surplus_person_is_in_exactly_one_place_every_month(base: sim.Results) -> None:
    m = base.monthly
    places = [c for c in m.columns if c.startswith("diverted_")] + [
        "surplus_reposted_cumulative",
        "surplus_retired_cumulative",
        "surplus_left_cumulative",
        "state_awaiting",
        "state_rotating",
    ]
    after = m[m["month"] >= 12]  # from the reform month on
    np.testing.assert_array_equal(after[places].sum(axis=1), after["surplus_cumulative"])
    # the surplus is fixed at the reform, and every path is taken in this scenario
    assert after.groupby("replication")["surplus_cumulative"].nunique().eq(1).all()
    end = m[m["month"] == m["month"].max()]
    for col in ("surplus_reposted_cumulative", "surplus_retired_cumulative", "surplus_left_cumulative"):
        assert end[col].sum() > 0, col


def test_sankey_flows_sum_to_the_surplus_at_the_reform(base: sim.Results) -> None:
    flows, surplus = surplus_flows(base)
    m = base.monthly
    at_reform = m.loc[m["month"] == 12, "surplus_cumulative"].mean()
    assert surplus == pytest.approx(at_reform)
    assert flows.out_of(0) == pytest.approx(at_reform, rel=1e-9)
    # the channels pass on all they took: stayed out + returned = diverted
    for k, label in enumerate(flows.labels):
        inflow = sum(v for t, v in zip(flows.target, flows.value, strict=True) if t == k)
        outflow = flows.out_of(k)
        if k and outflow:
            assert outflow == pytest.approx(inflow), label


def test_sankey_speaks_the_reports_language(base: sim.Results) -> None:
    fig = diversion_sankey(base, "zh")
    spec = fig.to_plotly_json()["data"][0]
    assert "人" in spec["node"]["hovertemplate"] and "人" in spec["link"]["hovertemplate"]
    assert "改革时富余人员" in spec["node"]["label"]
    assert all("incoming" not in str(v) for v in (spec["node"]["hovertemplate"], spec["link"]["hovertemplate"]))


# ----- captions under the money panels ---------------------------------------------------------
from sim.report.captions import caption  # noqa: E402
from sim.report.load import as_run  # noqa: E402
from sim.report.rebound_view import over_establishment_split, rebound_card, rebound_measures, rebound_panel  # noqa: E402


def scaled_pool(path: Path, townships: int, overrides: dict | None = None) -> sim.Scenario:
    """A scenario whose pool is scaled to its townships (the library's pool is sized for 110)."""
    s = sim.load_scenario(path, overrides={**SMALL, "population.synthetic.townships": townships, **(overrides or {})})
    contributors = tuple(c.model_copy(update={"amount": c.amount * townships / 110}) for c in s.pool.contributors)
    return s.model_copy(update={"pool": s.pool.model_copy(update={"contributors": contributors})})


def test_pool_caption_reconciles_a_dry_pool_with_payback_in_the_runs_figures() -> None:
    run = as_run(sim.run(scaled_pool(BASE, 4), replications=3, seed=5))
    dry = run.risk_estimate("p_pool_dry_by_deadline")
    assert dry > 0  # the pool scaled to 4 townships runs dry, as the city's does
    text = caption("pool", run, "en")
    waiting = run.monthly.loc[run.monthly["month"] == run.deadline, "pool_waiting"].mean()
    assert f"in {dry:.0%} of replications" in text and f"{waiting:,.0f} people wait" in text
    assert f"month {int(run.risk_estimate('payback_month_government'))}" in text
    # the library pool on 4 townships never runs dry: no such sentence then (the guide's old tip)
    plain = as_run(small())
    assert plain.risk_estimate("p_pool_dry_by_deadline") == 0
    assert "runs dry" not in caption("pool", plain, "en")


def test_finances_caption_explains_withheld_transfers_only_where_they_are_withheld() -> None:
    strict = as_run(small({"fiscal.withhold_share": 0.5}))
    text = caption("finances", strict, "en")
    assert "Transfers withheld" in text and "50% of transfers" in text
    assert "Transfers withheld" not in caption("finances", as_run(small({"fiscal.withhold_share": 0.0})), "en")
    zh = caption("finances", strict, "zh")
    assert "扣减转移支付" in zh


# ----- rebound: the unfinished drive and re-growth apart ----------------------------------------
NO_REGROWTH = {"rebound.request_rate": 0.0, "rebound.return_success": 0.0, "diversion.after_deadline": "stay_awaiting"}


def test_an_unfinished_drive_is_not_rebound() -> None:
    run = as_run(small({**NO_REGROWTH, "channels.teacher.places_per_year": 0}))
    measures, _ = rebound_measures(run)
    assert measures["regrowth"].max() == 0 and measures.loc[measures["month"] == 30, "unfinished"].min() > 0
    split = over_establishment_split(run)
    assert split["p_over"].loc[30] == 1.0 and split["p_over_regrowth"].max() == 0.0
    assert split["p_over_unfinished"].loc[30] == 1.0
    card = rebound_card(run, "en")
    assert card.value == "year 5: 0" and any("unfinished drive" in line for line in card.lines)


def test_regrowth_shows_where_hiring_over_establishment_goes_unchecked() -> None:
    lax = as_run(small({"rebound.request_rate": 6.0, "rebound.enforcement": 0.0,
                        "rebound.inspection_interval_months": 0}))  # fmt: skip
    measures, _ = rebound_measures(lax)
    assert measures.loc[measures["month"] == 60, "regrowth"].mean() > 0
    assert over_establishment_split(lax)["p_over_regrowth"].max() > 0


def test_the_engines_rebound_columns_are_used_when_present(base: sim.Results) -> None:
    monthly = base.monthly.copy()
    monthly["unfinished"] = monthly["state_awaiting"] + monthly["state_rotating"]
    monthly["regrowth"] = 7.0  # a stock the engine would write
    monthly["cut_achieved"] = 70.0
    monthly["regrowth_share"] = 0.1
    run = as_run(monthly)
    measures, exact = rebound_measures(run)
    assert exact and (measures["regrowth"] == 7.0).all()
    fig = rebound_panel(run, "en")
    regrowth = [t for t in fig.data if t.name and t.name.startswith("Re-growth (") and t.mode == "lines"]
    assert regrowth and set(regrowth[0].y) == {7.0}

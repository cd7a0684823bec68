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

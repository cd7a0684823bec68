"""What the finding, cards and workbook say, checked against what the numbers mean (not that a sentence exists).

Each case is one where a planner reading the words would have been misled: staff kept on rotating shifts
read as "nobody awaiting", a reform with no cost "paying back", a payback dated to the horizon.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.report.compare_report import as_runs
from sim.report.finding import compare_finding, run_finding
from sim.report.load import as_run

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
SMALL = {"population.synthetic.townships": 4, "time.horizon_months": 72}


def small(overrides: dict | None = None, n: int = 4) -> sim.Results:
    return sim.run(sim.load_scenario(BASE, overrides={**SMALL, **(overrides or {})}), replications=n, seed=3)


@pytest.fixture(scope="module")
def awaiting_and_rotating() -> tuple[sim.Results, sim.Results]:
    """The same people and draws, the surplus left either awaiting a post or on rotating shifts (a fake exit)."""
    return small({"name": "awaiting"}), small({"name": "rotating", "diversion.no_channel": "rotating"})


def test_people_on_rotating_shifts_are_not_placed(awaiting_and_rotating: tuple[sim.Results, sim.Results]) -> None:
    awaiting, rotating = awaiting_and_rotating
    run = as_run(rotating)
    at = rotating.monthly[rotating.monthly["month"] == run.deadline].set_index("replication")
    assert at["state_rotating"].mean() > 10  # the case exists: people are rotating at the deadline
    unplaced = at["state_awaiting"] + at["state_rotating"]
    assert run.outcomes["awaiting_deadline"].to_numpy() == pytest.approx(unplaced.to_numpy())
    assert run.outcomes["rotating_deadline"].to_numpy() == pytest.approx(at["state_rotating"].to_numpy())
    finding = run_finding(run, "en")
    assert finding.numbers["rotating_mean"] == pytest.approx(at["state_rotating"].mean())
    assert f"{unplaced.mean():,.0f} people" in finding.sentences[0]
    assert f"{at['state_rotating'].mean():,.0f} of them on rotating shifts" in finding.sentences[0]
    assert "轮流坐班" in run_finding(run, "zh").sentences[0]


def test_rotating_instead_of_awaiting_is_no_better(awaiting_and_rotating: tuple[sim.Results, sim.Results]) -> None:
    """Putting the surplus on rotating shifts relabels them; staff and the unplaced stay the same, replication by
    replication, so the comparison must not call it better."""
    runs = as_runs(list(awaiting_and_rotating))
    a, b = (r.outcomes for r in runs)
    assert (b["rotating_deadline"] > 0).all() and (a["rotating_deadline"] == 0).all()
    assert b["awaiting_deadline"].to_numpy() == pytest.approx(a["awaiting_deadline"].to_numpy())
    assert b["headcount_deadline"].to_numpy() == pytest.approx(a["headcount_deadline"].to_numpy())
    finding = compare_finding(runs, "en")
    assert finding.numbers["rotating:awaiting_deadline:mean"] == 0.0
    assert "not placed at the deadline (awaiting or rotating): the same in every replication" in finding.text


def test_a_run_that_spends_and_saves_nothing_has_no_payback_to_speak_of(tmp_path: Path) -> None:
    """No reform: no one-time cost, no savings. Its payback month would be the reform month, which means nothing;
    the finding and the card say there is nothing to pay back, and a comparison with it leaves payback out."""
    nothing = small({"name": "nothing", "reform.enabled": False, "pool.contributors": []})
    run = as_run(nothing)
    assert (run.outcomes["one_time_cost"] == 0).all() and (run.outcomes["savings_government"] == 0).all()
    for lang, said in (("en", "there is no cost to pay back"), ("zh", "不存在成本回收问题")):
        finding = run_finding(run, lang)
        assert said in finding.text and "payback_median" not in finding.numbers
    page = sim.report.run_report(nothing, tmp_path / "r.html").read_text("utf-8")
    assert "nothing to pay back" in page
    # nowhere a payback month: not among the outcomes (terminal, workbook, comparisons), not in the risk table
    from sim.report.terminal import headline_rows

    assert "payback_government" not in run.outcomes and "payback_township" not in run.outcomes
    assert not any(r["key"].startswith("payback") for r in headline_rows(run))
    assert not [f for f in nothing.risk()["figure"] if "payback" in f]
    reform = small({"name": "reform"})
    assert (as_run(reform).outcomes["one_time_cost"] > 0).all()  # the other side does spend
    assert "payback_government" in as_run(reform).outcomes
    finding = compare_finding(as_runs([nothing, reform]), "en")
    assert "reform:payback_government:mean" not in finding.numbers and "payback month" not in finding.text
    assert "reform:one_time_cost:mean" in finding.numbers  # the rest is still compared


def test_a_difference_of_probabilities_has_its_interval_within_plus_minus_one() -> None:
    """Six pairs of 0/1 outcomes, four of them 1 − 0: the t-interval of the mean difference runs past −1 or +1;
    what is shown stops at the bounds a difference of probabilities cannot pass."""
    from sim.report import aggregate as agg

    a = pd.Series([0.0, 0.0, 0.0, 0.0, 1.0, 0.0])
    b = pd.Series([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    raw = agg.mean_interval((b - a).to_numpy())
    assert raw[2] > 1.0  # the case exists: the plain t-interval overshoots
    mean, low, high, n = agg.paired_interval(a, b, "probability")
    assert (mean, n) == (raw[0], 6) and low == raw[1] and high == 1.0
    assert agg.paired_interval(a * 100, b * 100, "people")[2] == pytest.approx(raw[2] * 100)  # people: unbounded


def test_townships_over_their_own_establishment_are_reported_when_the_whole_is_under() -> None:
    """The whole city can be under its establishment while some townships are over theirs (one township's
    vacancies net against another's excess). The finding says how many townships are over, from by_township."""
    scenario = sim.load_scenario(BASE, overrides={"population.synthetic.townships": 20})
    results = sim.run(scenario, replications=6, seed=3)
    run = as_run(results)
    finding = run_finding(run, "en")
    end = results.by_township[results.by_township["month"] == run.horizon]
    over = (end["over_establishment"] > 0).groupby(end["replication"]).sum()
    assert finding.numbers["p_over_end"] == 0.0 and (over > 0).any()  # the case exists: netted away in the whole
    assert finding.numbers["townships_over_end"] == pytest.approx(over.mean())
    assert finding.numbers["p_any_township_over_end"] == pytest.approx((over > 0).mean())
    k = f"{over.mean():,.1f}"
    assert f"{k} of 20 townships are over it on average" in finding.text
    assert f"{(over > 0).mean():.0%} of replications" in finding.text
    assert "分乡镇看" in run_finding(run, "zh").text


def test_the_withholding_caption_counts_the_townships_the_ledger_withholds_from(
    awaiting_and_rotating: tuple[sim.Results, sim.Results],
) -> None:
    """Transfers are withheld from each township over its own establishment (administrative and institution staff;
    temporaries have no posts): the caption counts those townships at the deadline; without a reform, no caption."""
    from sim.report.captions import finances_caption

    results = awaiting_and_rotating[0]
    run = as_run(results)
    assert run.setting("fiscal.withhold_share") > 0
    at = results.by_township[results.by_township["month"] == run.deadline]
    over = (at["over_establishment"] > 0).groupby(at["replication"]).sum().mean()
    assert 0 < over  # the case exists
    caption = finances_caption(run, "en")
    assert f"(at the deadline, {over:,.1f} of 4 townships on average)" in caption
    assert "strict enforcement" not in caption  # withholding is its own lever, not the enforcement setting
    nothing = as_run(small({"name": "nothing", "reform.enabled": False, "pool.contributors": []}, n=2))
    assert "Transfers withheld" not in finances_caption(nothing, "en")


def test_a_comparison_of_different_worlds_warns_before_its_finding(tmp_path: Path) -> None:
    """Scenarios of different townships: "better" and "worse" mix the policy with the place. The report and the
    workbook's Finding sheet put the warning before the finding it qualifies."""
    import openpyxl

    from sim.report.compare_report import compare_report
    from sim.report.workbook import compare_workbook

    here, there = small({"name": "here"}, n=2), small({"name": "there", "population.synthetic.townships": 6}, n=2)
    runs = as_runs([here, there])
    page = compare_report(runs, tmp_path / "c.html").read_text("utf-8")
    assert 'id="worlds"' in page and page.index('id="worlds"') < page.index('id="finding"')
    compare_workbook(runs, tmp_path / "c.xlsx", "en")
    cells = [c for row in openpyxl.load_workbook(tmp_path / "c.xlsx")["Finding"].values for c in row if c]
    (finding,) = [c for c in cells if "against" in str(c) and "replications" in str(c)]
    assert finding.startswith("Warning: these scenarios describe different worlds")
    same = as_runs([here, small({"name": "deeper", "reform.cut_admin": 0.2}, n=2)])
    compare_workbook(same, tmp_path / "s.xlsx", "en")
    cells = [c for row in openpyxl.load_workbook(tmp_path / "s.xlsx")["Finding"].values for c in row if c]
    assert not any("different worlds" in str(c) for c in cells)  # same people: no warning


def test_the_twin_is_not_called_a_mean_over_one_replication() -> None:
    from sim.expected.projection import expected

    twin = as_run(expected(sim.load_scenario(BASE, overrides=SMALL)))
    for lang, said in (("en", "Expected values of the twin, one run"), ("zh", "期望值孪生模型的一次运行结果")):
        text = run_finding(twin, lang).text
        assert said in text and "Mean over" not in text and "重复模拟的均值" not in text
    assert "Mean over 4 replications" in run_finding(as_run(small()), "en").text


def test_less_pool_money_is_not_called_better_without_its_unpaid_bill() -> None:
    """A smaller pool pays out less (a lower one-time cost) because requests go unpaid: the comparison must
    show the funding gap it leaves, and call it worse."""
    rich = small({"name": "rich"})
    poor = small({"name": "poor", "pool.initial_balance": 0.0, "pool.contributors": []})
    runs = as_runs([rich, poor])
    a, b = (r.outcomes for r in runs)
    assert (b["one_time_cost"] < a["one_time_cost"]).all()  # the case exists: "cheaper"
    gap = rich.monthly[rich.monthly["month"] == runs[0].deadline]["pool_unpaid"].to_numpy()
    assert a["funding_gap_deadline"].to_numpy() == pytest.approx(gap)
    assert (b["funding_gap_deadline"] > a["funding_gap_deadline"]).all()
    finding = compare_finding(runs, "en")
    assert finding.numbers["poor:funding_gap_deadline:mean"] > 0
    assert "funding gap at the deadline (requests the pool could not pay): poor is worse" in finding.text


def test_differences_of_an_indicator_stay_within_plus_minus_one() -> None:
    """differences.parquet: the pool ran dry in two of three replications under one scenario, never under the
    other. The t-interval of the mean difference (2/3) runs past 1; the table stops it there. Unbounded
    metrics keep the plain interval."""
    import numpy as np

    from sim.experiment.compare import _paired

    index = pd.MultiIndex.from_product([[0, 1, 2], [0]], names=["replication", "month"])
    ref = pd.DataFrame({"pool_dry": [0.0, 0.0, 0.0], "pool_waiting": [0.0, 0.0, 0.0]}, index=index)
    other = pd.DataFrame({"pool_dry": [1.0, 1.0, 0.0], "pool_waiting": [100.0, 100.0, 0.0]}, index=index)
    table = _paired(ref, other, 0.95).set_index("metric")
    half = 4.302653 * np.std([1.0, 1.0, 0.0], ddof=1) / np.sqrt(3)  # t(0.975, 2) = 4.302653
    assert 2 / 3 + half > 1  # the case exists
    dry, waiting = table.loc["pool_dry"], table.loc["pool_waiting"]
    assert dry["ci_high"] == 1.0 and dry["ci_low"] == pytest.approx(2 / 3 - half)
    assert waiting["ci_high"] == pytest.approx(100 * (2 / 3 + half))


def test_the_workbook_scales_every_column_in_yuan() -> None:
    """Money a payer put into the pool and what it was charged are yuan, shown in the workbook's money unit
    like the contributions they mirror."""
    from sim.report.workbook import is_money

    for column in ("pool_contributed_higher_level", "pool_put_higher_level", "pool_charged_county", "debt"):
        assert is_money(column), column
    for column in ("pool_waiting", "pool_dry", "state_awaiting", "share_secondary_plus"):
        assert not is_money(column), column


def test_a_report_names_the_folder_it_is_published_in(tmp_path: Path) -> None:
    """Reports are written inside a staging folder, then swapped into place: the footer names the target."""
    from sim.cli.main import main
    from sim.folders import published_folder

    assert published_folder(Path("/r/.base.tmp-0123abcd")) == Path("/r/base")
    assert published_folder(Path("/r/.sweep.partial")) == Path("/r/sweep")
    assert published_folder(Path("/r/base")) == Path("/r/base")
    out = tmp_path / "shown"
    args = ["run", str(BASE), "--set", "population.synthetic.townships=3", "-n", "2", "--out", str(out), "--quiet"]
    assert main(args) == 0
    page = (out / "report.html").read_text("utf-8")
    assert str(out) in page and ".shown.tmp-" not in page


def test_the_workbook_parameters_are_what_ran(tmp_path: Path) -> None:
    """The scenario says 20 replications from seed 20051; the run made 4 from seed 3. The Parameters sheet
    gives what ran, not the scenario's defaults."""
    import openpyxl

    from sim.report.workbook import run_workbook

    results = small()
    assert results.scenario.run.replications != 4 or results.scenario.run.seed != 3  # the case exists
    run_workbook(as_run(results), tmp_path / "r.xlsx", "en")
    rows = {r[1]: r for r in openpyxl.load_workbook(tmp_path / "r.xlsx")["Parameters"].iter_rows(values_only=True)}
    assert rows["run.replications"][2] == 4 and rows["run.seed"][2] == 3
    assert rows["run.replications"][4] == "as run"

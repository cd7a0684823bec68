"""Counties of a province (issue 15): one county is today's city byte for byte; counties have their own
pools, places, cuts and deadlines; results by county add up to the province's monthly columns.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.engine import geography
from sim.errors import InputError
from sim.experiment.run import run
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"
SMALL = ["population.synthetic.townships=12", "time.horizon_months=48"]


def small(*extra: str) -> Scenario:
    """base.toml with 12 townships and a four-year horizon."""
    return load_scenario(BASE, [*SMALL, *extra])


def listed(counties: list[dict[str, Any]], *extra: str) -> Scenario:
    """The small scenario with `counties` listed."""
    return small(*extra).model_copy(update={"counties": tuple(_county(c) for c in counties)})


def _county(spec: dict[str, Any]) -> Any:
    from sim.scenario.schema import CountySection

    return CountySection.model_validate(spec)


def parquet_hash(results: Any, tmp: Path) -> str:
    results.write(tmp)
    return hashlib.sha256((tmp / "monthly.parquet").read_bytes()).hexdigest()


def one_poor_county() -> Scenario:
    """Three counties of four townships, 30 months; 乙县's pool has only 100,000 yuan."""
    poor = {"initial_balance": 1e5, "contributors": []}
    counties = [
        {"name": "甲县", "townships": 4},
        {"name": "乙县", "townships": 4, "pool": poor},
        {"name": "丙县", "townships": 4},
    ]
    return listed(counties, "time.horizon_months=30")


def wide(frame: pd.DataFrame, unit: str, metric: str) -> np.ndarray:
    """One county's metric as (replications × months)."""
    sub = frame[frame["unit"] == unit]
    return sub.pivot(index="replication", columns="month", values=metric).to_numpy()


def test_one_explicit_county_is_the_city_byte_for_byte(tmp_path: Path) -> None:
    city = small()
    one = listed([{"name": "all", "townships": 12}])
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    assert parquet_hash(run(city, replications=2), a) == parquet_hash(run(one, replications=2), b)


def test_county_results_add_up_to_the_province() -> None:
    results = run(small("geography.counties=3"), replications=2)
    by = results.by_county
    assert by is not None and sorted(by["unit"].unique()) == ["C001", "C002", "C003"]
    totals = by.groupby(["replication", "month"]).sum(numeric_only=True)
    monthly = results.monthly.set_index(["replication", "month"])
    diverted = monthly[[c for c in monthly.columns if c.startswith("diverted_")]].sum(axis=1)
    pairs = {
        "staff": monthly["headcount_total"],
        "establishment": monthly["establishment_total"],
        "awaiting": monthly["unfinished"],
        "regrowth": monthly["regrowth"],
        "diverted": diverted,
        "pool_contributed": monthly["pool_contributed_cumulative"],
        "pool_paid": monthly["pool_paid_cumulative"],
        "pool_balance": monthly["pool_balance"],
        "pool_waiting": monthly["pool_waiting"],
    }
    for outcome, column in pairs.items():
        np.testing.assert_allclose(totals[outcome], column, rtol=1e-12, atol=1e-6, err_msg=outcome)
    assert monthly["unfinished"].max() > 0 and diverted.max() > 0  # the sums are of something
    dry_any = by.groupby(["replication", "month"])["pool_dry"].max()
    np.testing.assert_array_equal(dry_any, monthly["pool_dry"])


def test_two_counties_with_different_pools_drain_differently() -> None:
    rich = {"initial_balance": 5e7, "contributors": []}
    poor = {"initial_balance": 2e5, "contributors": []}
    scenario = listed(
        [{"name": "rich", "townships": 6, "pool": rich}, {"name": "poor", "townships": 6, "pool": poor}],
        "diversion.after_deadline=keep_queueing",
    )
    results = run(scenario, replications=3)
    by = results.by_county
    assert by is not None
    horizon = 48
    # the poor county pays out at most what it has and runs dry; the rich one never does
    assert (wide(by, "poor", "pool_paid")[:, horizon] <= 2e5 + 1e-6).all()
    assert (wide(by, "poor", "pool_dry").max(axis=1) == 1).all()
    assert (wide(by, "rich", "pool_dry") == 0).all()
    assert (wide(by, "rich", "one_time_cost")[:, horizon] > 5 * wide(by, "poor", "one_time_cost")[:, horizon]).all()
    # money short, people wait: more of the poor county's surplus is still there
    assert (wide(by, "poor", "awaiting")[:, horizon] > wide(by, "rich", "awaiting")[:, horizon]).all()
    # the province's attribution: what was put in is each county's own initial balance
    monthly = results.monthly
    assert monthly["pool_put_county"].max() == pytest.approx(5e7 + 2e5)
    risk = results.risk(by="county").set_index(["unit", "figure"])
    assert risk.loc[("poor", "p_pool_dry_by_deadline"), "estimate"] == 1.0
    assert risk.loc[("rich", "p_pool_dry_by_deadline"), "estimate"] == 0.0


def test_a_county_without_a_cut_has_no_surplus() -> None:
    scenario = listed(
        [
            {"name": "kept", "townships": 6, "cut_admin": 0.0, "cut_institution": 0.0},
            {"name": "cut", "townships": 6},
        ],
        "reform.clear_temporaries=false",
    )
    by = run(scenario, replications=1).by_county
    assert by is not None
    assert wide(by, "kept", "awaiting").max() == 0 and wide(by, "kept", "diverted").max() == 0
    assert wide(by, "cut", "diverted")[:, -1].min() > 0
    kept_est = wide(by, "kept", "establishment")
    assert kept_est[0, 11] == kept_est[0, 12]  # the reform in month 12 leaves its establishment as it was


def test_a_county_stopping_at_its_deadline_stops_diverting() -> None:
    scenario = listed(
        [
            {"name": "goes_on", "townships": 6},
            {"name": "stops", "townships": 6, "deadline_month": 14, "after_deadline": "stay_awaiting"},
        ],
        "diversion.after_deadline=keep_queueing",
        "pool.unlimited=true",
    )
    by = run(scenario, replications=2).by_county
    assert by is not None
    stops, goes_on = wide(by, "stops", "diverted"), wide(by, "goes_on", "diverted")
    lead = max(ch.lead_time_months for ch in (scenario.channels.get(c) for c in geography.CHANNEL_IDS))
    assert (stops[:, 14 + lead] == stops[:, -1]).all()  # nobody new after the deadline (and the lead times)
    assert (goes_on[:, -1] > goes_on[:, 14 + lead]).all()


def test_county_places_are_the_countys_own() -> None:
    scenario = listed(
        [
            {"name": "no_places", "townships": 6, "places": {"teacher": 0, "police": 0, "enterprise": 0}},
            {"name": "province", "townships": 6},
        ]
    )
    counties = geography.resolve(scenario, np.full(12, 100))
    teacher = geography.CHANNEL_IDS.index("teacher")
    province_teacher = scenario.channels.teacher.places_per_year
    assert counties[0].places[teacher] == 0
    assert counties[1].places[teacher] == round(province_teacher / 2) or province_teacher is None
    # shares of the province's money by staff, adding up to the province's
    pools = [c.pool for c in geography.resolve(small("geography.counties=3"), np.array([100] * 4 + [50] * 8))]
    total = sum(sum(c.amount for c in p.contributors) for p in pools)
    assert total == pytest.approx(sum(c.amount for c in scenario.pool.contributors))
    assert sum(c.amount for c in pools[0].contributors) == pytest.approx(
        2 * sum(c.amount for c in pools[1].contributors)
    )


def test_synthetic_county_sizes_add_up() -> None:
    even = geography.county_sizes(small("geography.counties=5"), 12)
    assert [s for _, s in even] == [3, 3, 2, 2, 2]
    spread = geography.county_sizes(small("geography.counties=5", "geography.townships_spread=0.8"), 200)
    sizes = [s for _, s in spread]
    assert sum(sizes) == 200 and min(sizes) >= 1 and max(sizes) - min(sizes) > 10


def test_counties_that_do_not_add_up_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        f'extends = "{BASE.as_posix()}"\n[population.synthetic]\ntownships = 12\n'
        '[[counties]]\nname = "a"\ntownships = 5\n[[counties]]\nname = "b"\ntownships = 5\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(path), "-n", "1", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "add up to 10" in proc.stderr and "Traceback" not in proc.stderr


def test_run_writes_by_county(tmp_path: Path) -> None:
    results = run(small("geography.counties=3", "time.horizon_months=30"), replications=1)
    results.write(tmp_path)
    frame = pd.read_parquet(tmp_path / "by_county.parquet")
    assert list(frame.columns[:4]) == ["replication", "level", "unit", "month"]
    assert len(frame) == 3 * 31
    risk = pd.read_csv(tmp_path / "risk_by_county.csv")
    assert set(risk["unit"]) == {"C001", "C002", "C003"}
    summary = pd.read_csv(tmp_path / "summary_by_county.csv")
    staff0 = summary[(summary["metric"] == "staff") & (summary["month"] == 0)].set_index("unit")["mean"]
    assert staff0.sum() == pytest.approx(results.monthly.query("month == 0")["headcount_total"].mean())
    with pytest.raises(InputError, match="no counties"):
        run(small("time.horizon_months=30"), replications=1).risk(by="county")


def test_the_report_ranks_the_counties(tmp_path: Path) -> None:
    from sim.report.county_figures import county_table, ranked_figure
    from sim.report.run_report import run_report

    scenario = one_poor_county()
    results = run(scenario, replications=2)
    results.save(tmp_path / "run")
    page = run_report(tmp_path / "run").read_text("utf-8")
    assert 'id="counties"' in page and 'id="counties-ranked"' in page and "乙县" in page
    table = county_table(results.by_county, scenario.model_dump(mode="json"))
    assert table.loc["乙县", "p_pool_dry_by_deadline"] == 1.0  # the county with almost no money runs dry
    fig = ranked_figure(table, "en")
    for trace, figure in zip(fig.data, ("awaiting_at_deadline", "p_pool_dry_by_deadline"), strict=False):
        assert trace.y[-1] == table[figure].idxmax()  # the worst county is at the top of its chart
    city = run(small("time.horizon_months=30"), replications=1)
    city.save(tmp_path / "city")
    assert 'id="counties"' not in run_report(tmp_path / "city").read_text("utf-8")


def test_compare_keeps_each_runs_tables_as_fenliu_run_writes_them(tmp_path: Path) -> None:
    """A comparison's run folders hold what `fenliu run` writes (by township, channel and county), byte for byte,
    with the replications gathered in order from a pool of two workers.
    """
    import sim

    province = small("geography.counties=3", "time.horizon_months=30")
    deeper = sim.with_overrides(province, {"name": "deeper", "reform.cut_admin": 0.3})
    comparison = sim.compare([province, deeper], replications=4, seed=5, executor="local", workers=2)
    comparison.save(tmp_path / "cmp")
    for k, scenario in enumerate((province, deeper)):
        run(scenario, replications=4, seed=5).save(tmp_path / f"run{k}")
        folder = tmp_path / "cmp" / f"{k:02d}-{scenario.name}"
        for name in ("monthly", "by_township", "by_channel", "by_county"):
            mine, alone = folder / f"{name}.parquet", tmp_path / f"run{k}" / f"{name}.parquet"
            assert mine.read_bytes() == alone.read_bytes(), (scenario.name, name)
        assert (folder / "risk_by_county.csv").read_bytes() == (
            tmp_path / f"run{k}" / "risk_by_county.csv"
        ).read_bytes()


def test_the_comparison_shows_which_counties_a_change_reaches(tmp_path: Path) -> None:
    """Only county 乙's pool is cut: 乙 runs dry and keeps more people waiting; 甲, with its own pool and places,
    is untouched, replication by replication. The paired figures are those of the two runs' by_county tables.
    """
    import sim
    from sim.report.compare_counties import county_changes
    from sim.report.compare_report import as_runs, compare_report

    counties = [{"name": "甲县", "townships": 6}, {"name": "乙县", "townships": 6}]
    poor = {"initial_balance": 2e5, "contributors": []}
    extra = ("time.horizon_months=30", "diversion.after_deadline=keep_queueing")
    reference = listed(counties, *extra)
    cut = listed([counties[0], {**counties[1], "pool": poor}], *extra).model_copy(update={"name": "乙县少钱"})
    same = reference.model_copy(update={"name": "照旧"})
    comparison = sim.compare([reference, cut, same], replications=6, seed=11, executor="inprocess")
    changes = county_changes(as_runs(comparison.runs)).set_index(["unit", "figure"])
    changes = changes[changes["scenario"] == cut.name]

    dry = changes.loc[("乙县", "p_pool_dry_by_deadline")]
    assert dry["reference"] == 0.0 and dry["mean"] == 1.0  # dry in every replication, never before
    awaiting = changes.loc[("乙县", "awaiting_at_deadline")]
    assert awaiting["low"] > 0  # more waiting, beyond the paired interval's doubt
    a, b = (r.by_county for r in comparison.runs[:2])
    deadline = reference.reform.deadline_month
    by_hand = wide(b, "乙县", "awaiting")[:, deadline] - wide(a, "乙县", "awaiting")[:, deadline]
    assert awaiting["mean"] == pytest.approx(by_hand.mean()) and awaiting["n"] == 6
    spent = changes.loc[("乙县", "one_time_cost")]
    assert spent["high"] < 0  # it could pay out less
    for figure in ("awaiting_at_deadline", "p_pool_dry_by_deadline", "one_time_cost"):
        untouched = changes.loc[("甲县", figure)]
        assert untouched["mean"] == 0.0 and untouched["n"] == 6, figure

    from sim.report.finding import compare_finding

    finding = compare_finding(as_runs(comparison.runs), "en")
    assert finding.numbers[f"{reference.name}:counties_dry"] == 0 and finding.numbers["乙县少钱:counties_dry"] == 1
    assert finding.numbers["乙县少钱:county_awaiting:乙县"] == awaiting["mean"]
    assert "乙县少钱 changes awaiting at the deadline most in 乙县 +" in finding.text  # the county that moved, first
    (moved,) = [s for s in finding.sentences if "乙县少钱 changes" in s]
    assert "甲县" not in moved  # a county that did not move is not among those that moved most
    (still,) = [s for s in finding.sentences if "照旧" in s and "By county" in s]
    assert "照旧 leaves the mean awaiting at the deadline unchanged in every county" in still
    assert "in 0 of 2 counties, against 0 under" in still
    assert "in 1 of 2 counties, against 0 under" in finding.text
    zh = compare_finding(as_runs(comparison.runs), "zh").sentences
    assert "乙县少钱使期限时待岗人数变化最大的是乙县+" in zh[-2] and "甲县" not in zh[-2]
    assert "照旧未改变任何县期限时的平均待岗人数" in zh[-1]

    comparison.save(tmp_path / "cmp")
    page = compare_report(tmp_path / "cmp", tmp_path / "report.html").read_text("utf-8")
    assert 'id="counties"' in page and 'id="counties-change"' in page and "乙县少钱 − " in page
    import openpyxl

    from sim.report.workbook import compare_workbook, run_workbook

    runs = as_runs(tmp_path / "cmp")  # read back from the folder, as `fenliu export` does
    compare_workbook(runs, tmp_path / "c.xlsx", "en")
    paired = openpyxl.load_workbook(tmp_path / "c.xlsx")["By county, paired"]
    cells = {(row[0], row[1], row[2]): row for row in paired.iter_rows(min_row=2, values_only=True)}
    assert cells[("乙县", "P(pool dry by the deadline)", cut.name)][3:] == (0, 1, 1, 1, 6)
    assert cells[("乙县", "One-time cost (thousand yuan)", cut.name)][4] == pytest.approx(spent["mean"] / 1e3)
    assert cells[("甲县", "Awaiting at the deadline", cut.name)][4] == 0
    assert cells[("乙县", "P(pool dry by the deadline)", same.name)][3:] == (0, 0, 0, 0, 6)
    run_workbook(runs[1], tmp_path / "r.xlsx", "zh")
    by_county = openpyxl.load_workbook(tmp_path / "r.xlsx")["分县"]
    header, *rows = by_county.iter_rows(values_only=True)
    dry = {row[0]: row[header.index("期限前资金池枯竭概率")] for row in rows}
    assert dry == {"甲县": 0, "乙县": 1}

    city = sim.compare([small(*extra), small(*extra, "reform.cut_admin=0.3")], replications=2, executor="inprocess")
    assert county_changes(as_runs(city.runs)) is None  # a city has no county panel


def test_the_finding_names_the_counties_in_trouble(tmp_path: Path) -> None:
    """The finding names the county whose pool runs dry and the counties with the most people still awaiting,
    with the figures of risk_by_county; a city's finding has no such sentence.
    """
    from sim.analysis.by_county import county_risk
    from sim.report.finding import run_finding
    from sim.report.load import load_run

    scenario = one_poor_county()
    run(scenario, replications=3).save(tmp_path / "run")
    loaded = load_run(tmp_path / "run")
    finding = run_finding(loaded, "en")
    assert finding.numbers["counties"] == 3 and finding.numbers["counties_dry"] == 1
    assert (
        "the pools of 1 of 3 counties run dry by their deadline in at least half the replications (乙县)"
        in finding.text
    )
    risk = county_risk(loaded.by_county, loaded.scenario)
    awaiting = risk[risk["figure"] == "awaiting_at_deadline"].set_index("unit")["estimate"]
    quoted = {k.split(":", 1)[1]: v for k, v in finding.numbers.items() if k.startswith("county_awaiting:")}
    assert quoted == awaiting.to_dict()  # all three, as risk_by_county has them
    order = [unit for unit in sorted(awaiting.index, key=lambda u: -awaiting[u])]
    positions = [finding.text.index(f"{unit} (") for unit in order]
    assert positions == sorted(positions)  # named most awaiting first
    assert "乙县" in run_finding(loaded, "zh").text
    run(small("time.horizon_months=30"), replications=1).save(tmp_path / "city")
    assert "By county" not in run_finding(load_run(tmp_path / "city"), "en").text

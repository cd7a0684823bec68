"""Outputs a planner uses: the terminal summary, the finding's numbers, the workbook, results by township."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.cells import cell_len

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
ONE_TIME = ("cost_severance", "cost_pension_buyin", "cost_placement_subsidy")


def fenliu(*args: str | Path, cwd: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def hanshou(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    """Hanshou's pool runs dry before the deadline: the case where a funding gap plainly exists."""
    tmp = tmp_path_factory.mktemp("hanshou")
    out = {}
    for lang in ("en", "zh"):
        folder = tmp / f"run-{lang}"
        done = fenliu(
            "run",
            LIBRARY / "hanshou_funding.toml",
            "--set",
            "population.synthetic.townships=24",
            "--set",
            "time.horizon_months=60",
            "-n",
            "3",
            "--out",
            folder,
            "--no-report",
            "--lang",
            lang,
            "--xlsx",
            tmp / f"book-{lang}.xlsx",
            cwd=tmp,
        )
        assert done.returncode == 0, done.stderr
        out[lang] = done.stdout
        out[f"folder_{lang}"] = folder
        out[f"book_{lang}"] = tmp / f"book-{lang}.xlsx"
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_terminal_summary_fits_80_columns_and_shows_the_deadline(hanshou: dict, lang: str) -> None:
    text = hanshou[lang]
    widest = max(cell_len(line) for line in text.splitlines())
    assert widest <= 80, f"a line is {widest} columns wide"
    assert "2005-12" in text  # Hanshou's deadline: month 23 from 2004-01
    assert ("deadline" if lang == "en" else "期限") in text


def test_json_summary_is_machine_readable(tmp_path: Path) -> None:
    done = fenliu(
        "run", LIBRARY / "base.toml", "--set", "population.synthetic.townships=2", "--set", "time.horizon_months=36",
        "-n", "2", "--out", tmp_path / "r", "--json", "--no-report", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["deadline_month"] == 29
    assert 29 in [m["month"] for m in payload["months"]]
    assert {r["key"] for r in payload["headline"]} >= {"awaiting_deadline", "one_time_cost"}


def recompute(folder: Path) -> dict[str, float]:
    """The finding's numbers straight from monthly.parquet and the manifest, without the report code."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    deadline, reform = manifest["scenario"]["reform"]["deadline_month"], manifest["scenario"]["reform"]["month"]
    m = pd.read_parquet(folder / "monthly.parquet")
    at = m[m["month"] == deadline].set_index("replication")
    unplaced = at["state_awaiting"] + at["state_rotating"]  # the surplus not placed: awaiting, or on rotating shifts
    one_time = m.groupby("replication")[list(ONE_TIME)].sum().sum(axis=1)
    savings = m.pivot(index="replication", columns="month", values="savings_cumulative_government").to_numpy()
    payback = []
    for path in savings:
        negative = np.flatnonzero(path < -1e-6)
        payback.append(reform if len(negative) == 0 else max(negative[-1] + 1, reform))
    head = m[m["month"] == 60]
    over = ((head["headcount_admin"] + head["headcount_institution"]) > head["establishment_total"]).mean()
    return {
        "awaiting_mean": unplaced.mean(),
        "awaiting_p95": float(np.quantile(unplaced, 0.95)),
        "one_time_mean": one_time.mean(),
        "funding_gap_deadline": at["pool_unpaid"].mean(),
        "pool_waiting_mean": at["pool_waiting"].mean(),
        "payback_median": float(np.median(payback)),
        "p_over_y5": over,
    }


def test_finding_numbers_equal_the_saved_results(hanshou: dict) -> None:
    from sim.report.finding import run_finding
    from sim.report.load import load_run
    from sim.report.units import money

    folder = hanshou["folder_en"]
    expected = recompute(folder)
    for lang in ("en", "zh"):
        finding = run_finding(load_run(folder), lang)
        for key, value in expected.items():
            assert finding.numbers[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        # the numbers quoted are these numbers, in a finance bureau's units
        assert money(expected["one_time_mean"], lang) in finding.text
        assert money(expected["funding_gap_deadline"], lang) in finding.text
        assert f"{expected['awaiting_mean']:,.0f}" in finding.text
        flat = finding.text.replace(" ", "")  # the terminal wraps lines; compare without the breaks and spaces
        assert flat in hanshou[lang].replace("\n", "").replace(" ", "") or lang == "en"
    # the gap is real here: people wait for money and the unpaid requests are in yuan
    assert expected["pool_waiting_mean"] > 0 and expected["funding_gap_deadline"] > 1e5


def test_funding_gap_is_there_exactly_when_someone_waits_for_money(hanshou: dict) -> None:
    m = pd.read_parquet(hanshou["folder_en"] / "monthly.parquet")
    assert ((m["pool_unpaid"] > 0) == (m["pool_waiting"] > 0)).all()
    # each person waiting asks at least the smallest one-time payment and at most the largest
    waiting = m[m["pool_waiting"] > 0]
    per_person = waiting["pool_unpaid"] / waiting["pool_waiting"]
    assert (per_person > 1000).all() and (per_person < 1e6).all()


def test_compare_finding_says_which_is_better_with_the_paired_interval(tmp_path: Path) -> None:
    from sim.report.finding import compare_finding, paired
    from sim.report.load import load_compare

    done = fenliu(
        "compare", LIBRARY / "base.toml", LIBRARY / "lax_enforcement.toml", "--set", "population.synthetic.townships=3",
        "--set", "time.horizon_months=72", "-n", "4", "--executor", "inprocess", "--out", tmp_path / "c",
        "--no-report", "--lang", "en", "--xlsx", tmp_path / "c.xlsx", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    runs = load_compare(tmp_path / "c")
    finding = compare_finding(runs, "en")
    mean, low, high, n = paired(runs[0], runs[1], "over_end")
    a = runs[0].outcomes["over_end"]
    b = runs[1].outcomes["over_end"]
    assert mean == pytest.approx((b - a).mean())
    assert finding.numbers[f"{runs[1].name}:over_end:mean"] == pytest.approx(mean)
    assert n == 4
    assert "Finding" in done.stdout
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames[:3] == ["Finding", "Headline outcomes", "Paired differences"]


def test_workbook_has_the_sheets_and_its_figures_equal_the_parquet(hanshou: dict) -> None:
    import openpyxl

    folder = hanshou["folder_zh"]
    book = openpyxl.load_workbook(hanshou["book_zh"])
    assert book.sheetnames == [
        "结论", "主要结果", "分项目年度支出", "分支付方年度支出", "分流渠道", "风险", "分乡镇", "逐月均值", "方案参数",
    ]  # fmt: skip
    m = pd.read_parquet(folder / "monthly.parquet")
    rows = {r[0]: r for r in book["主要结果"].iter_rows(min_row=2, values_only=True)}
    one_time = m.groupby("replication")[list(ONE_TIME)].sum().sum(axis=1)
    assert rows["模拟期内一次性支出(万元)"][1] * 1e4 == pytest.approx(one_time.mean(), rel=1e-12)
    assert rows["模拟期内一次性支出(万元)"][3] * 1e4 == pytest.approx(np.quantile(one_time, 0.95), rel=1e-12)
    # yearly cost by payer: its years add up to the monthly means of the complete calendar years
    payer = pd.DataFrame(book["分支付方年度支出"].values)
    header, body = list(payer.iloc[0]), payer.iloc[1:]
    year_2005 = body[body[0] == 2005].iloc[0]
    months_2005 = m[(m["month"] >= 12) & (m["month"] < 24)]  # Hanshou starts in 2004-01
    total = months_2005.groupby("replication")["cost_total"].sum().mean()
    assert year_2005[header.index("合计 (万元)")] * 1e4 == pytest.approx(total, rel=1e-9)
    # by township: the means of by_township.parquet
    tw = pd.read_parquet(folder / "by_township.parquet")
    sheet = pd.DataFrame(book["分乡镇"].values)
    cols = list(sheet.iloc[0])
    first = sheet.iloc[1]
    rows_first = tw[(tw["unit"] == first[0]) & (tw["month"] == 23)]
    assert first[cols.index("期限时未安置(人)")] == pytest.approx(rows_first["awaiting"].mean())
    # numbers are numbers; the scenario's text is text
    assert isinstance(rows["期限时未安置的富余人员(人)"][1], float)
    # every column of the channel sheet holds figures (none left blank for want of its column in the results)
    channels = pd.DataFrame(book["分流渠道"].values)
    assert channels.iloc[1:].notna().any().all(), list(channels.iloc[0])
    # the risk sheet's months are when a figure is read, not what it says (a payback month is a value)
    risk = pd.DataFrame(book["风险"].values)
    assert list(risk.iloc[0, :3]) == ["风险指标", "读取月份(模型月)", "读取月份(日历月)"]
    assert not [name for name in risk.iloc[1:, 0] if "_" in str(name)]  # every figure named, none by its id


def test_text_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    import openpyxl

    done = fenliu(
        "run", LIBRARY / "base.toml", "--set", "population.synthetic.townships=2", "--set", "time.horizon_months=36",
        "--set", 'description="=HYPERLINK(\\"http://x\\")"', "-n", "2", "--out", tmp_path / "r", "--no-report",
        "--xlsx", tmp_path / "r.xlsx", "--lang", "en", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    values = [row[2] for row in book["Parameters"].iter_rows(values_only=True) if row[1] == "description"]
    assert values == ['\'=HYPERLINK("http://x")']
    assert not any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


def test_by_township_adds_up_to_the_whole(hanshou: dict) -> None:
    folder = hanshou["folder_en"]
    m = pd.read_parquet(folder / "monthly.parquet").set_index(["replication", "month"])
    tw = pd.read_parquet(folder / "by_township.parquet")
    assert set(tw["month"]) == {23, 60} and set(tw["level"]) == {"township"}
    assert tw["unit"].nunique() == 24
    sums = tw.groupby(["replication", "month"])[["staff", "establishment", "awaiting", "one_time_cost"]].sum()
    whole = m.loc[sums.index]
    assert (sums["staff"] == whole["headcount_total"]).all()
    assert (sums["establishment"] == whole["establishment_total"]).all()
    assert (sums["awaiting"] == whole["state_awaiting"] + whole["state_rotating"]).all()
    # the one-time cost paid in the townships is what the pool paid out
    assert np.allclose(sums["one_time_cost"], whole["pool_paid_cumulative"], rtol=1e-9)
    # and what the ledger booked as one-time cost, by channel too
    booked = m[list(ONE_TIME)].groupby(level="replication").sum().sum(axis=1)
    channels = pd.read_parquet(folder / "by_channel.parquet").groupby("replication")["one_time_cost"].sum()
    assert np.allclose(channels.to_numpy(), booked.to_numpy(), rtol=1e-9)


def test_summary_csv_is_tidy(hanshou: dict) -> None:
    folder = hanshou["folder_en"]
    text = (folder / "summary.csv").read_text()
    assert not re.search(r"\de[+-]\d", text), "scientific notation in summary.csv"
    summary = pd.read_csv(folder / "summary.csv")
    assert "p90" not in summary.columns
    for column in summary.columns:
        assert summary[column].notna().mean() > 0.9, f"{column} is mostly empty"
    assert 23 in set(summary.loc[summary["metric"] == "state_awaiting", "month"])
    risk = pd.read_csv(folder / "risk.csv")
    assert "payback_month_government" in set(risk["figure"])


def test_export_writes_the_workbook_of_a_saved_run(hanshou: dict, tmp_path: Path) -> None:
    import openpyxl

    done = fenliu("export", hanshou["folder_en"], "--xlsx", tmp_path / "e.xlsx", "--lang", "en", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "By township" in openpyxl.load_workbook(tmp_path / "e.xlsx").sheetnames
    bad = fenliu("export", hanshou["folder_en"], "--xlsx", tmp_path / "e.csv", cwd=tmp_path)
    assert bad.returncode == 2 and "xlsx" in bad.stderr and "Traceback" not in bad.stderr


def test_report_figures_show_calendar_months_and_a_finance_bureau_units() -> None:
    import sim
    from sim.report.load import as_run
    from sim.report.localise import localise_figure
    from sim.report.run_figures import RUN_FIGURES

    scenario = sim.load_scenario(LIBRARY / "base.toml", overrides={"population.synthetic.townships": 2})
    run = as_run(sim.run(scenario, replications=2, seed=1, events=False))
    make = {anchor: f for anchor, f, _ in RUN_FIGURES}
    figs = {lang: localise_figure(make["savings"](run, lang), run.start, run.horizon, lang) for lang in ("en", "zh")}
    en, zh = figs["en"], figs["zh"]
    line = next(t for t in en.data if t.hovertemplate and "customdata" in t.hovertemplate)
    # month m is time.start + m: base starts 2005-01, so month 29 (the deadline) is 2007-06
    assert line.x[0] == "2005-01-01" and line.x[29] == "2007-06-01"
    assert list(np.asarray(line.customdata)[:, -1][:30]) == list(range(30))  # the model month, for the hover
    assert "month %{customdata[2]:.0f}" in line.hovertemplate and "million yuan" in line.hovertemplate
    assert en.layout.xaxis.type == "date"
    deadline = [s for s in en.layout.shapes if s.x0 == "2007-06-01"]
    assert deadline, "the deadline marker sits on the deadline's calendar month"
    # the same money in 万元 or 亿元 in Chinese: scaled from millions by 100 or 1/100, the unit on the axis
    line_zh = next(t for t in zh.data if t.hovertemplate and "customdata" in t.hovertemplate)
    unit = zh.layout.yaxis.title.text
    assert unit in ("万元", "亿元")
    factor = 100.0 if unit == "万元" else 0.01
    assert np.allclose(np.asarray(line_zh.y, dtype=float), np.asarray(line.y, dtype=float) * factor)
    assert unit in line_zh.hovertemplate and "第%{customdata[2]:.0f}月" in line_zh.hovertemplate


def test_sweep_writes_its_workbook(tmp_path: Path) -> None:
    import openpyxl

    spec = tmp_path / "tiny.toml"
    spec.write_text(
        f'name = "tiny"\nbase = "{(LIBRARY / "base.toml").as_posix()}"\nseed = 1\nreplications = 2\n'
        '[set]\n"population.synthetic.townships" = 2\n"time.horizon_months" = 36\n'
        '[design]\nkind = "grid"\n[parameters."reform.cut_admin"]\nvalues = [0.05, 0.2]\n',
        "utf-8",
    )
    done = fenliu(
        "sweep", spec, "--executor", "inprocess", "--out", tmp_path / "out", "--xlsx", tmp_path / "s.xlsx",
        "--lang", "en", "-q", "--no-report", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["Design points", "Summary", "Parameters"]
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    rows = [r for r in book["Summary"].iter_rows(min_row=2, values_only=True)]
    money = [r for r in rows if r[1] == "cost_government"]
    first = summary[(summary["metric"] == "cost_government")].iloc[0]
    assert money[0][5] * 1e3 == pytest.approx(first["mean"])  # thousand yuan


def test_a_twin_whose_pool_is_short_says_it_assumed_the_money(tmp_path: Path) -> None:
    """With no money put in, the twin still pays everyone (nobody waits in it), so its finding must not say
    "no request was left unpaid": it names the yuan it assumed, which is everything the pool paid; the engine
    on the same scenario has people waiting for money instead, and no such sentence."""
    import sim
    from sim.expected import expected
    from sim.report.finding import run_finding
    from sim.report.load import load_run

    overrides: dict[str, object] = {"population.synthetic.townships": 6, "time.horizon_months": 36}
    overrides.update({f"pool.contributors.{n}.amount": 0.0 for n in range(4)})
    scenario = sim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "base.toml", overrides=overrides)
    twin_folder, des_folder = tmp_path / "twin", tmp_path / "des"
    expected(scenario).write(twin_folder)
    sim.run(scenario, replications=2, progress=False).write(des_folder)

    twin = load_run(twin_folder)
    at = twin.monthly[twin.monthly["month"] == twin.deadline]
    paid = float(at["pool_paid_cumulative"].iloc[0])
    assert paid > 1e5 and float(at["pool_balance"].iloc[0]) == pytest.approx(-paid)
    for lang in ("en", "zh"):
        finding = run_finding(twin, lang)
        assert finding.numbers["twin_assumed_deadline"] == pytest.approx(paid)
        assert "--engine des" in finding.text
    assert "No request for money was left unpaid" not in run_finding(twin, "en").text

    engine = run_finding(load_run(des_folder), "en")
    assert "twin_assumed_deadline" not in engine.numbers and "--engine des" not in engine.text
    assert engine.numbers["pool_waiting_mean"] > 0


def test_the_twin_counts_a_short_county_even_when_another_holds_money(tmp_path: Path) -> None:
    """Counties' pools are their own: a rich county's balance does not pay a poor county's diverted staff.
    With the province's net balance positive at the deadline, the twin's finding still names the money the
    poor county's pool paid beyond what was put in (its negative balance), read from by_county."""
    import sim
    from sim.expected import expected
    from sim.report.finding import run_finding
    from sim.report.load import load_run
    from sim.scenario.schema import CountySection

    overrides: dict[str, object] = {"population.synthetic.townships": 8, "time.horizon_months": 36}
    scenario = sim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "base.toml", overrides=overrides)
    rich = {"initial_balance": 5e8, "contributors": []}
    county_money = {"name": "county", "payer": "county", "amount": 1e5, "schedule": "once", "first_month": 12}
    poor = {"initial_balance": 0.0, "contributors": [county_money]}
    counties = (
        CountySection.model_validate({"name": "rich", "townships": 4, "pool": rich}),
        CountySection.model_validate({"name": "poor", "townships": 4, "pool": poor}),
    )
    expected(scenario.model_copy(update={"counties": counties})).write(tmp_path / "twin")
    twin = load_run(tmp_path / "twin")
    assert twin.by_county is not None
    at = twin.by_county[twin.by_county["month"] == twin.deadline].set_index("unit")
    short = -float(at.at["poor", "pool_balance"])  # paid beyond the 100,000 yuan put in
    assert short == pytest.approx(float(at.at["poor", "pool_paid"]) - 1e5) and short > 1e5
    net = float(twin.monthly.loc[twin.monthly["month"] == twin.deadline, "pool_balance"].iloc[0])
    assert net > 0  # the province as a whole still holds money: the net balance would hide the poor county
    finding = run_finding(twin, "en")
    assert finding.numbers["twin_assumed_deadline"] == pytest.approx(short)
    assert "--engine des" in finding.text
    # the charges include the assumed money, so the twin does not say each payer bore only its own money
    assert "of its own money" not in finding.text and "pool.top_up_payer" in finding.text
    # and by county it names the short one: the twin's pools never run dry, they go below zero
    assert finding.numbers["counties_dry"] == 1
    assert "the pools of 1 of 2 counties have paid more than was put in by their deadline" in finding.text
    assert "money the twin assumes is found (poor)" in finding.text

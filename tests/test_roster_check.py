"""`fenliu roster check`: every problem class with its row and column, the summary, the bad-rows workbook round trip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from roster_samples import GBK_CSV, sample_scenario
from test_roster import small_scenario
from test_roster_chinese import ZH_HEADER, row, zh_csv

from sim.cli.main import main
from sim.population import read_roster
from sim.population.roster.checks import check_roster
from sim.population.roster.workbook import ROW_HEADER, write_check_workbook

ROOT = Path(__file__).resolve().parents[1]

# Ten clean admin staff in 枫桥镇 (median salary 1500), then one row per problem class.
CLEAN = [row(id=f"C{k}", salary=str(1450 + 10 * k)) for k in range(10)]
BAD = [
    row(id="C3"),  # row 12: duplicate id (first in row 5)
    row(id="D1", birth_date="1968.02.30"),  # row 13: impossible date
    row(id="D2", birth_date="1980.03", entry_date="1995.09"),  # row 14: entry at 15
    row(
        id="D3", sex="女", status="干部", birth_date="1949.11", entry_date="1970.01"
    ),  # row 15: woman cadre 55 at 2005-01
    row(id="D4", salary="15000"),  # row 16: salary ten times the median
    row(id="D5", township="东渚"),  # row 17: township not on the list / spelled once
]
EXPECTED = [
    (5, "id", "duplicate-id", "warning"),
    (12, "id", "duplicate-id", "error"),
    (13, "birth_date", "impossible-date", "error"),
    (14, "entry_date", "entry-before-16", "error"),
    (15, "birth_date", "retirement-passed", "warning"),
    (16, "salary", "salary-outlier", "warning"),
]


def fenliu(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a real process."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )


def fenliu_here(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """The command line in this process (faster): exit code, stdout, stderr."""
    monkeypatch.chdir(ROOT)
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_problem_class_with_row_and_column(tmp_path: Path) -> None:
    path = zh_csv(tmp_path, CLEAN + BAD)
    (tmp_path / "townships.csv").write_text("township\n枫桥镇\n东渚乡\n", encoding="utf-8")
    check = check_roster(path, small_scenario(), townships=tmp_path / "townships.csv")
    found = [(p.row, p.column, p.rule, p.severity) for p in check.problems]
    assert found == [*EXPECTED, (17, "township", "unknown-township", "error")]
    assert [p.value for p in check.problems][1:4] == ["C3", "1968.02.30", "1995.09"]
    assert check.bad_rows == [3, *range(10, 16)]


def test_retirement_rule_follows_sex_and_status(tmp_path: Path) -> None:
    """The same birth month is past retirement for a woman cadre (55) but not for a man (60) or at a later month 0."""
    rows = [
        row(id="W", sex="女", birth_date="1949.11", entry_date="1970.01"),
        row(id="M", sex="男", birth_date="1949.11", entry_date="1970.01"),
    ]
    path = zh_csv(tmp_path, rows)
    passed = [p.message for p in check_roster(path, small_scenario()).problems if p.rule == "retirement-passed"]
    assert len(passed) == 1 and "women cadres" in passed[0] and "2004-11" in passed[0]
    later = small_scenario().model_copy(update={"time": small_scenario().time.model_copy(update={"start": "2010-01"})})
    assert {p.index for p in check_roster(path, later).problems if p.rule == "retirement-passed"} == {0, 1}


def test_township_spelled_two_ways_without_a_list(tmp_path: Path) -> None:
    path = zh_csv(tmp_path, [*CLEAN, row(id="E1", township="枫桥")])
    problems = [p for p in check_roster(path, small_scenario()).problems if p.rule == "unknown-township"]
    assert [(p.row, p.value, p.severity) for p in problems] == [(12, "枫桥", "warning")]
    assert "'枫桥镇', as 10 rows write it" in problems[0].message


def test_salary_outliers_need_a_real_gap(tmp_path: Path) -> None:
    rows = [*CLEAN, row(id="L", salary="400"), row(id="H", salary="4600"), row(id="N", salary="3000")]
    problems = [p for p in check_roster(zh_csv(tmp_path, rows), small_scenario()).problems]
    assert [(p.value, p.rule) for p in problems] == [("400", "salary-outlier"), ("4600", "salary-outlier")]


def test_bad_rows_workbook_round_trips(tmp_path: Path) -> None:
    path = zh_csv(tmp_path, CLEAN + BAD + [row(id="D6", leader="=1+1", birth_date="1961.1", salary="9000")])
    scenario = small_scenario()
    townships = tmp_path / "townships.csv"
    townships.write_text("township\n枫桥镇\n东渚乡\n", encoding="utf-8")
    check = check_roster(path, scenario, townships=townships)
    out = tmp_path / "bad.xlsx"
    write_check_workbook(check, out)
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[0] == ROW_HEADER and header[1:-1] == ZH_HEADER.split(",")
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == [5, 12, 13, 14, 15, 16, 17, 18]
    cells = {c.value for r in ws.iter_rows(min_row=2) for c in r}
    assert "'=1+1" in cells and "=1+1" not in cells  # neutralised
    assert "1961.10" in cells  # 1961.1 written as read (October, from its column), so it reads alone
    assert [s.title for s in wb.worksheets][1:] == ["问题 problems", "汇总 summary", "说明 notes"]
    # Unfixed, the workbook reads back with the same errors in the same cells (rows renumbered).
    again = check_roster(out, scenario, townships=townships)
    assert [(p.column, p.rule, p.value) for p in again.errors] == [(p.column, p.rule, p.value) for p in check.errors]
    # The clerk fixes the coloured cells and re-submits: it reads, with the fixed values.
    fixes = {  # by the original row, as the workbook gives it
        12: ("人员编号", "C99"),
        13: ("出生年月", "1968.02"),
        14: ("参加工作时间", "1998.09"),
        17: ("所在乡镇", "东渚乡"),
    }
    column = {h: k + 1 for k, h in enumerate(header)}
    for r in range(2, ws.max_row + 1):
        key = ws.cell(r, 1).value
        if key in fixes:
            name, value = fixes[key]
            ws.cell(r, column[name]).value = value
    wb.save(out)
    assert not check_roster(out, scenario, townships=townships).errors
    pop = read_roster(out, scenario)
    assert pop.ids.tolist() == ["C3", "C99", "D1", "D2", "D3", "D4", "D5", "D6"]
    assert pop.birth[2] == 1968 * 12 + 1 and pop.entry[3] == 1998 * 12 + 8 and pop.birth[7] == 1961 * 12 + 9
    assert pop.salary[5] == 15000 and not pop.leader[7]


def test_cli_check_lists_summarises_and_exits(tmp_path: Path) -> None:
    path = zh_csv(tmp_path, CLEAN + BAD)
    (tmp_path / "townships.csv").write_text("township\n枫桥镇\n东渚乡\n", encoding="utf-8")
    done = fenliu(
        "roster",
        "check",
        str(path),
        "--out",
        str(tmp_path / "bad.xlsx"),
        "--townships",
        str(tmp_path / "townships.csv"),
    )
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "16 staff in 2 townships; 4 errors, 3 warnings, in 7 rows" in out
    assert "error [unknown-township] row 17, column 所在乡镇 (township): township '东渚' is not listed" in out
    assert "error [impossible-date] row 13, column 出生年月 (birth_date)" in out and "(value '1968.02.30')" in out
    for table in ("by township:", "by sector:", "by age band:", "by education:"):
        assert table in out
    assert any(line.split() == ["枫桥镇", "15", "15", "0", "0"] for line in out.splitlines())
    assert (tmp_path / "bad.xlsx").is_file() and "wrote 7 rows to fix" in out


def test_cli_check_of_a_good_gbk_roster(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = fenliu_here(capsys, monkeypatch, "roster", "check", str(GBK_CSV))
    assert code == 0
    assert "read as GBK/GB18030" in out and "39 staff in 3 townships; 0 errors, 0 warnings" in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["roster", "check", "nope.csv"], "nope.csv: file not found"),
        (["roster", "check", str(GBK_CSV), "--out", "bad.csv"], "expected an .xlsx file"),
        (["roster", "check"], "expected a roster file"),
        (["roster", "check", str(GBK_CSV), "--columns", "nope.toml"], "nope.toml: column map file not found"),
        (["roster", "scenarios/base.toml"], "--out FILE is required"),
        (["roster", "scenarios/base.toml", "extra.csv", "--out", "x.csv"], "unexpected 'extra.csv'"),
    ],
)
def test_cli_mistakes_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    code, out, err = fenliu_here(capsys, monkeypatch, *args)
    assert code == 2 and said in err and out == ""


def test_writing_a_roster_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [
        "roster",
        "scenarios/base.toml",
        "--set",
        "population.synthetic.townships=2",
        "--out",
        str(tmp_path / "r.csv"),
    ]
    code, _, err = fenliu_here(capsys, monkeypatch, *args)
    assert code == 0, err
    assert read_roster(tmp_path / "r.csv", sample_scenario()).ids.size > 0


def test_validate_states_the_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'[population]\nsource = "roster"\nroster = "{GBK_CSV}"\n', encoding="utf-8")
    code, out, err = fenliu_here(capsys, monkeypatch, "validate", str(scenario))
    assert code == 0, err
    assert "read as GBK/GB18030" in out and "header found in row 2" in out and "39 staff in 3 townships" in out


def test_html_report_holds_problems_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = zh_csv(tmp_path, [*CLEAN, *BAD, row(id="X", leader="<script>alert(1)</script>")])
    code, out, _ = fenliu_here(capsys, monkeypatch, "roster", "check", str(path), "--html", str(tmp_path / "c.html"))
    assert code == 1 and "wrote the report to" in out
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    for text in ("impossible-date", "1968.02.30", "retirement-passed", "by township", "by age band", "by education"):
        assert text in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

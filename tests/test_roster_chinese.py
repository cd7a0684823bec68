"""Chinese rosters: headers, words, dates and numbers as county rosters write them, column maps, the samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from roster_samples import ENGLISH, GBK_CSV, XLSX, sample_scenario
from test_roster import assert_same, error_of, small_scenario

from sim.population import read_roster
from sim.population.roster import APPRAISAL_WORDS, ROSTER_COLUMNS, SYNONYMS, parse_roster
from sim.population.roster.encoding import csv_cells
from sim.scenario import load_scenario

ZH_HEADER = "人员编号,所在乡镇,编制类型,性别,出生年月,参加工作时间,学历,身份,职务,月工资,年度考核,军转安置"


def zh_csv(tmp_path: Path, rows: list[str], header: str = ZH_HEADER, encoding: str = "utf-8") -> Path:
    path = tmp_path / "花名册.csv"
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def row(**cells: str) -> str:
    """One Chinese roster row; keyword arguments replace cells by roster column."""
    base = dict(
        zip(
            ROSTER_COLUMNS,
            ["A1", "枫桥镇", "行政编制", "男", "1968.05", "1988.07", "大专", "干部", "科员", "1500", "称职", "否"],
            strict=True,
        )
    )
    base.update(cells)
    return ",".join(f'"{v}"' if "," in v else v for v in base.values())


# ---------------------------------------------------------------------------- the samples


def test_sample_chinese_rosters_give_the_english_population() -> None:
    scenario = sample_scenario()
    english = read_roster(ENGLISH, scenario)
    for path in (GBK_CSV, XLSX):
        assert_same(english, read_roster(path, scenario))
    assert len(english) == 39 and english.leader.sum() >= 3 and english.protected.sum() >= 3
    assert set(english.appraisal.tolist()) == set(APPRAISAL_WORDS.values())
    notes = parse_roster(GBK_CSV, scenario).notes
    assert "GBK/GB18030" in notes[0]
    assert any("read as October" in n for n in notes)
    assert "GBK" not in parse_roster(XLSX, scenario).notes[0]


# ---------------------------------------------------------------------------- headers and words


@pytest.mark.parametrize("pick", [1, 2, -1])
def test_every_column_found_by_its_chinese_spellings(tmp_path: Path, pick: int) -> None:
    names = [SYNONYMS[c][min(pick, len(SYNONYMS[c]) - 1)] for c in ROSTER_COLUMNS]
    header = ",".join(f" {n}（单位） " if n == "月工资" else n for n in names)  # brackets and spaces ignored
    leader = "是" if names[8] in ("是否领导职务", "是否领导", "领导职务") else "乡长"
    pop = read_roster(zh_csv(tmp_path, [row(leader=leader)], header=header), small_scenario())
    assert pop.ids.tolist() == ["A1"] and pop.leader.tolist() == [True]
    assert pop.birth.tolist() == [1968 * 12 + 4] and pop.salary.tolist() == [1500.0]


def test_first_of_two_headers_for_one_column_wins(tmp_path: Path) -> None:
    header = ZH_HEADER.replace("人员编号", "人员编号,身份证号码")
    path = zh_csv(tmp_path, [row(id="A1,330102196805011234").replace('"', "")], header=header)
    reading = parse_roster(path, small_scenario())
    assert reading.population(small_scenario()).ids.tolist() == ["A1"]
    assert any("身份证号码" in n for n in reading.notes)


WORDS = [
    ("sector", ["行政编制", "事业编制", "临时", "借用", "挂靠"], "sector", [0, 1, 2, 2, 2]),
    ("education", ["研究生", "大学本科", "大专", "中专", "高中", "初中", "小学"], "education", [4, 4, 3, 2, 2, 1, 0]),
    ("status", ["干部", "工人"], "worker", [False, True]),
    ("sex", ["男", "女"], "female", [False, True]),
    ("leader", ["乡长", "书记", "副乡长", "镇长", "党委副书记", "站长", "科员", "党政办主任", ""], "leader",
     [True, True, True, True, True, False, False, False, False]),
    ("appraisal", ["优秀", "称职", "基本称职", "不称职", "合格", "88分"], "appraisal", [90, 75, 60, 45, 75, 88]),
    ("protected", ["是", "否", ""], "protected", [True, False, False]),
]  # fmt: skip


@pytest.mark.parametrize(("column", "cells", "field", "expected"), WORDS, ids=[w[0] for w in WORDS])
def test_chinese_words(tmp_path: Path, column: str, cells: list[str], field: str, expected: list[object]) -> None:
    rows = [row(id=f"A{k}", **{column: cell}) for k, cell in enumerate(cells)]
    pop = read_roster(zh_csv(tmp_path, rows), small_scenario())
    assert getattr(pop, field).tolist() == expected


def test_post_name_in_a_yes_no_column_is_refused_when_not_chinese(tmp_path: Path) -> None:
    header = ZH_HEADER.replace("职务", "是否领导职务")
    message = error_of(zh_csv(tmp_path, [row(leader="2")], header=header))
    assert "row 2, column 是否领导职务 (leader): expected 0 or 1" in message


# ---------------------------------------------------------------------------- dates and numbers


@pytest.mark.parametrize(
    "cell",
    ["1968.10", "1968年10月", "1968年10月3日", "1968-10", "1968/10/03", "19681003", "196810", "25114", "１９６８.１０"],
)
def test_date_forms(tmp_path: Path, cell: str) -> None:
    pop = read_roster(zh_csv(tmp_path, [row(birth_date=cell)]), small_scenario())
    assert pop.birth.tolist() == [1968 * 12 + 9]


@pytest.mark.parametrize(
    ("others", "month"),
    [
        (["1970.03", "1971.11"], 10),  # months padded: 1968.1 lost the zero of 1968.10
        (["1970.3", "1971.10"], 1),  # months not padded, October written .10: 1968.1 is January
    ],
)
def test_dot_one_read_from_the_column(tmp_path: Path, others: list[str], month: int) -> None:
    rows = [row(id="A0", birth_date="1968.1")] + [row(id=f"A{k + 1}", birth_date=d) for k, d in enumerate(others)]
    reading = parse_roster(zh_csv(tmp_path, rows), small_scenario())
    assert reading.population(small_scenario()).birth[0] == 1968 * 12 + month - 1
    assert any(f"read as {'October' if month == 10 else 'January'}" in n for n in reading.notes)


@pytest.mark.parametrize("others", [["1970.3", "1971.11"], ["1970.03", "1970.3"], ["1971.12"]])
def test_dot_one_ambiguous_names_the_rows(tmp_path: Path, others: list[str]) -> None:
    rows = [row(id="A0", birth_date="1968.1")] + [row(id=f"A{k + 1}", birth_date=d) for k, d in enumerate(others)]
    rows.append(row(id="A9", birth_date="1975.1"))
    message = error_of(zh_csv(tmp_path, rows))
    assert "row 2, column 出生年月 (birth_date): '1968.1' could be January or October" in message
    assert f"row {len(rows) + 1}, column 出生年月 (birth_date): '1975.1'" in message


@pytest.mark.parametrize("cell", ["1968.13", "1968.02.30", "19680230", "1968", "1968年13月", "五月"])
def test_impossible_dates(tmp_path: Path, cell: str) -> None:
    message = error_of(zh_csv(tmp_path, [row(birth_date=cell)]))
    assert "row 2, column 出生年月 (birth_date): expected a date as YYYY-MM" in message and repr(cell) in message


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1,200", 1200.0), ("1200元", 1200.0), ("１２００", 1200.0), ("¥1,200.50", 1200.5), ("1200 元/月", 1200.0)],
)
def test_number_forms(tmp_path: Path, cell: str, value: float) -> None:
    pop = read_roster(zh_csv(tmp_path, [row(salary=cell)]), small_scenario())
    assert pop.salary.tolist() == [value]


@pytest.mark.parametrize("cell", ["12,00", "1200美元", "一千二"])
def test_bad_numbers(tmp_path: Path, cell: str) -> None:
    assert "row 2, column 月工资 (salary): expected a number" in error_of(zh_csv(tmp_path, [row(salary=cell)]))


# ---------------------------------------------------------------------------- column maps


MAP = """
[columns]
id = "职工号"
township = ["工作单位", "单位"]

[values.sector]
"参公" = "admin"

[values.appraisal]
"良好" = 82
"""


def test_column_map_file_and_scenario_key(tmp_path: Path) -> None:
    header = ZH_HEADER.replace("人员编号", "职工号").replace("所在乡镇", "工作单位")
    path = zh_csv(tmp_path, [row(sector="参公", appraisal="良好")], header=header)
    assert "lacks required column(s) id, township" in error_of(path)
    (tmp_path / "map.toml").write_text(MAP, encoding="utf-8")
    pop = read_roster(path, small_scenario(), columns=tmp_path / "map.toml")
    assert pop.ids.tolist() == ["A1"] and pop.sector.tolist() == [0] and pop.appraisal.tolist() == [82.0]
    (tmp_path / "s.toml").write_text(
        f'[population]\nsource = "roster"\nroster = "{path.name}"\nroster_columns = "map.toml"\n', encoding="utf-8"
    )
    scenario = load_scenario(tmp_path / "s.toml")
    assert scenario.population.roster_columns == str(tmp_path / "map.toml")
    assert read_roster(path, scenario).ids.tolist() == ["A1"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[columns]\nname = '姓名'\n", "columns.name: unknown roster column"),
        ("[columns]\nid = 3\n", "columns.id: expected a header text"),
        ("[values.sector]\n'参公' = 'army'\n", "values.sector.参公: expected one of the built-in words"),
        ("[other]\n", "unknown table(s) other"),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_bad_column_map(tmp_path: Path, text: str, said: str) -> None:
    (tmp_path / "map.toml").write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match="map.toml") as info:
        read_roster(zh_csv(tmp_path, [row()]), small_scenario(), columns=tmp_path / "map.toml")
    assert said in str(info.value)


def test_gbk_title_row_and_extra_columns(tmp_path: Path) -> None:
    header = "序号,姓名," + ZH_HEADER + ",备注"
    path = tmp_path / "r.csv"
    text = "\n".join(["某县花名册", header, "1,张三," + row() + ",=HYPERLINK()"]) + "\n"
    path.write_bytes(text.encode("gb18030"))
    reading = parse_roster(path, small_scenario())
    assert reading.population(small_scenario()).ids.tolist() == ["A1"]
    assert "header found in row 2" in reading.notes
    assert np.array_equal(reading.frame.rows, [3])
    assert pd.Series(reading.frame.labels).tolist()[:2] == ["序号", "姓名"]


def test_quoted_cells_with_commas_and_line_breaks(tmp_path: Path) -> None:
    header = ZH_HEADER + ",备注"
    note = '"调入,\n借用,\n两年,后转正,再调"'
    path = zh_csv(tmp_path, [row(id="A1") + "," + note, row(id="A2") + ",", row(id="A3")], header=header)
    pop = read_roster(path, small_scenario())
    assert pop.ids.tolist() == ["A1", "A2", "A3"]


def test_csv_rows_wider_than_any_line() -> None:
    """A record spread over lines by quoted line breaks may hold more cells than any line has commas."""
    cells = csv_cells('a,b,c\n"1\n2",3,"4\n5",6\n')
    assert cells.shape == (2, 4) and cells.iloc[1].tolist() == ["1\n2", "3", "4\n5", "6"]


def test_id_card_numbers_that_excel_shortened(tmp_path: Path) -> None:
    message = error_of(zh_csv(tmp_path, [row(id="3.30102196805011E+17")]))
    assert "row 2, column 人员编号 (id): expected an id, found '3.30102196805011E+17'" in message
    assert "format the column as text" in message

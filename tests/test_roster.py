"""Real-name roster: reading, validation messages, writing and round trips."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.population import ROSTER_COLUMNS, build_population, read_roster, write_roster, write_townships
from sim.population.roster import parse_roster
from sim.population.synthetic import synthetic_population
from sim.population.table import Population
from sim.scenario.schema import Scenario

HEADER = ",".join(ROSTER_COLUMNS)
GOOD_ROWS = [
    "P1,Fengqiao,admin,M,1962-05,1983-09,college,cadre,1,1850,82.5,0",
    "P2,Fengqiao,institution,F,1975-11-03,1996-07-01,secondary,worker,0,1120.50,71,0",
    "P3,Xushuguan,temporary,M,1980-02,2002-04,junior,worker,0,700,65,1",
]


def small_scenario(**population: object) -> Scenario:
    classes = [{"name": "all", "staff_admin": 5, "staff_institution": 6, "staff_temporary": 2}]
    return Scenario(population={"synthetic": {"townships": 3}, **population}, township_classes=classes)


def two_class_scenario(**population: object) -> Scenario:
    classes = [
        {
            "name": "large",
            "share": 0.5,
            "staff_admin": 6,
            "staff_institution": 7,
            "staff_temporary": 2,
            "establishment_admin": 9,
            "establishment_institution": 11,
        },
        {"name": "small", "share": 0.5, "staff_admin": 3, "staff_institution": 4, "staff_temporary": 1},
    ]
    return Scenario(population={"synthetic": {"townships": 4}, **population}, township_classes=classes)


def assert_same(a: Population, b: Population) -> None:
    for field in dataclasses.fields(Population):
        if field.name == "townships":
            continue
        x, y = getattr(a, field.name), getattr(b, field.name)
        assert x.dtype == y.dtype, field.name
        assert np.array_equal(x, y), field.name
    ta, tb = a.townships, b.townships
    assert ta.names == tb.names
    for name in ("klass", "establishment_admin", "establishment_institution"):
        x, y = getattr(ta, name), getattr(tb, name)
        assert x.dtype == y.dtype == np.int64, name
        assert np.array_equal(x, y), name


def write_csv(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def with_cell(row: int, column: str, value: str) -> list[str]:
    """GOOD_ROWS with one cell replaced; `row` is the spreadsheet row (2 = first person)."""
    rows = [r.split(",") for r in GOOD_ROWS]
    rows[row - 2][ROSTER_COLUMNS.index(column)] = value
    return [",".join(r) for r in rows]


def error_of(path: Path, scenario: Scenario | None = None) -> str:
    with pytest.raises(InputError) as info:
        read_roster(path, scenario or small_scenario())
    return str(info.value)


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_round_trip_synthetic(tmp_path: Path, ext: str) -> None:
    scenario = small_scenario()
    pop = synthetic_population(scenario, seed=7)
    path = tmp_path / f"roster{ext}"
    write_roster(pop, path)
    assert_same(pop, read_roster(path, scenario))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_round_trip_with_townships_file(tmp_path: Path, ext: str) -> None:
    scenario = two_class_scenario()
    pop = synthetic_population(scenario, seed=3)
    write_roster(pop, tmp_path / f"r{ext}")
    write_townships(pop, tmp_path / f"t{ext}", [c.name for c in scenario.township_classes])
    reading = two_class_scenario(
        source="roster", roster=str(tmp_path / f"r{ext}"), townships_file=str(tmp_path / f"t{ext}")
    )
    back = read_roster(tmp_path / f"r{ext}", reading)
    assert_same(pop, back)
    assert back.townships.klass.tolist() == [0, 0, 1, 1]
    assert back.townships.establishment_admin.tolist() == [9, 9, 3, 3]


def test_written_csv_uses_words(tmp_path: Path) -> None:
    pop = synthetic_population(small_scenario(), seed=1)
    path = tmp_path / "r.csv"
    write_roster(pop, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    cells = lines[1].split(",")
    assert cells[2] in ("admin", "institution", "temporary")
    assert cells[3] in ("M", "F")
    assert len(cells[4]) == 7 and cells[4][4] == "-"
    assert cells[8] in ("0", "1") and cells[11] in ("0", "1")


money = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
score = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(salary=money, appraisal=score, age_months=st.integers(16 * 12, 80 * 12), service=st.integers(0, 600))
def test_round_trip_exact_values(
    tmp_path: Path, salary: float, appraisal: float, age_months: int, service: int
) -> None:
    scenario = small_scenario()
    pop = synthetic_population(scenario, seed=2)
    start = scenario.time.start_abs
    entry = start - min(service, age_months - 16 * 12)
    pop = dataclasses.replace(
        pop,
        salary=np.full(len(pop), salary),
        appraisal=np.full(len(pop), appraisal),
        birth=np.full(len(pop), start - age_months, dtype=np.int64),
        entry=np.full(len(pop), entry, dtype=np.int64),
    )
    write_roster(pop, tmp_path / "r.csv")
    assert_same(pop, read_roster(tmp_path / "r.csv", scenario))


def test_write_replaces_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("old", encoding="utf-8")
    write_roster(synthetic_population(small_scenario(), seed=1), path)
    assert path.read_text(encoding="utf-8").startswith(HEADER)


@pytest.mark.parametrize("name", ["r.xls", "r.txt", "r"])
def test_write_refuses_other_extensions(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match=r"\.csv or \.xlsx"):
        write_roster(synthetic_population(small_scenario(), seed=1), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- good inputs


def test_reads_documented_example(tmp_path: Path) -> None:
    pop = read_roster(write_csv(tmp_path, GOOD_ROWS), small_scenario())
    assert pop.ids.tolist() == ["P1", "P2", "P3"] and pop.ids.dtype == object
    assert pop.townships.names == ("Fengqiao", "Xushuguan")
    assert pop.township.tolist() == [0, 0, 1]
    assert pop.sector.tolist() == [0, 1, 2]
    assert pop.female.tolist() == [False, True, False]
    assert pop.worker.tolist() == [False, True, True]
    assert pop.leader.tolist() == [True, False, False]
    assert pop.protected.tolist() == [False, False, True]
    assert pop.birth[0] == 1962 * 12 + 4 and pop.entry[1] == 1996 * 12 + 6
    assert pop.education.tolist() == [3, 2, 1]
    assert pop.salary.tolist() == [1850.0, 1120.5, 700.0]
    assert pop.appraisal.tolist() == [82.5, 71.0, 65.0]
    # No townships file: class 0, establishment = staff employed (class 0 sets none).
    assert pop.townships.klass.tolist() == [0, 0]
    assert pop.townships.establishment_admin.tolist() == [1, 0]
    assert pop.townships.establishment_institution.tolist() == [1, 0]


def test_class_zero_establishment_without_townships_file(tmp_path: Path) -> None:
    pop = read_roster(write_csv(tmp_path, GOOD_ROWS), two_class_scenario())
    assert pop.townships.establishment_admin.tolist() == [9, 9]
    assert pop.townships.establishment_institution.tolist() == [11, 11]


def test_chinese_aliases(tmp_path: Path) -> None:
    rows = [
        "A,镇一,行政,男,1970-01,1990-01,大专,干部,是,1500,80,否",
        "B,镇一,事业,女,1971-01,1991-01,本科,工人,否,1200,70,",
        "C,镇二,临时,女,1980-01,2000-01,初中,工人,0,700,60,是",
    ]
    pop = read_roster(write_csv(tmp_path, rows), small_scenario())
    assert pop.sector.tolist() == [0, 1, 2]
    assert pop.female.tolist() == [False, True, True]
    assert pop.worker.tolist() == [False, True, True]
    assert pop.education.tolist() == [3, 4, 1]
    assert pop.leader.tolist() == [True, False, False]
    assert pop.protected.tolist() == [False, False, True]
    assert pop.townships.names == ("镇一", "镇二")


def test_lenient_header_bom_spaces_case_and_optional_protected(tmp_path: Path) -> None:
    header = " ID , Township,SECTOR,sex,birth_date,entry_date,education,status,leader,salary,appraisal,note"
    rows = [r.rsplit(",", 1)[0] + ",anything" for r in GOOD_ROWS]
    path = tmp_path / "r.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8-sig")
    pop = read_roster(path, small_scenario())
    assert pop.ids.tolist() == ["P1", "P2", "P3"]
    assert not pop.protected.any() and pop.protected.dtype == bool


def test_blank_rows_skipped_and_row_numbers_kept(tmp_path: Path) -> None:
    rows = [GOOD_ROWS[0], "", ",,,,,,,,,,,", GOOD_ROWS[1].replace(",F,", ",X,")]
    message = error_of(write_csv(tmp_path, rows))
    assert "row 5, column sex" in message
    assert "1 problem " in message


def test_xlsx_with_date_and_boolean_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(ROSTER_COLUMNS))
    ws.append(
        [1001, "T1", "admin", "F", datetime.datetime(1970, 3, 15), "1992/7", "college", "cadre", True, 1500, 80.5, None]
    )
    ws.append(
        [
            1002,
            "T1",
            "institution",
            "M",
            "1971-04",
            datetime.datetime(1993, 8, 1),
            "junior",
            "worker",
            False,
            1200.25,
            70,
            1,
        ]
    )
    path = tmp_path / "r.xlsx"
    wb.save(path)
    pop = read_roster(path, small_scenario())
    assert pop.ids.tolist() == ["1001", "1002"]
    assert pop.birth.tolist() == [1970 * 12 + 2, 1971 * 12 + 3]
    assert pop.entry.tolist() == [1992 * 12 + 6, 1993 * 12 + 7]
    assert pop.leader.tolist() == [True, False] and pop.protected.tolist() == [False, True]
    assert pop.salary.tolist() == [1500.0, 1200.25]


# ---------------------------------------------------------------------------- bad inputs


BAD_CELLS = [
    (3, "id", "", "empty cell"),
    (3, "township", "", "empty cell"),
    (4, "sector", "army", "'army'"),
    (2, "sex", "X", "'X'"),
    (3, "education", "phd", "'phd'"),
    (4, "status", "boss", "'boss'"),
    (2, "birth_date", "1962-13", "'1962-13'"),
    (2, "birth_date", "May 1962", "'May 1962'"),
    (3, "entry_date", "1996-02-30", "'1996-02-30'"),
    (3, "entry_date", "", "empty cell"),
    (2, "leader", "2", "'2'"),
    (4, "protected", "maybe", "'maybe'"),
    (2, "salary", "-5", "-5"),
    (3, "salary", "lots", "'lots'"),
    (4, "salary", "", "empty cell"),
    (2, "appraisal", "good", "'good'"),
    (3, "appraisal", "inf", "'inf'"),
]


@pytest.mark.parametrize(("row", "column", "value", "found"), BAD_CELLS)
def test_bad_cell_names_row_and_column(tmp_path: Path, row: int, column: str, value: str, found: str) -> None:
    path = write_csv(tmp_path, with_cell(row, column, value))
    message = error_of(path)
    assert message.startswith(str(path))
    assert f"row {row}, column {column}: expected" in message
    assert found in message


def test_duplicate_id_names_both_rows(tmp_path: Path) -> None:
    message = error_of(write_csv(tmp_path, with_cell(4, "id", "P1")))
    assert "row 4, column id: duplicate id 'P1': also in row 2" in message


def test_birth_after_entry(tmp_path: Path) -> None:
    message = error_of(write_csv(tmp_path, with_cell(3, "birth_date", "1997-01")))
    assert "row 3, column birth_date: birth date 1997-01 is after entry date 1996-07" in message


def test_entry_after_month_zero(tmp_path: Path) -> None:
    message = error_of(write_csv(tmp_path, with_cell(2, "entry_date", "2005-02")))
    assert "row 2, column entry_date: entry date 2005-02 is after the scenario's month 0" in message
    assert "2005-01" in message
    # Entry exactly at month 0 is fine.
    read_roster(write_csv(tmp_path, with_cell(2, "entry_date", "2005-01-31")), small_scenario())


def test_younger_than_16_at_entry(tmp_path: Path) -> None:
    message = error_of(write_csv(tmp_path, with_cell(4, "entry_date", "1996-01")))
    assert "row 4, column entry_date: expected an age of at least 16 at entry, found 15" in message
    read_roster(write_csv(tmp_path, with_cell(4, "entry_date", "1996-02")), small_scenario())


def test_problems_reported_together_in_row_order(tmp_path: Path) -> None:
    rows = [r.replace(",admin,", ",army,") for r in GOOD_ROWS * 8]
    rows = [f"Q{i}" + r[2:] for i, r in enumerate(rows)]
    rows[0] = rows[0].replace(",M,", ",?,")
    message = error_of(write_csv(tmp_path, rows))
    lines = message.splitlines()
    assert "9 problems in the roster" in lines[0]
    assert lines[1].strip().startswith("row 2, column sector")
    assert lines[2].strip().startswith("row 2, column sex")
    assert sum("column sector" in line for line in lines) == 8


def test_at_most_ten_problems_listed(tmp_path: Path) -> None:
    rows = [f"Q{i},T,admin,X,1970-01,1990-01,college,cadre,0,1,1,0" for i in range(30)]
    message = error_of(write_csv(tmp_path, rows))
    lines = message.splitlines()
    assert "30 problems" in lines[0]
    assert len(lines) == 1 + 10 + 1
    assert "row 11, column sex" in lines[10] and "and 20 more" in lines[-1]


def test_missing_file(tmp_path: Path) -> None:
    message = error_of(tmp_path / "nope.csv")
    assert "nope.csv" in message and "not found" in message


@pytest.mark.parametrize("name", ["roster.xls", "roster.txt", "roster.json"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(HEADER + "\n", encoding="utf-8")
    message = error_of(path)
    assert name in message and ".csv or .xlsx" in message


def test_missing_columns_all_listed(tmp_path: Path) -> None:
    columns = [c for c in ROSTER_COLUMNS if c not in ("sex", "status", "protected")]
    message = error_of(write_csv(tmp_path, [], header=",".join(columns)))
    assert "sex, status" in message and "row 1" in message
    assert "protected" not in message.split("found columns")[0]


@pytest.mark.parametrize("content", ["", HEADER + "\n", HEADER + "\n,,,,,,,,,,,\n\n"])
def test_empty_roster(tmp_path: Path, content: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(content, encoding="utf-8")
    message = error_of(path)
    assert message.startswith(str(path))
    assert "the file is empty" in message or "no data rows" in message


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_encodings_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(("\n".join([HEADER, GOOD_ROWS[0].replace("Fengqiao", "枫桥镇")]) + "\n").encode(encoding))
    reading = parse_roster(path, small_scenario())
    assert reading.population(small_scenario()).townships.names == ("枫桥镇",)
    stated = reading.notes[0]
    assert ("GBK/GB18030" in stated) == encoding.startswith("gb")
    assert ("BOM" in stated) == (encoding == "utf-8-sig")


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ((HEADER + "\n").encode("utf-16"), "UTF-16"),
        (HEADER.encode() + b"\nP1,\x80\xff\xfe,admin\n", "neither UTF-8"),
        (HEADER.encode("utf-16-le"), "NUL bytes"),
    ],
)
def test_other_encodings_refused_with_hint(tmp_path: Path, data: bytes, said: str) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    message = error_of(path)
    assert said in message and "CSV UTF-8" in message


def test_broken_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    assert "not a readable .xlsx" in error_of(path)


# ---------------------------------------------------------------------------- townships file


def write_townships_csv(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "townships.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_townships_file_mapping_and_fallbacks(tmp_path: Path) -> None:
    tw = write_townships_csv(
        tmp_path,
        [
            "township,class,establishment_admin,establishment_institution",
            "Xushuguan,small,4,",
            "Fengqiao,large,,",
            "Empty,small,,",
        ],
    )
    roster = write_csv(tmp_path, GOOD_ROWS)
    scenario = two_class_scenario(source="roster", roster=str(roster), townships_file=str(tw))
    pop = read_roster(roster, scenario)
    assert pop.townships.names == ("Xushuguan", "Fengqiao", "Empty")
    assert pop.township.tolist() == [1, 1, 0]
    assert pop.townships.klass.tolist() == [1, 0, 1]
    # given; class 'large' sets 9 / 11; class 'small' sets none: staff employed.
    assert pop.townships.establishment_admin.tolist() == [4, 9, 0]
    assert pop.townships.establishment_institution.tolist() == [0, 11, 0]
    assert np.array_equal(build_population(scenario, seed=1).ids, pop.ids)


def test_townships_file_without_establishment_columns(tmp_path: Path) -> None:
    tw = write_townships_csv(tmp_path, ["township,class", "Fengqiao,small", "Xushuguan,small"])
    roster = write_csv(tmp_path, GOOD_ROWS)
    pop = read_roster(roster, two_class_scenario(townships_file=str(tw)))
    assert pop.townships.establishment_admin.tolist() == [1, 0]
    assert pop.townships.establishment_institution.tolist() == [1, 0]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["township,class", "Fengqiao,large", "Xushuguan,medium"], "row 3, column class: expected one of"),
        (
            ["township,class", "Fengqiao,large", "Fengqiao,small", "Xushuguan,small"],
            "row 3, column township: township 'Fengqiao' is listed twice: also in row 2",
        ),
        (["township,class", ",large", "Fengqiao,large", "Xushuguan,small"], "row 2, column township"),
        (
            ["township,class,establishment_admin", "Fengqiao,large,-1", "Xushuguan,small,2.5"],
            "row 2, column establishment_admin",
        ),
        (["township,klass", "Fengqiao,large"], "required column(s) class"),
        (["township,class"], "no data rows"),
    ],
)
def test_bad_townships_file(tmp_path: Path, lines: list[str], expected: str) -> None:
    tw = write_townships_csv(tmp_path, lines)
    message = error_of(write_csv(tmp_path, GOOD_ROWS), two_class_scenario(townships_file=str(tw)))
    assert message.startswith(str(tw))
    assert expected in message


def test_roster_township_missing_from_townships_file(tmp_path: Path) -> None:
    tw = write_townships_csv(tmp_path, ["township,class", "Fengqiao,large"])
    roster = write_csv(tmp_path, GOOD_ROWS)
    message = error_of(roster, two_class_scenario(townships_file=str(tw)))
    assert message.startswith(str(roster))
    assert "row 4, column township: township 'Xushuguan' is not listed in the townships file" in message


def test_missing_townships_file(tmp_path: Path) -> None:
    roster = write_csv(tmp_path, GOOD_ROWS)
    message = error_of(roster, two_class_scenario(townships_file=str(tmp_path / "gone.csv")))
    assert "gone.csv" in message and "not found" in message


# ---------------------------------------------------------------------------- build_population


def test_build_population_synthetic_matches_draw() -> None:
    scenario = small_scenario()
    assert_same(build_population(scenario, seed=5), synthetic_population(scenario, seed=5))


def test_build_population_roster(tmp_path: Path) -> None:
    roster = write_csv(tmp_path, GOOD_ROWS)
    pop = build_population(small_scenario(source="roster", roster=str(roster)), seed=5)
    assert pop.ids.tolist() == ["P1", "P2", "P3"]


def test_header_written_twice_is_refused(tmp_path: Path) -> None:
    message = error_of(write_csv(tmp_path, [r + ",X9" for r in GOOD_ROWS], header=HEADER + ",ID"))
    assert "column 'ID' appears more than once" in message


def test_formula_like_text_round_trips(tmp_path: Path) -> None:
    """Written neutralised ('=...), read back as it was."""
    pop = synthetic_population(small_scenario(), seed=1)
    pop = dataclasses.replace(
        pop, ids=np.array([f"=P{k}" if k % 2 else f"-P{k}" for k in range(len(pop))], dtype=object)
    )
    for ext in (".csv", ".xlsx"):
        write_roster(pop, tmp_path / f"r{ext}")
        assert "'=P1" in set(pd.read_csv(tmp_path / "r.csv", dtype=str)["id"])
        assert_same(pop, read_roster(tmp_path / f"r{ext}", small_scenario()))

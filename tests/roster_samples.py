"""The sample rosters in examples/rosters/: an English roster and the same staff as a Chinese roster (GBK CSV, XLSX).

    python tests/roster_samples.py     # rewrites the three files

The Chinese files write the same people the way county rosters do: a title row above the
header, Chinese headers and words, post names instead of a leader flag, appraisal grades,
dates as 1968.05 / 1968.1 (October, Excel-style) / 1968年5月 / 19680501 / Excel date cells,
salaries as 1,850元 or full-width digits, and extra columns (序号, 姓名, 备注) that are ignored.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from sim.population.roster import roster_frame
from sim.population.synthetic import synthetic_population
from sim.scenario.schema import Scenario

FOLDER = Path(__file__).resolve().parents[1] / "examples" / "rosters"
ENGLISH, GBK_CSV, XLSX = FOLDER / "roster_en.csv", FOLDER / "roster_zh_gbk.csv", FOLDER / "roster_zh.xlsx"
TITLE = "某县乡镇机构编制实名制花名册（2004年12月）"
HEADER = [
    "序号", "姓名", "人员编号", "所在乡镇", "编制类型", "性别", "出生年月", "参加工作时间",
    "学历", "身份", "职务", "月工资", "年度考核", "军转安置", "备注",
]  # fmt: skip
TOWNSHIPS = {"T001": "枫桥镇", "T002": "浒墅关镇", "T003": "东渚乡"}
SECTOR = {"admin": "行政编制", "institution": "事业编制", "temporary": ("临时", "借用", "挂靠")}
EDUCATION = {
    "primary": ("小学",),
    "junior": ("初中",),
    "secondary": ("高中", "中专"),
    "college": ("大专",),
    "university": ("大学本科", "研究生"),
}
GRADES = {90.0: "优秀", 75.0: "称职", 60.0: "基本称职", 45.0: "不称职"}
LEADER_POSTS = ("党委书记", "乡长", "副乡长", "副书记", "武装部长")
OTHER_POSTS = ("科员", "站长", "党政办主任", "办事员", "")
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"


def sample_scenario() -> Scenario:
    """The scenario the samples are read with (month 0 = 2005-01)."""
    classes = [{"name": "all", "staff_admin": 5, "staff_institution": 6, "staff_temporary": 2}]
    return Scenario(population={"synthetic": {"townships": 3}}, township_classes=classes)


def english_frame() -> pd.DataFrame:
    """The English roster: synthetic staff with Chinese township names, graded appraisals, a few leaders."""
    pop = synthetic_population(sample_scenario(), seed=5)
    n = len(pop)
    pop = dataclasses.replace(
        pop,
        appraisal=np.array(list(GRADES), dtype=float)[np.arange(n) % 4],
        salary=np.round(pop.salary),
        leader=(np.arange(n) % 7 == 0) & (pop.sector == 0),
        protected=np.arange(n) % 11 == 5,
    )
    frame = roster_frame(pop)
    frame["township"] = frame["township"].map(TOWNSHIPS)
    return frame


def _date(month_text: str, k: int, october_style: bool) -> str:
    year, month = int(month_text[:4]), int(month_text[5:])
    if month == 10 and october_style:
        return f"{year}.1"  # as Excel shows 1968.10 typed as a number
    styles = (f"{year}.{month:02d}", f"{year}年{month}月", f"{year}{month:02d}01", f"{year}-{month:02d}")
    return styles[k % len(styles)]


def _salary(value: float, k: int) -> str:
    whole = int(value)
    styles = (f"{whole:,}", f"{whole}元", f"{whole}".translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    return styles[k % len(styles)]


def chinese_rows(frame: pd.DataFrame) -> list[list[str]]:
    """The English roster's people as a Chinese roster's rows (under HEADER)."""
    rows = []
    for k, r in enumerate(frame.itertuples(index=False)):
        sector = SECTOR[r.sector]
        post = (LEADER_POSTS if r.leader else OTHER_POSTS)[k % 5]
        rows.append(
            [
                str(k + 1),
                SURNAMES[k % len(SURNAMES)] + "某",
                r.id,
                r.township,
                sector if isinstance(sector, str) else sector[k % 3],
                "女" if r.sex == "F" else "男",
                _date(r.birth_date, k, october_style=True),
                _date(r.entry_date, k + 1, october_style=True),
                EDUCATION[r.education][k % len(EDUCATION[r.education])],
                "工人" if r.status == "worker" else "干部",
                post,
                _salary(r.salary, k),
                GRADES[r.appraisal],
                "是" if r.protected else ("否" if k % 2 else ""),
                "",
            ]
        )
    return rows


def write_samples() -> None:
    """Write the English roster, the GBK CSV and the XLSX."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    frame = english_frame()
    pop_rows = chinese_rows(frame)
    write_roster_frame(frame)
    lines = [",".join([TITLE]), ",".join(HEADER), *(",".join(_csv(c) for c in row) for row in pop_rows)]
    GBK_CSV.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "花名册"
    ws.append([TITLE])
    ws.append(HEADER)
    for k, row in enumerate(pop_rows):
        cells: list[object] = list(row)
        birth = frame["birth_date"].iat[k]
        if k % 3 == 0:  # a real Excel date cell
            cells[6] = datetime.datetime(int(birth[:4]), int(birth[5:]), 1)
        elif k % 3 == 1 and birth[5:] != "10":  # a number, as Excel turns 1968.05 into
            cells[6] = float(f"{birth[:4]}.{birth[5:]}")
        cells[11] = float(frame["salary"].iat[k]) if k % 2 else row[11]  # numeric cells and text
        ws.append(cells)
    wb.save(XLSX)


def write_roster_frame(frame: pd.DataFrame) -> None:
    """Write the English roster in write_roster's format (UTF-8 CSV, documented columns and words)."""
    frame.to_csv(ENGLISH, index=False, encoding="utf-8")


def _csv(cell: str) -> str:
    return f'"{cell}"' if "," in cell else cell


if __name__ == "__main__":
    write_samples()
    print(f"wrote {ENGLISH}, {GBK_CSV}, {XLSX}")

"""The words a roster's cells may hold (English and Chinese), leader posts by name, appraisal grades as scores."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from sim.errors import InputError
from sim.population.table import EDUCATION, SECTORS

SECTOR_WORDS: dict[str, int] = {
    **{name: k for k, name in enumerate(SECTORS)},
    **dict.fromkeys(("行政", "行政编制", "公务员", "行政编"), 0),
    **dict.fromkeys(("事业", "事业编制", "事业编", "事业人员"), 1),
    **dict.fromkeys(("临时", "临时工", "借用", "借调", "挂靠", "编外", "编外人员", "聘用", "临时聘用"), 2),
}
SEX_WORDS: dict[str, bool] = {
    **dict.fromkeys(("m", "male", "男", "男性"), False),
    **dict.fromkeys(("f", "female", "女", "女性"), True),
}
STATUS_WORDS: dict[str, bool] = {
    **dict.fromkeys(("cadre", "干部"), False),
    **dict.fromkeys(("worker", "工人", "工勤", "工勤人员"), True),
}
EDUCATION_WORDS: dict[str, int] = {
    **{name: k for k, name in enumerate(EDUCATION)},
    **dict.fromkeys(("小学", "小学及以下"), 0),
    **dict.fromkeys(("初中", "初中及以下"), 1),
    **dict.fromkeys(("高中", "中专", "中技", "技校", "职高", "中等专科"), 2),
    **dict.fromkeys(("大专", "大学专科", "专科", "高职"), 3),
    **dict.fromkeys(
        ("本科", "大学本科", "大学", "研究生", "硕士研究生", "博士研究生", "硕士", "博士", "研究生及以上"), 4
    ),
}
FLAG_WORDS: dict[str, bool] = {
    **dict.fromkeys(("0", "0.0", "false", "no", "n", "否", "无"), False),
    **dict.fromkeys(("1", "1.0", "true", "yes", "y", "是", "有"), True),
}
# Annual appraisal grades (年度考核等次) as points on the scale of the merit score (synthetic mean 75, sd 10).
# Civil servants are graded 称职; public-institution staff 合格: the same grade.
APPRAISAL_WORDS: dict[str, float] = {
    **dict.fromkeys(("优秀",), 90.0),
    **dict.fromkeys(("称职", "合格"), 75.0),
    **dict.fromkeys(("基本称职", "基本合格"), 60.0),
    **dict.fromkeys(("不称职", "不合格"), 45.0),
}
# A post name (职务) is a township leader post (领导职务) when it contains one of these:
# party secretary and deputies (书记, 副书记, 纪委书记), township/town head and deputies (乡长, 镇长),
# people's congress chair (主席), armed-forces head (武装部长) and party committee members (委员).
# Office and station heads (主任, 站长, 所长) are middle posts, not leader posts.
LEADER_POSTS = ("书记", "乡长", "镇长", "主席", "武装部长", "委员")
VALUE_COLUMNS = ("sector", "sex", "education", "status", "leader", "appraisal", "protected")

SECTOR_EXPECTED = "admin, institution or temporary (行政编制, 事业编制, 临时/借用/挂靠)"
EDUCATION_EXPECTED = ", ".join(EDUCATION) + " (小学, 初中, 高中/中专, 大专, 大学本科/研究生)"


def word(text: str) -> str:
    """A cell for word matching: full-width to half-width, stripped, lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def is_leader_post(text: str) -> bool:
    """Whether a post name (乡长, 副书记, 站长...) is a township leader post."""
    return any(post in text for post in LEADER_POSTS)


def base_words(column: str) -> Mapping[str, Any]:
    """The built-in words of a value column."""
    words: dict[str, Mapping[str, Any]] = {
        "sector": SECTOR_WORDS,
        "sex": SEX_WORDS,
        "education": EDUCATION_WORDS,
        "status": STATUS_WORDS,
        "leader": FLAG_WORDS,
        "protected": FLAG_WORDS,
        "appraisal": APPRAISAL_WORDS,
    }
    return words[column]


def parse_value_map(column: str, words: Mapping[str, Any], source: str) -> dict[str, Any]:
    """A user's `[values.COLUMN]` table: each word mapped to a built-in word (or, for appraisal, points)."""
    known = base_words(column)
    out: dict[str, Any] = {}
    for text, meaning in words.items():
        if column == "appraisal" and isinstance(meaning, int | float) and not isinstance(meaning, bool):
            out[word(text)] = float(meaning)
            continue
        if isinstance(meaning, bool) and column in ("leader", "protected"):
            out[word(text)] = meaning
            continue
        if not isinstance(meaning, str) or word(meaning) not in known:
            expected = (
                "points" if column == "appraisal" else "one of the built-in words, e.g. " + ", ".join(list(known)[:5])
            )
            raise InputError(f"values.{column}.{text}: expected {expected}, found {meaning!r}", source=source)
        out[word(text)] = known[word(meaning)]
    return out

"""Hand-checked traces: statutory retirement happens in exactly the month the rules give.

Dates are absolute months, year * 12 + month - 1. A person retires in the month they reach
the statutory age (men 60, women cadres 55, women workers 50): born 1946-07, a man retires in
2006-07, which is model month (2006 - 2005) * 12 + 6 = 18 when month 0 is 2005-01.

The phased raise follows the NPC Standing Committee decision of 13 September 2024: from
January 2025 the retirement age of men and of women whose age was 55 rises by one month
every four months (to 63 and 58), that of women whose age was 50 by one month every two
months (to 55). So a person whose old retirement month falls d >= 0 months after 2025-01
retires floor(d / step) + 1 months later (step 4, or 2 for women workers), at most 36
(60 for women workers) months later; the first cohort (old date 2025-01..04) gets one month.
Worked examples reported by the AP from the official table: a man born in January 1971
retires at 61 years 7 months in August 2032; one born in May 1971 at 61 years 8 months in
January 2033.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.population.table import ADMIN, INSTITUTION, Population, Townships
from sim.scenario import with_overrides
from sim.scenario.schema import Scenario, parse_month

NO_HAZARDS = {
    "reform.enabled": False,
    "attrition.death_rate": 0.0,
    "attrition.quit_rate": 0.0,
    "hiring.pre_reform_replacement": 0.0,
}


def month(text: str) -> int:
    return parse_month(text)


def people(rows: list[tuple[str, int, str, str, str]]) -> Population:
    """(id, sector, sex 'M'/'F', status 'cadre'/'worker', birth 'YYYY-MM') rows in one township."""
    n = len(rows)
    sector = np.array([r[1] for r in rows], dtype=np.int64)
    birth = np.array([month(r[4]) for r in rows], dtype=np.int64)
    townships = Townships(
        ("T1",),
        np.zeros(1, dtype=np.int64),
        np.array([int((sector == ADMIN).sum())]),
        np.array([int((sector == INSTITUTION).sum())]),
    )
    return Population(
        ids=np.array([r[0] for r in rows], dtype=object),
        township=np.zeros(n, dtype=np.int64),
        sector=sector,
        female=np.array([r[2] == "F" for r in rows]),
        worker=np.array([r[3] == "worker" for r in rows]),
        leader=np.zeros(n, dtype=bool),
        protected=np.zeros(n, dtype=bool),
        birth=birth,
        entry=birth + 20 * 12,
        education=np.full(n, 2, dtype=np.int64),
        salary=np.full(n, 1200.0),
        appraisal=np.full(n, 75.0),
        townships=townships,
    )


def retirement_events(results: sim.Results) -> dict[str, int]:
    events = results.events
    assert events is not None
    retire = events[events["event"] == "retirement"]
    assert (retire["from_state"] == "in_post").all()
    assert (retire["to_state"] == "retired").all()
    assert not retire["person"].duplicated().any()
    return dict(zip(retire["person"], retire["month"].astype(int), strict=True))


def assert_retired_column(results: sim.Results, expected: dict[str, int]) -> None:
    """state_retired at month m counts the people whose retirement month is <= m."""
    retired = results.metric("state_retired")[0]
    headcount = results.metric("headcount_total")[0]
    n = len(expected)
    for m in retired.index:
        done = sum(1 for when in expected.values() if when <= m)
        assert retired.loc[m] == done, f"month {m}: state_retired {retired.loc[m]}, expected {done}"
        assert headcount.loc[m] == n - done


ROSTER_HEADER = "id,township,sector,sex,birth_date,entry_date,education,status,leader,salary,appraisal"


def test_three_person_roster_retires_at_statutory_ages(tmp_path: Path) -> None:
    # month 0 = 2005-01; the man reaches 60 in 2006-07 (month 18), the woman cadre 55 in
    # 2006-03 (month 14), the woman worker 50 in 2006-10 (month 21)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "\n".join(
            [
                ROSTER_HEADER,
                "MAN,Fengqiao,admin,M,1946-07-15,1968-09,secondary,cadre,0,1500,75",
                "CADRE_W,Fengqiao,institution,F,1951-03,1972-01,college,cadre,0,1300,75",
                "WORKER_W,Fengqiao,institution,F,1956-10-01,1976-05,junior,worker,0,1100,75",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    scenario = with_overrides(
        Scenario(),
        {
            **NO_HAZARDS,
            "time.start": "2005-01",
            "time.horizon_months": 36,
            "population.source": "roster",
            "population.roster": str(roster),
        },
    )
    results = sim.run(scenario, replications=1, seed=1, events=True)
    expected = {"MAN": 18, "CADRE_W": 14, "WORKER_W": 21}
    assert retirement_events(results) == expected
    assert set(results.events["event"]) == {"retirement"}
    assert_retired_column(results, expected)
    admin = results.metric("headcount_admin")[0]
    institution = results.metric("headcount_institution")[0]
    assert admin.loc[17] == 1 and admin.loc[18] == 0
    assert institution.loc[13] == 2 and institution.loc[14] == 1
    assert institution.loc[20] == 1 and institution.loc[21] == 0


def test_retirement_ages_are_configurable() -> None:
    population = people(
        [
            ("M", ADMIN, "M", "cadre", "1946-07"),
            ("FC", INSTITUTION, "F", "cadre", "1951-03"),
            ("FW", INSTITUTION, "F", "worker", "1956-10"),
        ]
    )
    scenario = with_overrides(
        Scenario(),
        {
            **NO_HAZARDS,
            "time.horizon_months": 48,
            "attrition.retirement_age_male": 61,
            "attrition.retirement_age_female_cadre": 56.5,
            "attrition.retirement_age_female_worker": 52,
        },
    )
    results = sim.run(scenario, replications=1, seed=1, events=True, population=population)
    # 1946-07 + 61 y = 2007-07 (30); 1951-03 + 56 y 6 m = 2007-09 (32); 1956-10 + 52 y = 2008-10 (45)
    expected = {"M": 30, "FC": 32, "FW": 45}
    assert retirement_events(results) == expected
    assert_retired_column(results, expected)


def test_no_retirement_without_the_rule() -> None:
    population = people([("M", ADMIN, "M", "cadre", "1946-07")])
    scenario = with_overrides(Scenario(), {**NO_HAZARDS, "time.horizon_months": 36, "attrition.retirement": False})
    results = sim.run(scenario, replications=1, seed=1, events=True, population=population)
    assert results.events.empty
    assert results.metric("headcount_total")[0].loc[36] == 1


def test_phased_raise_three_person_trace() -> None:
    # month 0 = 2030-01
    # man born 1971-01: old date 2031-01, d = 72, delay 72 // 4 + 1 = 19 -> 2032-08 (AP example), month 31
    # woman cadre born 1976-03: old date 2031-03, d = 74, delay 74 // 4 + 1 = 19 -> 2032-10, month 33
    # woman worker born 1981-02: old date 2031-02, d = 73, delay 73 // 2 + 1 = 37 -> 2034-03, month 50
    population = people(
        [
            ("MAN", ADMIN, "M", "cadre", "1971-01"),
            ("CADRE_W", INSTITUTION, "F", "cadre", "1976-03"),
            ("WORKER_W", INSTITUTION, "F", "worker", "1981-02"),
        ]
    )
    scenario = with_overrides(
        Scenario(),
        {**NO_HAZARDS, "time.start": "2030-01", "time.horizon_months": 60, "attrition.phased_raise": True},
    )
    results = sim.run(scenario, replications=1, seed=1, events=True, population=population)
    expected = {"MAN": 31, "CADRE_W": 33, "WORKER_W": 50}
    assert retirement_events(results) == expected
    assert_retired_column(results, expected)


# (sex, status, birth, retirement month under the 2024 decision)
PHASED_CASES = [
    ("M", "cadre", "1964-12", "2024-12"),  # old date before 2025-01: no raise
    ("M", "cadre", "1965-01", "2025-02"),  # first cohort: 60 y 1 m
    ("M", "cadre", "1965-04", "2025-05"),  # still 60 y 1 m
    ("M", "cadre", "1965-05", "2025-07"),  # 60 y 2 m
    ("M", "cadre", "1971-01", "2032-08"),  # AP: 61 y 7 m
    ("M", "cadre", "1971-05", "2033-01"),  # AP: 61 y 8 m
    ("M", "cadre", "1976-08", "2039-07"),  # 62 y 11 m
    ("M", "cadre", "1976-09", "2039-09"),  # 63: full raise reached
    ("M", "cadre", "1980-01", "2043-01"),  # 63, capped
    ("F", "cadre", "1969-12", "2024-12"),  # no raise
    ("F", "cadre", "1970-01", "2025-02"),  # 55 y 1 m
    ("F", "cadre", "1981-09", "2039-09"),  # 58: full raise reached
    ("F", "worker", "1974-12", "2024-12"),  # no raise
    ("F", "worker", "1975-01", "2025-02"),  # 50 y 1 m
    ("F", "worker", "1975-03", "2025-05"),  # 50 y 2 m (one month every two)
    ("F", "worker", "1984-10", "2039-09"),  # 54 y 11 m
    ("F", "worker", "1984-11", "2039-11"),  # 55: full raise reached
]


@pytest.mark.parametrize(("sex", "status", "birth", "retires"), PHASED_CASES)
def test_phased_raise_follows_the_2024_decision(sex: str, status: str, birth: str, retires: str) -> None:
    start = month(retires) - 24
    population = people([("P", ADMIN if status == "cadre" else INSTITUTION, sex, status, birth)])
    scenario = with_overrides(
        Scenario(),
        {
            **NO_HAZARDS,
            "time.start": f"{start // 12:04d}-{start % 12 + 1:02d}",
            "time.horizon_months": 48,
            "attrition.phased_raise": True,
        },
    )
    results = sim.run(scenario, replications=1, seed=1, events=True, population=population)
    got = retirement_events(results)
    assert got == {"P": 24}, (
        f"retired in model month {got.get('P')} ({_calendar(start, got.get('P'))}), expected {retires}"
    )


def _calendar(start: int, offset: int | None) -> str:
    if offset is None:
        return "never"
    m = start + offset
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def test_phased_raise_off_keeps_the_old_ages() -> None:
    population = people([("P", ADMIN, "M", "cadre", "1971-01")])
    scenario = with_overrides(Scenario(), {**NO_HAZARDS, "time.start": "2030-01", "time.horizon_months": 24})
    results = sim.run(scenario, replications=1, seed=1, events=True, population=population)
    assert retirement_events(results) == {"P": 12}  # 2031-01, at 60


def test_retired_people_leave_the_monthly_counts_at_once() -> None:
    """The row for the retirement month already excludes the retiree (snapshot after the month's events)."""
    population = people([("M", ADMIN, "M", "cadre", "1946-07")])
    scenario = with_overrides(Scenario(), {**NO_HAZARDS, "time.horizon_months": 24})
    results = sim.run(scenario, replications=1, seed=1, population=population)
    frame = results.monthly.set_index("month")
    assert frame.loc[17, "headcount_admin"] == 1 and frame.loc[17, "state_in_post"] == 1
    assert frame.loc[18, "headcount_admin"] == 0 and frame.loc[18, "state_in_post"] == 0
    assert frame.loc[18, "state_retired"] == 1
    assert pd.isna(frame.loc[18, "mean_age"])

"""The seven diversion channels (issue 3): hand-counted traces and directions of effect.

Dates are absolute months (year * 12 + month - 1); with time.start "2005-01", model month m
is calendar month m % 12 + 1 of 2005 + m // 12, so January is every month divisible by 12.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from channel_helpers import (
    EXIT_CHANNELS,
    NO_ATTRITION,
    Person,
    diversion_paths,
    only,
    population,
    run_model,
    scenario,
)

import sim
from sim.population.table import ADMIN, INSTITUTION
from sim.scenario.schema import CHANNEL_IDS

BASE = "scenarios/base.toml"


def loose(cid: str) -> dict[str, Any]:
    """Everyone eligible, everyone accepts, everyone passes, no lead time."""
    return {
        f"channels.{cid}.age_min": 0.0,
        f"channels.{cid}.age_max": 100.0,
        f"channels.{cid}.min_education": "primary",
        f"channels.{cid}.min_service_years": 0.0,
        f"channels.{cid}.max_years_to_retirement": None,
        f"channels.{cid}.acceptance": 1.0,
        f"channels.{cid}.exam_pass_rate": 1.0,
        f"channels.{cid}.lead_time_months": 0,
    }


# ----- the hand count: k places a year, N waiting ---------------------------------------


@pytest.mark.parametrize("allocation", ["merit", "first_come"])
@pytest.mark.parametrize(
    ("n", "k", "reform", "release_month", "releases"),
    [
        (10, 3, 6, 1, [12, 24, 36, 48]),  # reform 2005-07; Januaries 2006..2009
        (5, 2, 12, 1, [12, 24, 36, 48]),  # reform in January itself: first release at the reform
        (7, 2, 6, 9, [8, 20, 32, 44]),  # Septembers
        (4, 0, 6, 1, [12, 24, 36, 48]),  # no places: nobody goes
    ],
)
def test_diverted_by_month_is_min_of_people_and_places_released(
    allocation: str, n: int, k: int, reform: int, release_month: int, releases: list[int]
) -> None:
    keep = 2
    # appraisal rises with the index, so merit order (best first) and arrival order (index) differ
    people = [Person(f"P{j:02d}", "1970-01", "1995-01", appraisal=50.0 + j) for j in range(n + keep)]
    scn = scenario(
        {
            **NO_ATTRITION,
            **only("teacher"),
            **loose("teacher"),
            "time.start": "2005-01",
            "time.horizon_months": 50,
            "reform.month": reform,
            "reform.deadline_month": 50,
            "reform.merit.noise": 0.0,
            "township_classes": [{"name": "all", "new_establishment_admin": keep}],
            "channels.teacher.places_per_year": k,
            "channels.teacher.release_month": release_month,
            "channels.teacher.allocation": allocation,
            "diversion.patience_months": 0,
            "pool.unlimited": True,
        }
    )
    run = run_model(scn, population(people, [(n + keep, 0)]), seed=3)
    monthly = run.monthly.set_index("month")
    for m in monthly.index:
        expected = min(n, k * sum(1 for r in releases if reform <= r <= m))
        assert monthly.loc[m, "diverted_teacher"] == expected, f"month {m}"
        assert monthly.loc[m, "state_diverted"] == expected, f"month {m}"
        if m >= reform:
            assert monthly.loc[m, "state_awaiting"] == n - expected, f"month {m}"
            assert monthly.loc[m, "queue_teacher"] == n - expected, f"month {m}"
    ev = run.events
    surplus = ev.loc[ev["event"] == "surplus", "person"].tolist()
    assert sorted(surplus) == [f"P{j:02d}" for j in range(n)]  # the two best kept their posts
    diverted = ev[ev["event"] == "diverted"]
    order = diverted.sort_values(["month"], kind="stable")["person"].tolist()
    expected_order = [f"P{j:02d}" for j in (range(n - 1, -1, -1) if allocation == "merit" else range(n))]
    by_batch = [sorted(order[b : b + k]) for b in range(0, len(order), max(k, 1))]
    want = [sorted(expected_order[b : b + k]) for b in range(0, len(order), max(k, 1))]
    assert by_batch == want, f"{allocation}: served {order}"


# ----- hand traces of queueing rules -----------------------------------------------------

ONE_RESIGNATION_QUEUE = {
    **only("resignation"),
    **loose("resignation"),
    "time.start": "2005-01",
    "reform.month": 6,  # 2005-07
    "reform.merit.noise": 0.0,
    "attrition.death_rate": 0.0,
    "attrition.quit_rate": 0.0,
    "hiring.pre_reform_replacement": 0.0,
    "hiring.replacement_ratio": 0.0,
    "diversion.patience_months": 0,
}


def test_first_come_serves_in_order_of_arrival() -> None:
    """EARLY queues at the reform (month 6); LATE has 9 years 10 months of service then, is not
    yet eligible (10 years), retries 3 months later and queues at month 9. The one place of
    January 2006 (month 12) must go to EARLY, who came first, whatever their person index.
    """
    scn = scenario(
        {
            **ONE_RESIGNATION_QUEUE,
            "time.horizon_months": 30,
            "reform.deadline_month": 30,
            "attrition.retirement": False,
            "township_classes": [{"name": "all", "new_establishment_admin": 0}],
            "channels.resignation.places_per_year": 1,
            "channels.resignation.release_month": 1,
            "channels.resignation.allocation": "first_come",
            "channels.resignation.min_service_years": 10.0,
            "diversion.retry_months": 3,
            "pool.unlimited": True,
        }
    )
    people = [Person("LATE", "1970-01", "1995-09"), Person("EARLY", "1950-01", "1975-01")]
    run = run_model(scn, population(people, [(2, 0)]), seed=1)
    place = run.events[run.events["event"] == "place"].set_index("person")["month"]
    assert place.to_dict() == {"EARLY": 12, "LATE": 24}, run.events.to_string()


def test_a_place_given_but_not_used_goes_back_to_the_queue() -> None:
    """A gets the one place of the year at the reform (month 6) and waits for money (none until
    month 16). KEEP retires in month 9 and A takes the freed post. A's unused place is handed
    back: B, next in the queue, gets it in month 9 and leaves when the money comes (month 16),
    not at the next release (month 18).
    """
    scn = scenario(
        {
            **ONE_RESIGNATION_QUEUE,
            "time.horizon_months": 30,
            "reform.deadline_month": 30,
            "township_classes": [{"name": "all", "new_establishment_admin": 1}],
            "channels.resignation.places_per_year": 1,
            "channels.resignation.release_month": 7,
            "pool.contributors": [{"name": "late", "amount": 1e7, "first_month": 16}],
        }
    )
    people = [
        Person("KEEP", "1945-10", "1970-01", appraisal=99.0),  # 60 in 2005-10: retires in month 9
        Person("A", "1965-01", "1990-01", appraisal=80.0),
        Person("B", "1966-01", "1990-01", appraisal=70.0),
    ]
    run = run_model(scn, population(people, [(3, 0)]), seed=1)
    ev = run.events
    assert ev.loc[ev["person"] == "A", "event"].tolist()[-1] == "reposted"
    b = ev[ev["person"] == "B"].set_index("event")["month"]
    assert (b["place"], b["diverted"]) == (9, 16), ev.to_string()


def test_a_place_handed_back_after_its_year_lapses() -> None:
    """One place a year, released each July (months 6, 18, 30). A's place of year 1 is held
    (waiting for money) into year 2 and handed back when A takes a freed post in month 20:
    it lapsed with year 1, so C gets a place only at the year-3 release, never two in year 2.
    """
    scn = scenario(
        {
            **ONE_RESIGNATION_QUEUE,
            "time.horizon_months": 48,
            "reform.deadline_month": 48,
            "township_classes": [{"name": "all", "new_establishment_admin": 1}],
            "channels.resignation.places_per_year": 1,
            "channels.resignation.release_month": 7,
            "pool.contributors": [{"name": "late", "amount": 1e7, "first_month": 40}],
        }
    )
    people = [
        Person("KEEP", "1946-09", "1970-01", appraisal=99.0),  # 60 in 2006-09: retires in month 20
        Person("A", "1965-01", "1990-01", appraisal=80.0),
        Person("B", "1966-01", "1990-01", appraisal=70.0),
        Person("C", "1967-01", "1990-01", appraisal=60.0),
    ]
    run = run_model(scn, population(people, [(4, 0)]), seed=1)
    ev = run.events
    place = ev[ev["event"] == "place"].set_index("person")["month"].to_dict()
    assert place == {"A": 6, "B": 18, "C": 30}, ev.to_string()
    diverted = ev[ev["event"] == "diverted"].set_index("person")["month"].to_dict()
    assert diverted == {"B": 40, "C": 40}


def test_age_limit_still_holds_in_the_month_of_leaving() -> None:
    """Teacher age_max 45, places each January, a 2-month lead time: a January recruit leaves in
    March 2006 (month 14). All three are under 45 when they queue at the reform (2005-07).
    YOUNG (born 1961-06) is 44 years 9 months in March 2006 and may go; OVER (born 1960-12) is
    already 45 years 1 month when the places come in January; LEAD (born 1961-02) is 44 years
    11 months in January but 45 years 1 month in March. Only YOUNG may become a teacher.
    """
    scn = scenario(
        {
            **NO_ATTRITION,
            **only("teacher"),
            **loose("teacher"),
            "time.start": "2005-01",
            "time.horizon_months": 30,
            "reform.month": 6,
            "reform.deadline_month": 30,
            "reform.merit.noise": 0.0,
            "township_classes": [{"name": "all", "new_establishment_admin": 0}],
            "channels.teacher.age_max": 45.0,
            "channels.teacher.places_per_year": 5,
            "channels.teacher.lead_time_months": 2,
            "diversion.patience_months": 0,
            "pool.unlimited": True,
        }
    )
    people = [
        Person("YOUNG", "1961-06", "1985-01"),
        Person("OVER", "1960-12", "1985-01"),
        Person("LEAD", "1961-02", "1985-01"),
    ]
    run = run_model(scn, population(people, [(3, 0)]), seed=1)
    diverted = run.events[run.events["event"] == "diverted"].set_index("person")["month"].to_dict()
    assert diverted == {"YOUNG": 14}, run.events.to_string()


# ----- institution vacancies ---------------------------------------------------------------


def _two_townships(appraisal_a1: float) -> tuple[Any, Any]:
    """Two townships, each with 3 administrative staff for 1 new post and 2 station staff at their
    establishment. A station worker of T0 retires in month 10 (2005-11); T1 has no vacancy.
    """
    people = []
    for tw in (0, 1):
        people += [
            Person(f"KEEP{tw}", "1970-01", "1995-01", appraisal=99.0, township=tw),
            Person(f"A{tw}", "1970-01", "1995-01", appraisal=80.0 if tw == 0 else appraisal_a1, township=tw),
            Person(f"B{tw}", "1970-01", "1995-01", appraisal=70.0, township=tw),
            Person(f"S{tw}", "1970-01", "1995-01", township=tw, sector=INSTITUTION),
        ]
    people.append(Person("RETIREE", "1945-11", "1970-01", township=0, sector=INSTITUTION))
    people.append(Person("STAYS", "1970-01", "1995-01", township=1, sector=INSTITUTION))
    scn = scenario(
        {
            **only("institution_vacancy"),
            **loose("institution_vacancy"),
            "channels.institution_vacancy.lead_time_months": 1,
            "time.start": "2005-01",
            "time.horizon_months": 24,
            "reform.month": 6,
            "reform.deadline_month": 24,
            "reform.cut_institution": 0.0,
            "reform.merit.noise": 0.0,
            "township_classes": [{"name": "all", "new_establishment_admin": 1}],
            "attrition.death_rate": 0.0,
            "attrition.quit_rate": 0.0,
            "hiring.pre_reform_replacement": 0.0,
            "diversion.patience_months": 0,
        }
    )
    return scn, population(people, [(3, 2), (3, 2)])


def test_institution_vacancy_goes_to_the_best_surplus_of_the_township() -> None:
    """T0's vacancy goes to the best of the surplus of both townships — A0 (appraisal 80; A1 has 75) —
    who moves into T0's stations after the 1-month lead time and stays in post.
    """
    run = run_model(*_two_townships(75.0), seed=1)
    ev = run.events
    moved = ev[ev["event"] == "diverted"]
    assert moved[["month", "person", "from_state", "to_state", "detail"]].values.tolist() == [
        [11, "A0", "awaiting", "in_post", "institution_vacancy"]
    ], ev.to_string()
    assert run.model.people.sector[run.index("A0")] == INSTITUTION
    assert run.model.people.sector[run.index("A1")] == ADMIN
    m = run.monthly.set_index("month")
    assert m.loc[9, "headcount_institution"] == 4 and m.loc[10, "headcount_institution"] == 3
    assert m.loc[11, "headcount_institution"] == 4 and m.loc[11, "headcount_admin"] == 5
    assert m.loc[11, "state_in_post"] == m.loc[10, "state_in_post"] + 1
    assert m.loc[11, "state_awaiting"] == m.loc[10, "state_awaiting"] - 1
    assert m.loc[24, "diverted_institution_vacancy"] == 1 and m.loc[24, "state_diverted"] == 0
    assert m.loc[24, "hires_cumulative"] == 0  # the vacancy went to the channel, not to a hire
    assert run.model.people.payroll_of(0, INSTITUTION) <= run.model.est[0][INSTITUTION]


def test_institution_vacancy_takes_surplus_of_another_township() -> None:
    """The same vacancy of T0 with A1 the best surplus (appraisal 85): A1 moves into T0's stations — onto
    T0's payroll and books — and T1 keeps its own establishment.
    """
    run = run_model(*_two_townships(85.0), seed=1)
    moved = run.events[run.events["event"] == "diverted"]
    assert moved[["month", "person", "detail"]].values.tolist() == [[11, "A1", "institution_vacancy"]]
    place = run.events[run.events["event"] == "place"]
    assert place[["month", "person"]].values.tolist() == [[10, "A1"]] and "a post in T0" in place["detail"].iloc[0]
    people = run.model.people
    a1 = run.index("A1")
    assert people.township[a1] == 0 and people.sector[a1] == INSTITUTION
    assert people.payroll_of(0, INSTITUTION) == 2 == run.model.est[0][INSTITUTION]
    assert people.payroll_of(1, ADMIN) == 2  # KEEP1 and B1: A1 has left T1
    # the township's salary bill follows the person (all salaries 1,000, every payer the township):
    # T0 pays KEEP0, S0 and A1 in post and the allowance of A0 and B0; T1 pays KEEP1, S1, STAYS and B1's allowance
    allowance = run.model.scenario.diversion.allowance_share * 1000.0
    assert run.model.ledger.tw_rate == pytest.approx([3000.0 + 2 * allowance, 3000.0 + allowance])


# ----- protection and the deadline ---------------------------------------------------------


def test_protected_people_are_not_diverted_before_their_protection_ends() -> None:
    overrides = {
        "population.synthetic.townships": 3,
        "population.synthetic.share_protected": 0.3,
        "time.horizon_months": 40,
        "reform.month": 12,
        "reform.protection_months": 8,
        "reform.deadline_month": 40,
        "pool.unlimited": True,
        **{f"channels.{c}.acceptance": 0.9 for c in CHANNEL_IDS},
    }
    scn = scenario(overrides)
    pop = sim.build_population(scn, 11)
    results = sim.run(scn, replications=2, seed=11, events=True, population=pop)
    ev = results.events
    protected = set(pop.ids[pop.protected])
    diverted = ev[ev["event"] == "diverted"]
    mine = diverted[diverted["person"].isin(protected)]
    assert (mine["month"] >= 20).all(), mine.to_string()
    assert len(mine) > 0, "no protected person was ever diverted: the check is vacuous"
    assert (diverted.loc[~diverted["person"].isin(protected), "month"] < 20).any()


DEADLINE_SCENARIO = {
    "population.synthetic.townships": 3,
    "time.horizon_months": 40,
    "reform.month": 12,
    "reform.deadline_month": 20,
    "channels.teacher.places_per_year": 5,
    "channels.enterprise.places_per_year": 5,
    "channels.early_retirement.lead_time_months": 2,
    "pool.contributors": [
        {
            "name": "county",
            "payer": "county",
            "amount": 40_000.0,
            "schedule": "monthly",
            "first_month": 12,
            "payments": 28,
        }
    ],
}


@pytest.fixture(scope="module")
def deadline_runs() -> dict[str, Any]:
    out = {}
    for policy in ("keep_queueing", "stay_awaiting", "rotate"):
        scn = scenario({**DEADLINE_SCENARIO, "diversion.after_deadline": policy})
        pop = sim.build_population(scn, 5)
        out[policy] = (scn, sim.run(scn, replications=2, seed=5, events=True, population=pop))
    return out


@pytest.mark.parametrize("policy", ["stay_awaiting", "rotate"])
def test_after_the_deadline_only_people_in_lead_time_leave(deadline_runs: dict[str, Any], policy: str) -> None:
    scn, results = deadline_runs[policy]
    deadline = scn.reform.deadline_month
    ev = results.events
    late = []
    for rep, log in ev.groupby("replication"):
        for p in diversion_paths(log, scn):
            if p.lead_start > deadline:
                late.append((rep, p))
    assert not late, late[:5]
    m = results.monthly
    after = m[m["month"] > deadline + max(scn.channels.get(c).lead_time_months for c in CHANNEL_IDS)]
    diverted_cols = [f"diverted_{c}" for c in CHANNEL_IDS]
    for _, table in after.groupby("replication"):
        assert (table[diverted_cols].diff().dropna() == 0).all().all(), "diversions after the deadline"
    if policy == "rotate":
        assert (m.loc[m["month"] >= deadline, "state_rotating"] > 0).all()
        assert (after["state_awaiting"] == 0).all()
    else:
        assert (m["state_rotating"] == 0).all()
        assert (after["state_awaiting"] > 0).all()


def test_keep_queueing_goes_on_diverting_and_stopping_policies_agree(deadline_runs: dict[str, Any]) -> None:
    scn, keep = deadline_runs["keep_queueing"]
    deadline = scn.reform.deadline_month
    late = [p for _, log in keep.events.groupby("replication") for p in diversion_paths(log, scn)]
    assert any(p.lead_start > deadline for p in late), "keep_queueing diverted nobody after the deadline"
    cols = [f"diverted_{c}" for c in CHANNEL_IDS]
    stay, rotate = deadline_runs["stay_awaiting"][1].monthly, deadline_runs["rotate"][1].monthly
    # the two stopping policies differ only in the state of those left: same flows (same seeds)
    np.testing.assert_array_equal(stay[cols].to_numpy(), rotate[cols].to_numpy())
    np.testing.assert_array_equal(
        stay["state_awaiting"].to_numpy() + stay["state_rotating"].to_numpy(),
        rotate["state_awaiting"].to_numpy() + rotate["state_rotating"].to_numpy(),
    )
    assert (keep.monthly[cols].sum(axis=1).to_numpy() >= stay[cols].sum(axis=1).to_numpy()).all()


# ----- directions of effect (paired on the same seeds) --------------------------------------

SEEDS = range(6)


def test_more_teacher_places_never_increase_those_awaiting_at_the_deadline() -> None:
    awaiting = np.zeros((len(SEEDS), 4))
    for row, seed in enumerate(SEEDS):
        for col, places in enumerate((0, 5, 50, 200)):
            scn = sim.load_scenario(
                BASE,
                overrides={
                    "money.counterfactual": False,
                    "population.synthetic.townships": 5,
                    "time.horizon_months": 30,
                    "channels.teacher.places_per_year": places,
                },
            )
            monthly = sim.run(scn, replications=1, seed=seed).monthly
            awaiting[row, col] = monthly.loc[monthly["month"] == scn.reform.deadline_month, "state_awaiting"].iloc[0]
    assert (np.diff(awaiting, axis=1) <= 0).all(), awaiting
    assert (awaiting[:, 0] > awaiting[:, -1]).all(), awaiting


def test_adverse_selection_sends_the_best_to_the_exit_channels() -> None:
    """With adverse_selection > 0 the surplus who take resignation, termination or enterprise
    have a higher mean appraisal than with 0 (paired seeds; the margin is 3 standard errors of
    the mean paired difference). Everyone may take a teacher post too, so the choice matters.
    """
    overrides = {
        "population.synthetic.townships": 3,
        "time.horizon_months": 30,
        "pool.unlimited": True,
        **{f"channels.{c}.acceptance": 0.8 for c in CHANNEL_IDS},
        "channels.teacher.age_max": 100.0,
        "channels.teacher.min_education": "primary",
        "channels.teacher.places_per_year": None,
        "channels.teacher.exam_pass_rate": 1.0,
    }
    diffs = []
    for seed in range(8):
        means = []
        for weight in (0.0, 2.0):
            scn = scenario({**overrides, "diversion.adverse_selection": weight})
            pop = sim.build_population(scn, seed)
            ev = sim.run(scn, replications=1, seed=seed, events=True, population=pop).events
            takers = ev.loc[(ev["event"] == "diverted") & ev["detail"].isin(EXIT_CHANNELS), "person"]
            appraisal = dict(zip(pop.ids, pop.appraisal, strict=True))
            means.append(np.mean([appraisal[p] for p in takers if p in appraisal]))
        diffs.append(means[1] - means[0])
    d = np.asarray(diffs)
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert d.mean() > 3 * se, (d, se)

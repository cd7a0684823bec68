"""Properties of diversion over hypothesis-generated scenarios and seeds (issue 3).

- Eligibility: every diverted person met the channel's fixed rules (open, education, sex,
  status, sector) and its rules that change with time (age band, years to retirement,
  years of service) when they joined its queue; and (the acceptance item) still meets them
  in the month they are diverted.
- Hires never become surplus unless hired before the reform.
- Places: what a channel's places of one year let through never exceeds its places that year.
- Conservation with every channel open: the state counts add up to the initial staff plus
  hires in every month, and the diverted_<ch> columns agree with the event log.

Years of places are 12-month periods from the channel's first release. A place given in one
year may be used in the next (money wait, lead time), so diversions are charged to the year
their place was given; with no lead time and unlimited money the place month is the
diversion month and the count by diversion month is checked as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from channel_helpers import diversion_paths, first_release, run_model, scenario, static_problems, timed_problems
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import sim
from sim.engine.states import STATE_NAMES
from sim.scenario.schema import CHANNEL_IDS

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


TIGHT: dict[str, st.SearchStrategy[Any]] = {
    "age_band": st.sampled_from([(25.0, 40.0), (35.0, 37.0), (45.0, 55.0), (50.0, 50.5), (0.0, 45.0)]),
    "min_education": st.sampled_from(["secondary", "college", "junior"]),
    "min_service_years": st.sampled_from([5.0, 15.0, 25.0]),
    "sex": st.sampled_from(["male", "female"]),
    "status": st.sampled_from(["cadre", "worker"]),
    "max_years_to_retirement": st.sampled_from([12.0, 5.0, 1.0]),
}


@st.composite
def channel(draw: st.DrawFn, cid: str, age_cap: bool) -> dict[str, Any]:
    # up to three of the eligibility rules are tight, the others loose, so that people pass; with
    # `age_cap`, an upper age limit and at most one other rule
    tight = draw(st.sets(st.sampled_from(sorted(TIGHT)), max_size=1 if age_cap else 3))
    rules = {name: draw(TIGHT[name]) for name in sorted(tight)}
    age_min, age_max = rules.pop("age_band", (0.0, 100.0))
    if age_cap and age_max > 60:
        age_max = draw(st.sampled_from([45.0, 46.0, 48.0]))
    out: dict[str, Any] = {
        "open": cid in ("teacher", "resignation") or draw(st.sampled_from([True, True, False])),
        "age_min": age_min,
        "age_max": age_max,
        "min_education": "primary",
        "min_service_years": 0.0,
        "sex": "any",
        "status": "any",
        "max_years_to_retirement": None,
        **rules,
        "acceptance": draw(st.sampled_from([1.0, 0.8, 0.3])),
        "exam_pass_rate": draw(st.sampled_from([1.0, 0.5])),
        "lead_time_months": draw(st.sampled_from([2, 0, 1, 3])),
        "allocation": draw(st.sampled_from(["merit", "first_come"])),
        "release_month": draw(st.integers(1, 12)),
    }
    if cid != "institution_vacancy":
        out["places_per_year"] = draw(st.sampled_from([3, None, 0, 1, 10]))
        out["sectors"] = draw(st.sampled_from([["admin", "institution"], ["admin"], ["institution"]]))
    return out


@st.composite
def scenarios(draw: st.DrawFn, age_cap: bool = False) -> dict[str, Any]:
    """Scenarios varying every channel's rules; with `age_cap`, every channel has an upper age limit
    (the one rule a person can cease to meet while waiting).
    """
    reform = draw(st.integers(3, 14))
    horizon = draw(st.integers(reform + 18, reform + 40))
    overrides: dict[str, Any] = {
        "time.start": draw(st.sampled_from(["2005-01", "2006-07", "2008-11"])),
        "time.horizon_months": horizon,
        "population.synthetic.townships": draw(st.integers(2, 3)),
        "population.synthetic.share_protected": draw(st.sampled_from([0.0, 0.1])),
        "population.synthetic.share_worker": 0.4,
        "township_classes": [{"name": "all", "staff_admin": 30, "staff_institution": 30, "staff_temporary": 3}],
        "attrition.quit_rate": draw(st.sampled_from([0.05, 0.0, 0.2])),
        "reform.month": reform,
        "reform.deadline_month": draw(st.integers(reform, horizon)),
        "reform.cut_admin": draw(st.sampled_from([0.1, 0.3, 0.5])),
        "reform.cut_institution": draw(st.sampled_from([0.0, 0.3, 0.5])),
        "reform.protection_months": draw(st.integers(0, 12)),
        "diversion.patience_months": draw(st.sampled_from([3, 0, 1, 6])),
        "diversion.retry_months": draw(st.sampled_from([3, 0, 12])),
        "diversion.after_deadline": draw(st.sampled_from(["keep_queueing", "stay_awaiting", "rotate"])),
        "diversion.adverse_selection": draw(st.sampled_from([0.0, 1.0])),
        "diversion.repost_on_vacancy": draw(st.booleans()),
        "pool.unlimited": draw(st.sampled_from([True, False])),
        "pool.initial_balance": draw(st.sampled_from([0.0, 50_000.0])),
        "rebound.request_rate": draw(st.sampled_from([0.0, 2.0])),
    }
    if age_cap:  # staff crowd around the caps, so some cross them while they wait
        overrides["population.synthetic.age_mean"] = draw(st.sampled_from([45.0, 47.0]))
        overrides["population.synthetic.age_sd"] = 2.0
    for cid in CHANNEL_IDS:
        for key, value in draw(channel(cid, age_cap)).items():
            overrides[f"channels.{cid}.{key}"] = value
    return overrides


def _run(overrides: dict[str, Any], seed: int):
    scn = scenario(overrides)
    return scn, run_model(scn, sim.build_population(scn, seed), seed)


def _assert_paths_eligible(overrides: dict[str, Any], seed: int, at_diversion: bool) -> int:
    scn, run = _run(overrides, seed)
    problems = []
    paths = diversion_paths(run.events, scn)
    for p in paths:
        i = run.index(p.person)
        ch = scn.channels.get(p.channel)
        month = p.diverted if at_diversion else p.tried
        bad = static_problems(run, i, ch) + timed_problems(run, i, ch, month)
        if bad:
            problems.append(f"{p.person} via {p.channel} (asked {p.tried}, left {p.diverted}): {'; '.join(bad)}")
    assert not problems, "\n".join(problems[:10])
    return len(paths)


@SETTINGS
@given(overrides=scenarios(), seed=st.integers(0, 2**31 - 1))
def test_every_diverted_person_was_eligible_when_they_asked(overrides: dict[str, Any], seed: int) -> None:
    _assert_paths_eligible(overrides, seed, at_diversion=False)


@settings(SETTINGS, phases=[Phase.explicit, Phase.generate])  # a failure is reported unshrunk (shrinking ~1 min)
@given(overrides=scenarios(age_cap=True), seed=st.integers(0, 2**31 - 1))
def test_every_diverted_person_is_eligible_in_the_month_they_leave(overrides: dict[str, Any], seed: int) -> None:
    _assert_paths_eligible(overrides, seed, at_diversion=True)


def test_eligibility_check_is_not_vacuous() -> None:
    """Tight bands on every rule still let some people through, and each is checked."""
    overrides = {
        "population.synthetic.townships": 3,
        "time.horizon_months": 48,
        "pool.unlimited": True,
        "channels.teacher.age_max": 40.0,
        "channels.teacher.min_education": "college",
        "channels.early_retirement.status": "worker",
        "channels.resignation.sex": "female",
        "channels.resignation.acceptance": 1.0,
        "channels.resignation.age_min": 35.0,
        "channels.resignation.age_max": 45.0,
        "channels.termination.min_service_years": 25.0,
        "channels.termination.acceptance": 1.0,
        "channels.enterprise.sectors": ["institution"],
        "channels.enterprise.acceptance": 1.0,
        "channels.police.open": False,
    }
    scn, run = _run(overrides, 7)
    used = {p.channel for p in diversion_paths(run.events, scn)}
    assert {"resignation", "termination", "enterprise"} <= used, used
    assert _assert_paths_eligible(overrides, 7, at_diversion=False) > 20


@SETTINGS
@given(overrides=scenarios(), seed=st.integers(0, 2**31 - 1))
def test_hires_never_become_surplus_unless_hired_before_the_reform(overrides: dict[str, Any], seed: int) -> None:
    scn, run = _run(overrides, seed)
    ev = run.events
    surplus = ev[ev["event"] == "surplus"]
    assert (surplus["month"] == scn.reform.month).all(), "surplus made outside the reform month"
    hired = ev[ev["event"] == "hired"].groupby("person")["month"].min()
    for person in surplus["person"]:
        if person in hired.index:
            assert hired[person] < scn.reform.month, f"{person} hired in month {hired[person]} became surplus"
    # every diverted person was made surplus first
    diverted = set(ev.loc[ev["event"] == "diverted", "person"])
    assert diverted <= set(surplus["person"])


@SETTINGS
@given(overrides=scenarios(), seed=st.integers(0, 2**31 - 1))
def test_places_of_a_year_are_never_exceeded(overrides: dict[str, Any], seed: int) -> None:
    scn, run = _run(overrides, seed)
    paths = diversion_paths(run.events, scn)
    monthly = run.monthly
    for cid in CHANNEL_IDS:
        ch = scn.channels.get(cid)
        if cid == "institution_vacancy" or ch.places_per_year is None:
            continue
        first = first_release(scn, ch)
        mine = [p for p in paths if p.channel == cid]
        assert all(p.granted >= first for p in mine), f"{cid}: a place given before the first release ({first})"
        by_year: dict[int, int] = {}
        for p in mine:
            year = (p.granted - first) // 12
            by_year[year] = by_year.get(year, 0) + 1
        over = {y: n for y, n in by_year.items() if n > ch.places_per_year}
        assert not over, f"{cid}: {ch.places_per_year} places a year, used {over} (year: count)"
        # the monthly column never runs ahead of the places released so far
        released = np.array([ch.places_per_year * ((m - first) // 12 + 1) if m >= first else 0 for m in monthly.month])
        assert (monthly[f"diverted_{cid}"].to_numpy() <= released).all(), cid
        if ch.lead_time_months == 0 and scn.pool.unlimited:  # the acceptance wording, literally
            by_month = {}
            for p in mine:
                year = (p.diverted - first) // 12
                by_month[year] = by_month.get(year, 0) + 1
            assert max(by_month.values(), default=0) <= ch.places_per_year, (cid, by_month)


STATE_COLUMNS = [f"state_{name}" for name in STATE_NAMES]


@SETTINGS
@given(overrides=scenarios(), seed=st.integers(0, 2**31 - 1), returns=st.sampled_from([0.0, 0.05]))
def test_people_are_conserved_with_every_channel_open(overrides: dict[str, Any], seed: int, returns: float) -> None:
    overrides = {
        **overrides,
        **{f"channels.{c}.open": True for c in CHANNEL_IDS},
        **{f"channels.{c}.return_hazard": returns for c in CHANNEL_IDS},
        "rebound.return_success": 0.8,
        "rebound.enforcement": 0.0,
        "diversion.surplus_state": "rotating" if seed % 3 == 0 else "awaiting",
        "diversion.no_channel": "rotating" if seed % 2 else "awaiting",
    }
    scn = scenario(overrides)
    pop = sim.build_population(scn, seed)
    results = sim.run(scn, replications=2, seed=seed, events=True, population=pop)
    monthly = results.monthly
    states = monthly[STATE_COLUMNS].to_numpy()
    assert (states >= 0).all()
    np.testing.assert_array_equal(states.sum(axis=1), len(pop) + monthly["hires_cumulative"].to_numpy())
    payroll = monthly[["state_in_post", "state_awaiting", "state_rotating"]].sum(axis=1).to_numpy()
    np.testing.assert_array_equal(monthly["headcount_total"].to_numpy(), payroll)
    sectors = monthly[["headcount_admin", "headcount_institution", "headcount_temporary"]].sum(axis=1).to_numpy()
    np.testing.assert_array_equal(monthly["headcount_total"].to_numpy(), sectors)
    # diverted_<ch> is the running count of the log's diverted events through ch
    ev = results.events
    for rep, table in monthly.groupby("replication"):
        log = ev[(ev["replication"] == rep) & (ev["event"] == "diverted")]
        for cid in CHANNEL_IDS:
            months = np.sort(log.loc[log["detail"] == cid, "month"].to_numpy())
            expected = np.searchsorted(months, table["month"].to_numpy(), side="right")
            np.testing.assert_array_equal(table[f"diverted_{cid}"].to_numpy(), expected, err_msg=cid)


@settings(max_examples=200, deadline=None)
@given(
    age_min=st.floats(0, 60),
    age_span=st.floats(0, 40),
    to_retire=st.one_of(st.just(float("inf")), st.floats(0, 20)),
    service=st.floats(0, 30),
    birth=st.integers(20_000, 24_000),
    entry_after=st.integers(16 * 12, 40 * 12),
    retire_after=st.integers(50 * 12, 62 * 12),
    start=st.integers(24_000, 25_000),
)
def test_a_channel_closed_for_good_never_opens_again(
    age_min: float,
    age_span: float,
    to_retire: float,
    service: float,
    birth: int,
    entry_after: int,
    retire_after: int,
    start: int,
) -> None:
    """The retry search stops at `closed_for_good`: from that month on the time rules are never met again,
    while before it they may open (so the shortcut skips nothing that `time_rules_met` would let in).
    """
    from sim.engine.channel_rules import closed_for_good, time_rules_met

    rule = (age_min, age_min + age_span, to_retire, service)
    entry, retire = birth + entry_after, birth + retire_after
    months = range(start, start + 240)
    closed = [m for m in months if closed_for_good(rule, m, birth)]
    if closed:
        assert all(closed_for_good(rule, m, birth) for m in range(closed[0], months[-1] + 1))
        assert not any(time_rules_met(rule, m, birth, retire, entry, m) for m in range(closed[0], months[-1] + 1))


def test_closed_for_good_is_the_oldest_age() -> None:
    """A channel for people up to 50: open at 49 years 11 months, closed for good from 50 years 1 month."""
    from sim.engine.channel_rules import closed_for_good, time_rules_met

    rule, birth = (0.0, 50.0, float("inf"), 0.0), 0
    assert time_rules_met(rule, 599, birth, 720, 0, 599) and not closed_for_good(rule, 599, birth)
    assert time_rules_met(rule, 600, birth, 720, 0, 600) and not closed_for_good(rule, 600, birth)
    assert closed_for_good(rule, 601, birth) and not time_rules_met(rule, 601, birth, 720, 0, 601)


@settings(max_examples=300, deadline=None)
@given(age_max=st.floats(0, 120), birth=st.integers(-5_000, 30_000))
def test_last_open_month_is_the_month_before_closing(age_max: float, birth: int) -> None:
    """The retry search gives up after `last_open_month`: the channel is open to the oldest-age rule then
    and closed for good the month after, exactly as `closed_for_good` says (fractional ages included)."""
    from sim.engine.channel_rules import closed_for_good, last_open_month

    rule = (0.0, age_max, float("inf"), 0.0)
    last = last_open_month(rule, birth)
    assert not closed_for_good(rule, last, birth)
    assert closed_for_good(rule, last + 1, birth)
    assert last_open_month((0.0, float("inf"), float("inf"), 0.0), birth) == float("inf")


RULES = st.tuples(
    st.floats(0, 60),  # youngest age
    st.one_of(st.just(float("inf")), st.floats(0, 40)),  # years from the youngest to the oldest age
    st.one_of(st.just(float("inf")), st.floats(0, 20)),  # most years to retirement
    st.floats(0, 30),  # fewest years of service
).map(lambda r: (r[0], r[0] + r[1], r[2], r[3]))


@settings(max_examples=400, deadline=None)
@given(
    rules=st.lists(RULES, max_size=4),
    birth=st.integers(20_000, 24_000),
    entry_after=st.integers(16 * 12, 40 * 12),
    retire_after=st.integers(50 * 12, 62 * 12),
    now=st.integers(24_000, 25_000),
    step=st.integers(1, 12),
    months_left=st.integers(0, 240),
)
def test_the_next_open_month_is_the_first_a_scan_of_the_retries_finds(
    rules: list[tuple[float, float, float, float]],
    birth: int,
    entry_after: int,
    retire_after: int,
    now: int,
    step: int,
    months_left: int,
) -> None:
    """The retry wait (`Diversion._next_try`) comes from each channel's span of open months instead of trying
    every `step` months: it must give the month a scan of `time_rules_met` at each retry gives, or None when
    the scan finds none by the horizon; and each span must be exactly the months the rules let the person in
    (fractional ages and years included)."""
    from sim.engine.channel_rules import (
        last_open_month,
        next_open_month,
        open_by_age,
        open_by_retirement,
        open_by_service,
        time_rules_met,
    )

    entry, retire, until = birth + entry_after, birth + retire_after, now + months_left
    scan = range(now + step, until + 1, step)
    expected = next((m for m in scan if any(time_rules_met(r, m, birth, retire, entry, m) for r in rules)), None)
    opens = [
        (
            max(open_by_age(r, birth), open_by_service(r, entry), open_by_retirement(r, retire)),
            last_open_month(r, birth),
        )
        for r in rules
    ]
    assert next_open_month(opens, now, step, until) == expected
    for rule, (first, last) in zip(rules, opens, strict=True):
        for m in range(now - 600, now + 600, 7):
            assert bool(time_rules_met(rule, m, birth, retire, entry, m)) == (first <= m <= last), (rule, m)


def test_the_next_open_month_waits_for_the_youngest_age_on_the_grid() -> None:
    """A person of 44 years 10 months (born in month 0, now 538) and a channel from 45: trying every 4 months,
    the first try at 45 or older is month 542 (45 years 2 months), 4 months on; none if the horizon is sooner."""
    from sim.engine.channel_rules import next_open_month, open_by_age

    rule = (45.0, 60.0, float("inf"), 0.0)
    opens = [(open_by_age(rule, 0), 720)]
    assert open_by_age(rule, 0) == 540
    assert next_open_month(opens, 538, 4, 600) == 542
    assert next_open_month(opens, 538, 4, 541) is None

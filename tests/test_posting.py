"""Competitive posting at the reform: who keeps a post under each selection rule.

No attrition and no hiring here, so the candidates at the reform are exactly the month-0
administrative and institution staff, and the people not given a post are those with a
'surplus' event in the reform month.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_helpers import scenario

import sim
from sim.engine.posting import post
from sim.population.table import ADMIN, INSTITUTION, SECONDARY, TEMPORARY

REFORM = 6


def posting_run(overrides: dict[str, Any], seed: int = 1) -> tuple[sim.Population, sim.Results]:
    scn = scenario(
        {
            "population.synthetic.townships": 4,
            "time.horizon_months": 24,
            "reform.month": REFORM,
            "reform.deadline_month": 18,
            "reform.clear_temporaries": False,
            "attrition.retirement": False,
            "attrition.death_rate": 0.0,
            "attrition.quit_rate": 0.0,
            **overrides,
        }
    )
    population = sim.build_population(scn, seed)
    return population, sim.run(scn, replications=1, seed=seed, events=True, population=population)


def surplus_mask(population: sim.Population, results: sim.Results) -> np.ndarray:
    events = results.events
    surplus = events[(events["event"] == "surplus") & (events["month"] == REFORM)]
    assert not surplus["person"].duplicated().any()
    return np.isin(population.ids, surplus["person"].to_numpy())


def candidates(population: sim.Population) -> np.ndarray:
    return population.sector != TEMPORARY


def test_merit_on_education_keeps_the_educated() -> None:
    population, results = posting_run(
        {"reform.merit.appraisal": 0.0, "reform.merit.education": 1.0, "reform.merit.noise": 0.01}
    )
    surplus = surplus_mask(population, results)
    assert surplus.sum() > 20
    cand = candidates(population)
    for tw in range(len(population.townships)):
        for sector in (ADMIN, INSTITUTION):
            group = cand & (population.township == tw) & (population.sector == sector)
            kept = population.education[group & ~surplus]
            lost = population.education[group & surplus]
            if len(kept) and len(lost):
                assert kept.min() >= lost.max(), f"township {tw}, sector {sector}: a less educated person kept a post"
    kept_share = (population.education[cand & ~surplus] >= SECONDARY).mean()
    assert kept_share > (population.education[cand] >= SECONDARY).mean() + 0.05


def test_share_secondary_plus_rises_at_the_reform_under_education_merit() -> None:
    """Suzhou (范文3): selection raised the share with secondary education or above (53% -> 74%).

    The reform month's row should show it: the staff kept are the better educated.
    """
    _, results = posting_run({"reform.merit.appraisal": 0.0, "reform.merit.education": 1.0, "reform.merit.noise": 0.01})
    share = results.metric("share_secondary_plus")[0]
    assert share.loc[REFORM] > share.loc[REFORM - 1] + 0.02, (
        f"share_secondary_plus {share.loc[REFORM - 1]:.3f} before the reform, {share.loc[REFORM]:.3f} at it"
    )


def test_joint_posting_lets_institution_staff_win_admin_posts() -> None:
    population, results = posting_run({"reform.joint_posting": True, "reform.cut_admin": 0.3})
    events = results.events
    won = events[events["detail"].str.startswith("won a post", na=False)]
    assert (won["month"] == REFORM).all()
    sector_before = pd.Series(population.sector, index=population.ids)
    into_admin = won[won["detail"].str.contains("admin")]
    assert len(into_admin) > 0, "no institution staff won an administrative post"
    assert (sector_before.loc[into_admin["person"]] == INSTITUTION).all()
    # posting moves people between sectors and into surplus, but nobody leaves the payroll
    final = results.monthly.set_index("month")
    assert final.loc[REFORM, "headcount_admin"] + final.loc[REFORM, "headcount_institution"] == (
        final.loc[REFORM - 1, "headcount_admin"] + final.loc[REFORM - 1, "headcount_institution"]
    )


def test_separate_posting_moves_nobody_between_sectors() -> None:
    _, results = posting_run({"reform.joint_posting": False, "reform.cut_admin": 0.3})
    assert not results.events["detail"].str.startswith("won a post", na=False).any()


def test_leaders_kept_keeps_every_leader() -> None:
    overrides = {"reform.cut_admin": 0.5, "population.synthetic.share_leader": 0.3}
    population, results = posting_run({**overrides, "reform.leaders_kept": False})
    lost_leaders = (population.leader & surplus_mask(population, results)).sum()
    assert lost_leaders > 0, "the test needs leaders who would lose their post without the rule"
    population, results = posting_run({**overrides, "reform.leaders_kept": True})
    assert population.leader.sum() > 10
    assert not (population.leader & surplus_mask(population, results)).any()


def test_seniority_keeps_the_earliest_entrants() -> None:
    population, results = posting_run({"reform.selection_rule": "seniority", "reform.cut_institution": 0.4})
    surplus = surplus_mask(population, results)
    assert surplus.sum() > 20
    cand = candidates(population)
    for tw in range(len(population.townships)):
        for sector in (ADMIN, INSTITUTION):
            group = cand & (population.township == tw) & (population.sector == sector)
            kept = population.entry[group & ~surplus]
            lost = population.entry[group & surplus]
            if len(kept) and len(lost):
                assert kept.max() <= lost.min(), f"township {tw}, sector {sector}: a later entrant kept a post"


def test_posting_fills_exactly_the_new_establishment() -> None:
    population, results = posting_run({"reform.cut_admin": 0.2, "reform.cut_institution": 0.3})
    row = results.monthly.set_index("month").loc[REFORM]
    staff = population.staff_counts()
    expected_admin = np.floor(staff[:, ADMIN] * 0.8 + 1e-9).sum()
    expected_institution = np.floor(staff[:, INSTITUTION] * 0.7 + 1e-9).sum()
    assert row["establishment_admin"] == expected_admin
    assert row["establishment_institution"] == expected_institution
    surplus = surplus_mask(population, results)
    assert surplus.sum() == staff[:, :2].sum() - expected_admin - expected_institution
    assert row["state_in_post"] == expected_admin + expected_institution + staff[:, TEMPORARY].sum()


def test_the_cut_rounds_down_but_not_below_an_exact_product() -> None:
    """One rule for the engine and the twin: 25 cut by 56% keeps 11 although floating point makes it
    10.999…, a fraction of a post is not kept, and a class's own number wins over the cut."""
    from sim.engine.channel_rules import establishment_after_cut

    assert 25 * (1 - 0.56) < 11
    assert establishment_after_cut(25, 0.56, None) == 11
    assert establishment_after_cut(11, 0.2, None) == 8  # 8.8 posts: 8
    assert establishment_after_cut(11, 0.2, 10) == 10
    assert establishment_after_cut(11.0, 0.2, None) == 8  # the twin's float establishment, the same rule


def _post_by_hand(
    township: list[int],
    sector: list[int],
    score: list[float],
    new_admin: list[int],
    new_institution: list[int],
    joint: bool,
) -> tuple[list[bool], list[int]]:
    """Posting as the rule reads, one township at a time: sort by score (ties: earlier first), take the top."""
    keeps = [False] * len(township)
    new_sector = list(sector)
    for tw in set(township):
        members = [k for k in range(len(township)) if township[k] == tw]
        best_first = sorted(members, key=lambda k: (-score[k], k))
        if joint:
            admin = best_first[: max(new_admin[tw], 0)]
            rest = [k for k in best_first if k not in admin]
            pools = [(admin, ADMIN), (rest[: max(new_institution[tw], 0)], INSTITUTION)]
        else:
            pools = [
                ([k for k in best_first if sector[k] == ADMIN][: max(new_admin[tw], 0)], ADMIN),
                ([k for k in best_first if sector[k] == INSTITUTION][: max(new_institution[tw], 0)], INSTITUTION),
            ]
        for winners, won in pools:
            for k in winners:
                keeps[k] = True
                new_sector[k] = won
    return keeps, new_sector


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([ADMIN, INSTITUTION]), st.sampled_from([0.0, 1.0, 2.5, np.inf])),
        max_size=40,
    ),
    st.lists(st.integers(-1, 6), min_size=4, max_size=4),
    st.lists(st.integers(-1, 6), min_size=4, max_size=4),
    st.booleans(),
)
def test_posting_gives_the_posts_to_the_best_of_each_township_ties_in_order(
    people: list[tuple[int, int, float]], new_admin: list[int], new_institution: list[int], joint: bool
) -> None:
    """The vectorised ranking agrees with the rule done by hand, many ties and leaders (infinite score) included."""
    township = np.array([p[0] for p in people], dtype=np.int64)
    sector = np.array([p[1] for p in people], dtype=np.int64)
    score = np.array([p[2] for p in people], dtype=float)
    keeps, new_sector = post(township, sector, score, np.array(new_admin), np.array(new_institution), joint)
    want_keeps, want_sector = _post_by_hand(
        township.tolist(), sector.tolist(), score.tolist(), new_admin, new_institution, joint
    )
    assert keeps.tolist() == want_keeps
    assert new_sector.tolist() == want_sector


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40_000), st.sampled_from([-1.0, 0.0, 0.5, 2.0, np.inf])), min_size=0, max_size=60
    ),
    st.booleans(),
)
def test_ranks_are_places_in_the_group_by_score_ties_in_candidate_order(
    rows: list[tuple[int, float]], few_groups: bool
) -> None:
    """`_ranks` (two stable sorts, the group's as a radix sort when it fits 16 bits) against a plain reading."""
    from sim.engine.posting import _ranks

    group = np.array([g % 5 if few_groups else g for g, _ in rows], dtype=np.int64)
    score = np.array([s for _, s in rows], dtype=float)
    expected = [
        sum(
            1
            for j in range(len(rows))
            if group[j] == group[i] and (score[j] > score[i] or (score[j] == score[i] and j < i))
        )
        for i in range(len(rows))
    ]
    assert _ranks(group, score).tolist() == expected

"""Competitive posting (竞争上岗、双向选择): rank candidates and fill the new establishment."""

from __future__ import annotations

import numpy as np

from sim.population.table import ADMIN, INSTITUTION
from sim.scenario.schema import ReformSection


def _z(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x, dtype=float)


def scores(
    reform: ReformSection,
    appraisal: np.ndarray,
    education: np.ndarray,
    age_years: np.ndarray,
    entry: np.ndarray,
    leader: np.ndarray,
    noise: np.ndarray,
    uniform: np.ndarray,
) -> np.ndarray:
    """Ranking score per candidate, higher is better.

    merit: weighted standardised appraisal, education and youth plus normal noise;
    seniority: earlier entry first (ties broken at random); random: a uniform draw.
    """
    if reform.selection_rule == "merit":
        w = reform.merit
        score = (
            w.appraisal * _z(appraisal.astype(float))
            + w.education * _z(education.astype(float))
            + w.youth * _z(-age_years.astype(float))
            + w.noise * noise
        )
    elif reform.selection_rule == "seniority":
        score = -entry.astype(float) + 0.5 * uniform
    else:
        score = uniform.astype(float).copy()
    if reform.leaders_kept:
        score = np.where(leader, np.inf, score)
    return score


def _ranks(group: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Each candidate's place in its group (0: the best), by score, ties in candidate order."""
    order = np.argsort(-score, kind="stable")  # best first, ties in candidate order …
    by_group = group[order]
    if len(group) and 0 <= by_group.min() and by_group.max() < 2**15:
        by_group = by_group.astype(np.int16)  # (a stable sort of 16-bit keys is a radix sort)
    order = order[np.argsort(by_group, kind="stable")]  # … then by group, keeping that order within each
    ordered = group[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # where each group begins
    ranks = np.empty(len(group), dtype=np.int64)
    ranks[order] = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    return ranks


def post(
    township: np.ndarray,
    sector: np.ndarray,
    score: np.ndarray,
    new_admin: np.ndarray,
    new_institution: np.ndarray,
    joint: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Who keeps a post and in which sector, per township.

    Arguments are over the candidates (admin and institution staff on the payroll). Returns
    a bool array 'keeps a post' and the sector of the post held (unchanged for losers).
    In joint posting all candidates compete for the administrative posts first; the rest
    compete for the institution posts, so a capable station worker can move up and a weaker
    cadre down or out. Within a township (and sector) the best scores win; equal scores go
    in candidate order.
    """
    township = np.asarray(township, dtype=np.int64)
    admin_posts = np.maximum(np.asarray(new_admin, dtype=np.int64), 0)[township]
    institution_posts = np.maximum(np.asarray(new_institution, dtype=np.int64), 0)[township]
    new_sector = sector.copy()
    if joint:
        rank = _ranks(township, score)
        admin_win = rank < admin_posts
        inst_win = ~admin_win & (rank - admin_posts < institution_posts)  # the rest, in the same order
    else:
        rank = _ranks(township * 2 + (sector == INSTITUTION), score)
        admin_win = (sector == ADMIN) & (rank < admin_posts)
        inst_win = (sector == INSTITUTION) & (rank < institution_posts)
    new_sector[admin_win] = ADMIN
    new_sector[inst_win] = INSTITUTION
    return admin_win | inst_win, new_sector

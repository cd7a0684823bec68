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


def _top(candidates: np.ndarray, score: np.ndarray, posts: int) -> np.ndarray:
    """The `posts` best candidates (indices into the population arrays)."""
    if posts <= 0 or len(candidates) == 0:
        return candidates[:0]
    order = np.argsort(-score[candidates], kind="stable")
    return candidates[order[:posts]]


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
    cadre down or out.
    """
    keeps = np.zeros(len(township), dtype=bool)
    new_sector = sector.copy()
    order = np.argsort(township, kind="stable")
    bounds = np.searchsorted(township[order], np.arange(len(new_admin) + 1))
    for tw in range(len(new_admin)):
        members = order[bounds[tw] : bounds[tw + 1]]
        if len(members) == 0:
            continue
        if joint:
            admin_win = _top(members, score, int(new_admin[tw]))
            rest = np.setdiff1d(members, admin_win, assume_unique=True)
            inst_win = _top(rest, score, int(new_institution[tw]))
        else:
            admin_win = _top(members[sector[members] == ADMIN], score, int(new_admin[tw]))
            inst_win = _top(members[sector[members] == INSTITUTION], score, int(new_institution[tw]))
        keeps[admin_win] = True
        keeps[inst_win] = True
        new_sector[admin_win] = ADMIN
        new_sector[inst_win] = INSTITUTION
    return keeps, new_sector

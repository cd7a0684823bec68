"""Match people across consecutive snapshots: who was at risk, who stayed, who left and why, who came.

Each interval between two snapshots is a closed cohort: the people on the payroll of the
earlier roster. A person listed on the later roster without an exit stayed; listed with an
exit, left for that reason (at the exit date if given); not listed, disappeared unexplained.
People first listed on the later roster are entries (they join the next interval's cohort),
so no one's exposure depends on exits that a roster never shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.attrition import retirement_abs_month
from sim.errors import InputError
from sim.estimate.exits.snapshots import ACTIVE, RETIRED, Snapshot, month_text
from sim.population.table import SECTORS
from sim.scenario.schema import AttritionSection

UNEXPLAINED, STAYED = "unexplained", "stayed"


def _index(s: Snapshot) -> dict[str, int]:
    return {str(pid): k for k, pid in enumerate(s.ids.tolist())}


def cohort(a: Snapshot, b: Snapshot, interval: int, att: AttritionSection) -> pd.DataFrame:
    """One row per person on `a`'s payroll: attributes at `a`, the outcome at `b`, exposure and exit age."""
    at = np.flatnonzero(a.reason == ACTIVE)
    later = _index(b)
    j = np.array([later.get(str(pid), -1) for pid in a.ids[at].tolist()], dtype=np.int64)
    seen = j >= 0
    jj = np.where(seen, j, 0)
    outcome = np.where(seen, b.reason[jj], UNEXPLAINED).astype(object)
    outcome[outcome == ACTIVE] = STAYED
    detail = np.where(seen & (outcome != STAYED), b.detail[jj], "").astype(object)
    exit_month = np.where(seen, b.exit_month[jj], -1)
    early = (exit_month >= 0) & (exit_month <= a.date)
    if early.any():
        k = np.flatnonzero(early)
        rows = ", ".join(f"row {int(b.rows[jj[i]])} ({month_text(int(exit_month[i]))})" for i in k[:10])
        raise InputError(
            f"exit dates not after the earlier roster's date {month_text(a.date)} although {a.source} lists these "
            f"people on its payroll: {rows}",
            source=b.source,
        )
    birth, female, worker = a.birth[at], a.female[at], a.worker[at]
    statutory = retirement_abs_month(att, birth, female, worker).astype(np.int64)
    width = b.date - a.date
    # months at risk after a's date: dated exits in the middle of their month; undated ones in the middle of
    # the interval, retirements at the statutory month when it falls inside it; those who stayed, all of it
    gone = outcome != STAYED
    undated_retired = gone & (exit_month < 0) & (outcome == RETIRED) & (statutory > a.date) & (statutory <= b.date)
    months = np.where(gone, width / 2.0, float(width))
    months = np.where(exit_month >= 0, exit_month - a.date - 0.5, months)
    months = np.where(undated_retired, statutory - a.date - 0.5, months)
    age0 = (a.date - birth) / 12.0
    return pd.DataFrame(
        {
            "interval": interval,
            "start": month_text(a.date),
            "end": month_text(b.date),
            "id": a.ids[at].astype(str),
            "township": a.township[at],
            "sector": np.asarray(SECTORS, dtype=object)[a.sector[at]],
            "sex": np.where(female, "female", "male"),
            "status": np.where(worker, "worker", "cadre"),
            "age_start": age0,
            "outcome": outcome,
            "detail": detail,
            "exit_date": [month_text(int(m)) if m >= 0 else "" for m in exit_month],
            "exposure_years": months / 12.0,
            "exit_age": np.where(gone, age0 + months / 12.0, np.nan),
            "statutory_date": [month_text(int(m)) for m in statutory],
            "reached_statutory": statutory <= b.date,
            "past_statutory_at_start": statutory <= a.date,
        }
    )


def changes(a: Snapshot, b: Snapshot, interval: int) -> pd.DataFrame:
    """People on both payrolls whose township, sector or cadre/worker status changed."""
    later = _index(b)
    out = []
    for k in np.flatnonzero(a.reason == ACTIVE).tolist():
        j = later.get(str(a.ids[k]), -1)
        if j < 0 or b.reason[j] != ACTIVE:
            continue
        for field, x, y in (
            ("township", a.township[k], b.township[j]),
            ("sector", SECTORS[a.sector[k]], SECTORS[b.sector[j]]),
            ("status", "worker" if a.worker[k] else "cadre", "worker" if b.worker[j] else "cadre"),
        ):
            if x != y:
                out.append(
                    (interval, month_text(a.date), month_text(b.date), str(a.ids[k]), field, x, y, int(b.rows[j]))
                )
    return pd.DataFrame(out, columns=["interval", "start", "end", "id", "field", "before", "after", "row"])


def entries(earlier: list[Snapshot], b: Snapshot, interval: int) -> pd.DataFrame:
    """People on `b`'s payroll not on the payroll of the snapshot before it (new, or back after leaving)."""
    before = earlier[-1]
    on_before = set(before.ids[before.reason == ACTIVE].tolist())
    ever = set().union(*(set(s.ids.tolist()) for s in earlier))
    pick = [k for k in np.flatnonzero(b.reason == ACTIVE).tolist() if b.ids[k] not in on_before]
    return pd.DataFrame(
        {
            "interval": interval,
            "start": month_text(before.date),
            "end": month_text(b.date),
            "id": [str(b.ids[k]) for k in pick],
            "kind": ["returned" if b.ids[k] in ever else "new" for k in pick],
            "entry_date": [month_text(int(b.entry[k])) for k in pick],
            "township": [b.township[k] for k in pick],
            "sector": [SECTORS[b.sector[k]] for k in pick],
            "row": [int(b.rows[k]) for k in pick],
        }
    )

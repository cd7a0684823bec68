"""The roster of a run at a given month: who is on the payroll then, and (optionally) who left and why.

`fenliu roster SCENARIO --month M` writes it, so that rosters written by the model itself can be
fed to `fenliu estimate-exits` and the measured rates checked against the scenario's own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine.model import Model
from sim.engine.states import ON_PAYROLL, STATE_NAMES
from sim.experiment.storage import atomic_write
from sim.population.roster import roster_frame
from sim.population.table import Population
from sim.scenario.schema import Scenario

# the engine's event that took a person off the payroll, as a roster's exit reason
REASONS = {"retirement": "retired", "death": "died", "quit": "quit", "cleared": "cleared", "dismissed": "dismissed"}
OFF = {name for name, on in zip(STATE_NAMES, ON_PAYROLL, strict=True) if not on}


def _month_text(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def roster_at(
    scenario: Scenario, population: Population, seed: int, month: int, replication: int = 0, exits: bool = False
) -> pd.DataFrame:
    """Replication `replication` of `scenario` run to the end of `month`: its payroll as a roster table.

    With `exits`, people who left the payroll in months 1..`month` are listed too, with `exit_reason`
    (retired, died, quit, cleared, dismissed, or the channel as diverted:CHANNEL) and `exit_date`.
    """
    model = Model(scenario, population, seed, replication, record_events=True)
    for m in range(month + 1):  # as Model.run, stopped at `month`
        model.env.run(until=m + 1)
        model.snapshot(m)
    people = model.people
    on = np.array([ON_PAYROLL[s] for s in people.state], dtype=bool)
    reason: dict[str, tuple[str, int]] = {}
    for when, pid, event, before, after, detail, *_queue in model.log or []:
        if after in OFF and before not in OFF:
            word = f"diverted:{detail}" if event == "diverted" else REASONS.get(event, event)
            reason[pid] = (word, int(when))
    ids = np.asarray(people.ids, dtype=object)  # made once: `People.ids` makes text of 300,000 ids
    keep = on | (np.array([pid in reason for pid in ids.tolist()]) if exits else False)
    idx = np.flatnonzero(keep)
    flags = (
        "female",
        "worker",
        "leader",
        "protected",
    )  # lists of booleans; the rest compact arrays (sim.engine.people)
    attrs = {
        name: np.array(getattr(people, name), dtype=bool if name in flags else np.int64)[idx]
        for name in ("township", "sector", "female", "worker", "leader", "protected", "birth", "entry", "education")
    }
    pop = Population(
        ids=ids[idx],
        salary=np.array(people.salary, dtype=float)[idx],
        appraisal=np.array(people.appraisal, dtype=float)[idx],
        townships=population.townships,
        **attrs,
    )
    frame = roster_frame(pop)
    if exits:
        gone = ~on[idx]
        frame["exit_reason"] = [reason[p][0] if g else "" for p, g in zip(ids[idx], gone, strict=True)]
        frame["exit_date"] = [
            _month_text(model.start_abs + reason[p][1]) if g else "" for p, g in zip(ids[idx], gone, strict=True)
        ]
    return frame


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a roster table as .csv (UTF-8) or .xlsx, atomically."""
    if path.suffix.lower() == ".xlsx":
        atomic_write(path, lambda tmp: frame.to_excel(tmp, index=False, sheet_name="roster", engine="openpyxl"))
    else:
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"))

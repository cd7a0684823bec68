"""`estimate_exits`: read the snapshots, match them, measure exposure and exits, fit, compare, write."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.estimate.exits.fragment import fragment_toml
from sim.estimate.exits.intervals import changes, cohort, entries
from sim.estimate.exits.rates import DEFAULT_EDGES, fine_cells, rate_table
from sim.estimate.exits.retirement import retirement_table
from sim.estimate.exits.snapshots import Snapshot, check_order, month_text, parse_dates, read_snapshot
from sim.experiment.storage import atomic_write, write_csv, write_parquet
from sim.scenario import Scenario, load_scenario
from sim.spreadsheet_cells import neutralise_cell

UNEXPLAINED_CHOICES = ("quit", "censor")
FRAGMENT = "exit_rates.toml"


@dataclass(frozen=True)
class ExitEstimate:
    """What two or more rosters say about exits: rates, the people behind them, and the fragment."""

    rates: pd.DataFrame  # cause × dimension rows: events, person-years, rate, interval, model rate, use
    cohorts: pd.DataFrame  # one row per person and interval at risk, with the outcome
    changes: pd.DataFrame  # township, sector or status changes of people on both payrolls
    entries: pd.DataFrame  # people new (or back) on a later payroll
    retirement: pd.DataFrame  # observed retirements against the statutory rule
    sources: tuple[str, ...]
    dates: tuple[str, ...]
    level: float
    unexplained: str
    scenario_name: str
    settings: dict[str, object] = field(default_factory=dict)

    @property
    def exits(self) -> pd.DataFrame:
        """The people who left between snapshots, with cause, detail, date (if given) and age at exit."""
        return self.cohorts[self.cohorts["outcome"] != "stayed"].reset_index(drop=True)

    def header(self) -> list[str]:
        """The fragment's opening comment: where the rates come from and how they were made."""
        n = len(self.cohorts)
        years = self.cohorts["exposure_years"].sum()
        return [
            f"Exit rates measured by `fenliu estimate-exits` from {len(self.sources)} rosters "
            f"({', '.join(self.dates)}):",
            *(f"  {s}" for s in self.sources),
            f"{n} person-intervals at risk, {years:,.1f} person-years, {len(self.exits)} exits.",
            "death_rate: deaths ('died'); quit_rate: those who left (quit, dismissed, transferred)"
            + (
                " and those who vanished from the roster before reaching the statutory age."
                if self.unexplained == "quit"
                else "; disappearances without a reason are not counted."
            ),
            "Retirement stays the statutory rule of the scenario; diversions are the reform's, not attrition.",
            f"Each band: observed rate where the Poisson model expects ≥ {self.settings.get('min_events')} events, "
            "else the model's (main effects of age band, sex, sector, status).",
        ]

    def fragment(self, extends: str | None = None) -> str:
        """The scenario fragment (TOML): `[attrition]` rates and age bands by sex."""
        return fragment_toml(self.rates, self.header(), extends, self.level)

    def save(self, folder: str | Path, extends: str | Path | None = None) -> Path:
        """Write the tables (CSV and Parquet) and exit_rates.toml into `folder`; returns the fragment's path.

        `extends`: a scenario file the fragment builds on (written relative to the folder).
        """
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise InputError(f"--out {str(folder)!r} exists and is not a folder")
        tables = {
            "rates": self.rates,
            "exits": self.exits,
            "changes": self.changes,
            "entries": self.entries,
            "retirement": self.retirement,
        }
        for name, table in tables.items():
            safe = table.copy()
            for col in safe.columns:
                if not pd.api.types.is_numeric_dtype(safe[col]):
                    safe[col] = safe[col].map(neutralise_cell)
            write_csv(safe, folder / f"{name}.csv")
            write_parquet(table, folder / f"{name}.parquet")
        rel = None
        if extends is not None:
            rel = os.path.relpath(Path(extends).resolve(), folder.resolve()).replace(os.sep, "/")
        text = self.fragment(rel)
        path = folder / FRAGMENT
        atomic_write(path, lambda tmp: _write_text(tmp, text))
        return path


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _edges(age_bands: Sequence[float]) -> tuple[float, ...]:
    inner = sorted({float(a) for a in age_bands if 0 < float(a) < 120})
    if not inner:
        raise InputError(f"--age-bands: expected ages between 0 and 120 that cut the bands, found {list(age_bands)}")
    return (0.0, *inner, 120.0)


def _dates(dates: str | Sequence[str | int], count: int) -> list[int]:
    if isinstance(dates, str):
        return parse_dates(dates, count)
    if all(isinstance(d, int) for d in dates):
        if len(dates) != count:
            raise InputError(f"dates: expected {count}, found {len(dates)}")
        return [int(d) for d in dates]
    return parse_dates(",".join(str(d) for d in dates), count)


def estimate_exits(
    rosters: Sequence[str | Path | Snapshot],
    dates: str | Sequence[str | int] | None = None,
    scenario: Scenario | str | Path | None = None,
    age_bands: Sequence[float] = DEFAULT_EDGES,
    level: float = 0.95,
    min_events: float = 10.0,
    unexplained: str = "quit",
) -> ExitEstimate:
    """Measure exit rates from rosters of the same staff at `dates` (YYYY-MM, oldest first).

    `scenario` gives the statutory retirement rule the retirements are compared with (default: the
    schema's). `unexplained`: 'quit' counts disappearances before the statutory age as quits in the
    fragment, 'censor' leaves them out. Rosters may also be `Snapshot`s already read.
    """
    if len(rosters) < 2:
        raise InputError(f"expected at least two rosters of the same staff, found {len(rosters)}")
    if unexplained not in UNEXPLAINED_CHOICES:
        raise InputError(f"--unexplained: expected one of {', '.join(UNEXPLAINED_CHOICES)}, found {unexplained!r}")
    if not 0 < level < 1:
        raise InputError(f"--level: expected a confidence level between 0 and 1, found {level}")
    edges = _edges(age_bands)
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    scenario = scenario or Scenario()
    snaps: list[Snapshot]
    if all(isinstance(r, Snapshot) for r in rosters):
        snaps = [r for r in rosters if isinstance(r, Snapshot)]
    else:
        if dates is None:
            raise InputError("--dates: expected one month (YYYY-MM) per roster")
        months = _dates(dates, len(rosters))
        for k in range(1, len(months)):
            if months[k] <= months[k - 1]:
                raise InputError(
                    f"--dates: expected months in increasing order, oldest roster first; found "
                    f"{month_text(months[k - 1])} then {month_text(months[k])} ({rosters[k - 1]}, {rosters[k]})"
                )
        snaps = [read_snapshot(r, m) for r, m in zip(rosters, months, strict=True) if not isinstance(r, Snapshot)]
        if len(snaps) != len(rosters):
            raise InputError("expected roster files, or Snapshots already read, not both")
    check_order(snaps)
    att = scenario.attrition
    pairs = list(zip(snaps[:-1], snaps[1:], strict=True))
    cohorts = pd.concat([cohort(a, b, k + 1, att) for k, (a, b) in enumerate(pairs)], ignore_index=True)
    moved = pd.concat([changes(a, b, k + 1) for k, (a, b) in enumerate(pairs)], ignore_index=True)
    new = pd.concat([entries(snaps[: k + 1], snaps[k + 1], k + 1) for k in range(len(pairs))], ignore_index=True)
    cells = fine_cells(cohorts, edges, unexplained)
    rates = rate_table(cells, level, min_events)
    return ExitEstimate(
        rates=rates,
        cohorts=cohorts,
        changes=moved,
        entries=new,
        retirement=retirement_table(cohorts),
        sources=tuple(s.source for s in snaps),
        dates=tuple(month_text(s.date) for s in snaps),
        level=level,
        unexplained=unexplained,
        scenario_name=scenario.name,
        settings={"age_bands": edges, "min_events": min_events},
    )

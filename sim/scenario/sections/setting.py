"""Scenario sections of time and population: calendar, run defaults, township classes, synthetic staff, rosters."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.section import Section, doc
from sim.scenario.sections.common import NonNegFloat, NonNegInt, PosInt, Probability, parse_month


class TimeSection(Section):
    """Calendar and horizon."""

    start: str = doc("Calendar month of model month 0, as 'YYYY-MM'.", "YYYY-MM", default="2005-01")
    horizon_months: PosInt = doc("Months simulated after month 0.", "months", default=120)

    @field_validator("start")
    @classmethod
    def _month(cls, v: str) -> str:
        parse_month(v)
        return v

    @property
    def start_abs(self) -> int:
        """Month 0 as an absolute month count."""
        return parse_month(self.start)


class RunSection(Section):
    """Defaults for a run; the command line overrides them."""

    replications: PosInt = doc("Monte Carlo replications.", "runs", default=20)
    seed: NonNegInt = doc("Root seed of the replications' SeedSequence.", default=20051)


class TownshipClass(Section):
    """One township class (范文4: classes 1-4 set units and leader posts)."""

    name: str = doc("Class name, as rosters' township files refer to it.", default="all")
    share: Probability = doc("Synthetic population: share of townships in this class.", default=1.0)
    staff_admin: NonNegInt = doc(
        "Synthetic: administrative staff actually employed per township.", "people", default=60
    )
    staff_institution: NonNegInt = doc(
        "Synthetic: public-institution (station) staff actually employed per township.", "people", default=80
    )
    staff_temporary: NonNegInt = doc(
        "Synthetic: hired temporaries, borrowed and attached staff per township.", "people", default=15
    )
    establishment_admin: NonNegInt | None = doc(
        "Old administrative establishment per township; empty means equal to the staff employed.", "posts", default=None
    )
    establishment_institution: NonNegInt | None = doc(
        "Old institution establishment per township; empty means equal to the staff employed.", "posts", default=None
    )
    new_establishment_admin: NonNegInt | None = doc(
        "New administrative establishment per township of this class (absolute, 范文4); "
        "empty means old × (1 − reform.cut_admin).",
        "posts",
        default=None,
    )
    new_establishment_institution: NonNegInt | None = doc(
        "New institution establishment per township of this class; empty means old × (1 − reform.cut_institution).",
        "posts",
        default=None,
    )


class SyntheticSection(Section):
    """Aggregates from which a synthetic staff population is drawn."""

    townships: PosInt = doc("Number of townships.", "townships", default=110)
    age_mean: Annotated[float, Field(ge=18, le=70)] = doc("Mean age of staff at month 0.", "years", default=42.7)
    age_sd: NonNegFloat = doc("Standard deviation of age at month 0.", "years", default=8.0)
    age_min: Annotated[float, Field(ge=16, le=70)] = doc("Youngest age drawn.", "years", default=20.0)
    age_max: Annotated[float, Field(ge=16, le=75)] = doc("Oldest age drawn.", "years", default=62.0)
    entry_age_mean: Annotated[float, Field(ge=16, le=60)] = doc(
        "Mean age at entry into service.", "years", default=23.0
    )
    share_female: Probability = doc("Share of women.", default=0.3)
    share_worker: Probability = doc("Share with worker (not cadre) status; sets women's retirement age.", default=0.2)
    share_leader: Probability = doc("Share of administrative staff holding leader posts.", default=0.12)
    share_protected: Probability = doc(
        "Share protected from diversion (e.g. recently placed demobilised soldiers).", default=0.01
    )
    share_secondary_plus: Probability = doc(
        "Share with secondary-school education or above (范文3 Suzhou: 53% before).", default=0.53
    )
    share_college_plus: Probability = doc(
        "Share with college education or above (a subset of the above).", default=0.15
    )
    salary_admin: NonNegFloat = doc("Mean monthly salary, administrative staff.", "yuan/month", default=1500.0)
    salary_institution: NonNegFloat = doc("Mean monthly salary, institution staff.", "yuan/month", default=1200.0)
    salary_temporary: NonNegFloat = doc("Mean monthly pay, temporaries.", "yuan/month", default=700.0)
    salary_sd_share: NonNegFloat = doc("Salary spread as a share of the mean.", "share", default=0.15)
    appraisal_mean: float = doc("Mean appraisal (merit) score.", "points", default=75.0)
    appraisal_sd: NonNegFloat = doc("Spread of appraisal scores.", "points", default=10.0)

    @model_validator(mode="after")
    def _ranges(self) -> SyntheticSection:
        if self.age_min > self.age_max:
            raise ValueError(f"age_min ({self.age_min}) must not exceed age_max ({self.age_max})")
        if self.share_college_plus > self.share_secondary_plus:
            raise ValueError("share_college_plus must not exceed share_secondary_plus")
        return self


class PopulationSection(Section):
    """Where the staff come from: a real-name roster or a synthetic draw."""

    source: Literal["synthetic", "roster"] = doc(
        "'synthetic' draws staff from the aggregates; 'roster' reads a file.", default="synthetic"
    )
    roster: str | None = doc("Roster file (CSV or .xlsx), relative to the scenario file.", "path", default=None)
    townships_file: str | None = doc(
        "Optional CSV of townships (columns township, class, and optionally establishment_admin, "
        "establishment_institution), relative to the scenario file.",
        "path",
        default=None,
    )
    roster_columns: str | None = doc(
        "Optional column map (TOML) for a roster's other header spellings and value words "
        "(docs/roster-format.md), relative to the scenario file.",
        "path",
        default=None,
    )
    synthetic: SyntheticSection = Field(default_factory=SyntheticSection)

    @model_validator(mode="after")
    def _roster_named(self) -> PopulationSection:
        if self.source == "roster" and not self.roster:
            raise ValueError("source = 'roster' needs population.roster (a CSV or .xlsx path)")
        return self

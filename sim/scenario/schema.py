"""The scenario schema: every key a scenario file may hold, with type, default, unit and meaning.

Every section forbids unknown keys and is frozen once built. `docs/scenario-reference.md`
is generated from these classes (`python -m sim.scenario.reference`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
NonNegInt = Annotated[int, Field(ge=0)]
PosInt = Annotated[int, Field(ge=1)]

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def doc(description: str, unit: str = "", **kw: Any) -> Any:
    """A pydantic Field whose description and unit feed the scenario reference."""
    extra = {"unit": unit} if unit else None
    return Field(description=description, json_schema_extra=extra, **kw)


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def parse_month(text: str) -> int:
    """Turn 'YYYY-MM' into an absolute month count (year * 12 + month - 1)."""
    m = _MONTH_RE.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as 'YYYY-MM', found {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


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
    synthetic: SyntheticSection = Field(default_factory=SyntheticSection)

    @model_validator(mode="after")
    def _roster_named(self) -> PopulationSection:
        if self.source == "roster" and not self.roster:
            raise ValueError("source = 'roster' needs population.roster (a CSV or .xlsx path)")
        return self


class AgeBand(Section):
    """Annual death and quit hazards for an age band."""

    age_min: NonNegFloat = doc("Lower age of the band (inclusive).", "years", default=0.0)
    age_max: NonNegFloat = doc("Upper age of the band (exclusive).", "years", default=120.0)
    death_rate: NonNegFloat = doc("Annual death hazard in the band.", "1/year", default=0.0)
    quit_rate: NonNegFloat = doc("Annual quit hazard in the band.", "1/year", default=0.0)


class AttritionSection(Section):
    """Natural attrition: statutory retirement, deaths and quits."""

    retirement: bool = doc("Retire people at the statutory age.", default=True)
    retirement_age_male: Annotated[float, Field(ge=40, le=75)] = doc(
        "Statutory retirement age, men.", "years", default=60
    )
    retirement_age_female_cadre: Annotated[float, Field(ge=40, le=75)] = doc(
        "Statutory retirement age, women cadres.", "years", default=55
    )
    retirement_age_female_worker: Annotated[float, Field(ge=40, le=75)] = doc(
        "Statutory retirement age, women workers.", "years", default=50
    )
    phased_raise: bool = doc("Apply the phased raise of retirement ages (NPC decision, Sept 2024).", default=False)
    raise_start: str = doc("Month the phased raise begins.", "YYYY-MM", default="2025-01")
    raise_male_months: NonNegInt = doc("Total raise for men.", "months", default=36)
    raise_female_cadre_months: NonNegInt = doc("Total raise for women cadres.", "months", default=36)
    raise_female_worker_months: NonNegInt = doc("Total raise for women workers.", "months", default=60)
    raise_span_months: PosInt = doc("Months over which the full raise phases in.", "months", default=180)
    death_rate: NonNegFloat = doc("Annual death hazard (used where no age band applies).", "1/year", default=0.003)
    quit_rate: NonNegFloat = doc("Annual quit hazard (used where no age band applies).", "1/year", default=0.01)
    age_bands: tuple[AgeBand, ...] = doc(
        "Optional hazards by age band; they replace the flat rates inside their bands.", default=()
    )

    @field_validator("raise_start")
    @classmethod
    def _month(cls, v: str) -> str:
        parse_month(v)
        return v

    @model_validator(mode="after")
    def _bands(self) -> AttritionSection:
        for k, band in enumerate(self.age_bands):
            if band.age_min >= band.age_max:
                raise ValueError(f"age_bands[{k}]: age_min ({band.age_min}) must be below age_max ({band.age_max})")
        return self


class MeritWeights(Section):
    """Weights of the merit score used in competitive posting."""

    appraisal: float = doc("Weight on the standardised appraisal score.", default=1.0)
    education: float = doc("Weight on the standardised education level.", default=0.0)
    youth: float = doc("Weight on standardised youth (minus age): positive favours the young.", default=0.0)
    noise: NonNegFloat = doc("Standard deviation of the random part of the score (interviews, luck).", default=0.5)


class ReformSection(Section):
    """The reform: new establishment, competitive posting and the drive's deadline."""

    enabled: bool = doc("Carry out the reform (false gives the no-reform counterfactual).", default=True)
    month: NonNegInt = doc("Model month in which the new establishment takes effect.", "month", default=12)
    deadline_month: NonNegInt = doc("Model month that ends the active diversion drive.", "month", default=29)
    cut_admin: Probability = doc(
        "Cut of the administrative establishment, as a share of the old one.", "share", default=0.10
    )
    cut_institution: Probability = doc(
        "Cut of the institution establishment, as a share of the old one.", "share", default=0.30
    )
    clear_temporaries: bool = doc("Clear hired temporaries at the reform (无条件清退).", default=True)
    selection_rule: Literal["merit", "seniority", "random"] = doc(
        "How competitive posting ranks candidates: merit score, years of service, or at random.", default="merit"
    )
    joint_posting: bool = doc(
        "Administrative posts open to institution staff too "
        "(one joint ranking; the losers compete for institution posts).",
        default=False,
    )
    merit: MeritWeights = Field(default_factory=MeritWeights)
    leaders_kept: bool = doc("Holders of leader posts keep a post whatever their rank.", default=False)
    protection_months: NonNegInt = doc(
        "Months after the reform during which protected people are not diverted.", "months", default=24
    )

    @model_validator(mode="after")
    def _deadline(self) -> ReformSection:
        if self.deadline_month < self.month:
            raise ValueError(f"deadline_month ({self.deadline_month}) must not be before month ({self.month})")
        return self


class HiringSection(Section):
    """'Only exit, no entry' and the refilling of vacancies."""

    freeze_months: NonNegInt = doc(
        "Months after the reform with no hire at all, whatever the headcount (范文6: 60, five years).",
        "months",
        default=0,
    )
    refill_lag_months: NonNegInt = doc("Months from a vacancy to the hire that fills it.", "months", default=3)
    replacement_ratio: NonNegFloat = doc(
        "Hires per vacancy once under establishment (1 = one for one, 0.2 = one per five leavers).",
        "hires/vacancy",
        default=1.0,
    )
    pre_reform_replacement: NonNegFloat = doc(
        "Hires per leaver before the reform and in the no-reform counterfactual.", "hires/leaver", default=1.0
    )
    hire_age_mean: Annotated[float, Field(ge=16, le=60)] = doc("Mean age of new hires.", "years", default=25.0)
    hire_age_sd: NonNegFloat = doc("Spread of the age of new hires.", "years", default=3.0)
    hire_share_secondary_plus: Probability = doc("Share of new hires with secondary education or above.", default=0.9)
    hire_share_college_plus: Probability = doc("Share of new hires with college education or above.", default=0.5)
    hire_share_female: Probability = doc("Share of women among new hires.", default=0.4)

    @model_validator(mode="after")
    def _shares(self) -> HiringSection:
        if self.hire_share_college_plus > self.hire_share_secondary_plus:
            raise ValueError("hire_share_college_plus must not exceed hire_share_secondary_plus")
        return self


class OutputSection(Section):
    """What a run records beyond the monthly table."""

    events: bool = doc("Record the per-person event log (the real-name audit trail).", default=False)


class Scenario(Section):
    """A complete, validated scenario."""

    name: str = doc("Short name; the default output folder is results/<name>/.", default="scenario")
    description: str = doc("One line on what the scenario represents.", default="")
    time: TimeSection = Field(default_factory=TimeSection)
    run: RunSection = Field(default_factory=RunSection)
    population: PopulationSection = Field(default_factory=PopulationSection)
    township_classes: tuple[TownshipClass, ...] = doc(
        "Township classes with staff and establishment per township.", default=(TownshipClass(),)
    )
    attrition: AttritionSection = Field(default_factory=AttritionSection)
    reform: ReformSection = Field(default_factory=ReformSection)
    hiring: HiringSection = Field(default_factory=HiringSection)
    output: OutputSection = Field(default_factory=OutputSection)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if not self.township_classes:
            raise ValueError("township_classes needs at least one class")
        names = [c.name for c in self.township_classes]
        if len(set(names)) != len(names):
            raise ValueError(f"township_classes: class names must be unique, found {names}")
        total = sum(c.share for c in self.township_classes)
        if self.population.source == "synthetic" and abs(total - 1.0) > 1e-6:
            raise ValueError(f"township_classes: shares must add up to 1, found {total:g}")
        if self.reform.enabled and self.reform.deadline_month > self.time.horizon_months:
            raise ValueError(
                f"reform.deadline_month ({self.reform.deadline_month}) lies beyond time.horizon_months "
                f"({self.time.horizon_months})"
            )
        return self

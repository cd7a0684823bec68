"""The scenario schema: the Scenario root and its cross-key rules, with every section re-exported.

The sections live in `sim.scenario.sections` (one module per part of the model); import them
from here. Every section forbids unknown keys and is frozen once built. `docs/scenario-reference.md`
is generated from these classes (`python -m sim.scenario.reference`).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.section import Name, Section, doc
from sim.scenario.sections.channels import (
    CHANNEL_DEFAULTS,
    CHANNEL_IDS,
    CHANNEL_MODELS,
    ChannelId,
    ChannelSection,
    ChannelsSection,
    DiversionSection,
    EarlyRetirementChannel,
    EducationName,
    EnterpriseChannel,
    InstitutionVacancyChannel,
    PoliceChannel,
    ResignationChannel,
    TeacherChannel,
    TerminationChannel,
)
from sim.scenario.sections.common import (
    PAYERS,
    NonNegFloat,
    NonNegInt,
    Payer,
    PosInt,
    Probability,
    PublicPayer,
    parse_month,
)
from sim.scenario.sections.counties import CountySection, GeographySection
from sim.scenario.sections.flows import AgeBand, AttritionSection, HiringSection, ReboundSection, TrainingSection
from sim.scenario.sections.money import Contributor, FiscalSection, MoneySection, PoolSection
from sim.scenario.sections.reform import MeritWeights, ReformSection
from sim.scenario.sections.setting import PopulationSection, RunSection, SyntheticSection, TimeSection, TownshipClass

__all__ = [
    "CHANNEL_DEFAULTS",
    "CHANNEL_IDS",
    "CHANNEL_MODELS",
    "PAYERS",
    "AgeBand",
    "AttritionSection",
    "ChannelId",
    "ChannelSection",
    "ChannelsSection",
    "Contributor",
    "CountySection",
    "DiversionSection",
    "EarlyRetirementChannel",
    "EducationName",
    "EnterpriseChannel",
    "FiscalSection",
    "GeographySection",
    "HiringSection",
    "InstitutionVacancyChannel",
    "MeritWeights",
    "MoneySection",
    "Name",
    "NonNegFloat",
    "NonNegInt",
    "OutputSection",
    "Payer",
    "PoliceChannel",
    "PoolSection",
    "PopulationSection",
    "PosInt",
    "Probability",
    "PublicPayer",
    "ReboundSection",
    "ReformSection",
    "ResignationChannel",
    "RunSection",
    "Scenario",
    "Section",
    "SyntheticSection",
    "TeacherChannel",
    "TerminationChannel",
    "TimeSection",
    "TownshipClass",
    "TrainingSection",
    "doc",
    "parse_month",
]


class OutputSection(Section):
    """What a run records beyond the monthly table."""

    events: bool = doc("Record the per-person event log (the real-name audit trail).", default=False)


class Scenario(Section):
    """A complete, validated scenario."""

    name: Name = doc("Short name; the default output folder is results/<name>/.", default="scenario")
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
    channels: ChannelsSection = Field(default_factory=ChannelsSection)
    diversion: DiversionSection = Field(default_factory=DiversionSection)
    pool: PoolSection = Field(default_factory=PoolSection)
    money: MoneySection = Field(default_factory=MoneySection)
    fiscal: FiscalSection = Field(default_factory=FiscalSection)
    rebound: ReboundSection = Field(default_factory=ReboundSection)
    training: TrainingSection = Field(default_factory=TrainingSection)
    output: OutputSection = Field(default_factory=OutputSection)
    geography: GeographySection = Field(default_factory=GeographySection)
    counties: tuple[CountySection, ...] = doc(
        "Counties of a province, each with its townships, pool and places (empty: one county, the whole scenario).",
        default=(),
    )

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
        for k, c in enumerate(self.pool.contributors):
            if c.first_month > self.time.horizon_months:
                raise ValueError(
                    f"pool.contributors.{k}.first_month ({c.first_month}, contributor {c.name!r}) lies beyond "
                    f"time.horizon_months ({self.time.horizon_months})"
                )
        if self.reform.enabled and self.reform.deadline_month > self.time.horizon_months:
            raise ValueError(
                f"reform.deadline_month ({self.reform.deadline_month}) lies beyond time.horizon_months "
                f"({self.time.horizon_months})"
            )
        check_counties(self)
        return self


def check_counties(scenario: Scenario) -> None:
    """The counties fit the scenario: unique names, deadlines in range, townships adding up."""
    counties, synthetic = scenario.counties, scenario.population.synthetic
    if counties and scenario.geography.counties:
        raise ValueError("list [[counties]] or draw geography.counties, not both")
    names = [c.name for c in counties]
    if len(set(names)) != len(names):
        raise ValueError(f"counties: names must be unique, found {names}")
    for k, c in enumerate(counties):
        horizon = scenario.time.horizon_months
        if c.deadline_month is not None and not scenario.reform.month <= c.deadline_month <= horizon:
            raise ValueError(
                f"counties.{k}.deadline_month ({c.deadline_month}, county {c.name!r}) must lie from reform.month "
                f"({scenario.reform.month}) to time.horizon_months ({scenario.time.horizon_months})"
            )
        for j, contributor in enumerate(c.pool.contributors if c.pool is not None else ()):
            if contributor.first_month > scenario.time.horizon_months:
                raise ValueError(
                    f"counties.{k}.pool.contributors.{j}.first_month ({contributor.first_month}) lies beyond "
                    f"time.horizon_months ({scenario.time.horizon_months})"
                )
    total = sum(c.townships for c in counties)
    if counties and scenario.population.source == "synthetic" and total != synthetic.townships:
        raise ValueError(
            f"counties: their townships add up to {total}, but population.synthetic.townships is "
            f"{synthetic.townships}; make them equal"
        )

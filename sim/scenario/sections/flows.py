"""Scenario sections of staff flows: attrition (age bands), hiring, rebound and in-service training."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.section import Section, doc
from sim.scenario.sections.common import NonNegFloat, NonNegInt, PosInt, Probability, parse_month


class AgeBand(Section):
    """Annual death and quit hazards for an age band (of one sex, or of both)."""

    age_min: NonNegFloat = doc("Lower age of the band (inclusive).", "years", default=0.0)
    age_max: NonNegFloat = doc("Upper age of the band (exclusive).", "years", default=120.0)
    death_rate: NonNegFloat = doc("Annual death hazard in the band.", "1/year", default=0.0)
    quit_rate: NonNegFloat = doc("Annual quit hazard in the band.", "1/year", default=0.0)
    sex: Literal["any", "male", "female"] = doc(
        "Whom the band applies to: everyone, or only men or only women (the first band that fits a "
        "person's age and sex applies).",
        default="any",
    )


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
    raise_male_step_months: PosInt = doc(
        "Men retire one month later for every this many months their original date falls after raise_start.",
        "months",
        default=4,
    )
    raise_female_cadre_step_months: PosInt = doc("The same step for women cadres.", "months", default=4)
    raise_female_worker_step_months: PosInt = doc("The same step for women workers.", "months", default=2)
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


class ReboundSection(Section):
    """The three rebound mechanisms: return flow, over-establishment hiring, and the cycle they make."""

    enforcement: Probability = doc(
        "Strength of enforcement: lowers petition success and approval of hires over establishment; "
        "raises inspection detection. 1 blocks both.",
        default=0.5,
    )
    return_success: Probability = doc(
        "Probability that a return petition (回流) succeeds without enforcement.", default=0.5
    )
    max_petitions: Annotated[int, Field(ge=0, le=4)] = doc("Petitions a diverted person makes at most.", default=3)
    anti_rebound_months: NonNegInt = doc(
        "No petition succeeds within this many months of leaving (repay-and-wait rules: UK 12, US 60).",
        "months",
        default=0,
    )
    request_rate: NonNegFloat = doc(
        "Over-establishment hiring requests (超编进人) per township per year, at the pre-reform workload.",
        "1/year",
        default=0.5,
    )
    workload_elasticity: NonNegFloat = doc(
        "Requests scale with (staff on the payroll at the reform / on the payroll now) to this power.", default=1.0
    )
    after_freeze_multiplier: NonNegFloat = doc(
        "Request rate multiplier once a fixed hiring freeze (hiring.freeze_months > 0) has ended; "
        "no effect without one.",
        default=2.0,
    )
    inspection_interval_months: NonNegInt = doc("Months between inspections (0: none).", "months", default=12)
    inspection_detection: Probability = doc(
        "Share of standing illegal hires an inspection finds and undoes without enforcement.", default=0.3
    )


class TrainingSection(Section):
    """In-service education (在职学历): staff in post earning a secondary diploma."""

    diploma_rate: NonNegFloat = doc(
        "Annual hazard that a person in post below secondary education earns a secondary diploma.",
        "1/year",
        default=0.0,
    )
    start_month: NonNegInt = doc("Model month from which diplomas are earned.", "month", default=0)

"""Scenario sections of the reform: new establishment, competitive posting (merit weights) and the deadline."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.section import Section, doc
from sim.scenario.sections.common import NonNegFloat, NonNegInt, Probability


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
    recruits_admin_share: Probability = doc(
        "Share of each township's new administrative establishment filled at the reform by recruits from outside "
        "(graduates by open examination); the rest go to competitive posting.",
        "share",
        default=0.0,
    )
    recruits_institution_share: Probability = doc(
        "The same for the new institution establishment.", "share", default=0.0
    )
    recruit_age_mean: Annotated[float, Field(ge=16, le=60)] = doc("Mean age of recruits.", "years", default=24.0)
    recruit_share_secondary_plus: Probability = doc("Share of recruits with secondary education or above.", default=1.0)
    recruit_share_college_plus: Probability = doc("Share of recruits with college education or above.", default=0.6)
    protection_months: NonNegInt = doc(
        "Months after the reform during which protected people are not diverted.", "months", default=24
    )

    @model_validator(mode="after")
    def _deadline(self) -> ReformSection:
        if self.deadline_month < self.month:
            raise ValueError(f"deadline_month ({self.deadline_month}) must not be before month ({self.month})")
        return self

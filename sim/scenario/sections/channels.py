"""Scenario sections of the diversion channels: the seven channels, their defaults, and how surplus chooses."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, create_model, field_validator, model_validator
from pydantic.fields import FieldInfo

from sim.scenario.section import Section, doc
from sim.scenario.sections.common import NonNegFloat, NonNegInt, Probability, PublicPayer

CHANNEL_IDS = (
    "teacher",
    "early_retirement",
    "resignation",
    "termination",
    "institution_vacancy",
    "enterprise",
    "police",
)
ChannelId = Literal[
    "teacher", "early_retirement", "resignation", "termination", "institution_vacancy", "enterprise", "police"
]
EducationName = Literal["primary", "junior", "secondary", "college", "university"]


class ChannelSection(Section):
    """One diversion channel: who may take it, how many places, what it costs and who pays."""

    open: bool = doc("Whether the channel takes people.", default=True)
    age_min: NonNegFloat = doc("Eligibility: youngest age.", "years", default=0.0)
    age_max: NonNegFloat = doc("Eligibility: oldest age.", "years", default=100.0)
    max_years_to_retirement: NonNegFloat | None = doc(
        "Eligibility: at most this many years before the statutory retirement age (empty: no limit).",
        "years",
        default=None,
    )
    min_education: EducationName = doc("Eligibility: lowest education level.", default="primary")
    min_service_years: NonNegFloat = doc("Eligibility: fewest years of service.", "years", default=0.0)
    sex: Literal["any", "male", "female"] = doc("Eligibility by sex where the rules differ.", default="any")
    status: Literal["any", "cadre", "worker"] = doc("Eligibility by cadre/worker status.", default="any")
    sectors: tuple[Literal["admin", "institution", "temporary"], ...] = doc(
        "Eligibility: sectors whose surplus may take the channel.", default=("admin", "institution")
    )
    places_per_year: NonNegInt | None = doc(
        "Places released each year (empty: unlimited). Unused places lapse at the next release. "
        "Ignored by institution_vacancy, whose places are the vacancies below institution establishment.",
        "places/year",
        default=None,
    )
    release_month: Annotated[int, Field(ge=1, le=12)] = doc(
        "Calendar month (1-12) in which each year's places are released; the first release is the first "
        "such month at or after the reform.",
        "month of year",
        default=1,
    )
    allocation: Literal["merit", "first_come"] = doc(
        "Who gets a scarce place: best competitive-posting score first (择优) or first come.", default="merit"
    )
    acceptance: Probability = doc("Probability that an eligible person accepts the channel.", default=0.5)
    exam_pass_rate: Probability = doc("Probability of passing the channel's exam (1: no exam).", default=1.0)
    lead_time_months: NonNegInt = doc("Months from getting a place and the money to leaving.", "months", default=1)
    severance_months_per_year: NonNegFloat = doc(
        "One-time severance: months of salary per year of service.", "months/year", default=0.0
    )
    severance_cap_months: NonNegFloat | None = doc("Cap on severance (empty: none).", "months", default=None)
    fixed_payment: NonNegFloat = doc("One-time fixed payment per person.", "yuan", default=0.0)
    pension_buyin_rate: Probability = doc(
        "Pension-insurance buy-in: contribution rate × salary × deemed years (evidence: employer 20%).",
        "share",
        default=0.0,
    )
    pension_buyin_years: NonNegFloat | None = doc(
        "Deemed years of service for the buy-in (empty: the person's actual years of service).", "years", default=None
    )
    placement_subsidy: NonNegFloat = doc("One-time placement or start-up subsidy per person.", "yuan", default=0.0)
    recurring_share: NonNegFloat = doc(
        "Recurring pay after leaving as a share of salary (early-retirement pay; 1 for salary moved to another "
        "budget; 0 for none).",
        "share",
        default=0.0,
    )
    recurring_payer: PublicPayer = doc(
        "Who pays the recurring pay (institution_vacancy: the township's institution payroll).", default="township"
    )
    one_time_payer: Literal["pool"] = doc("One-time costs are paid from the severance pool.", default="pool")
    return_hazard: Probability = doc(
        "Monthly probability that a person diverted through this channel petitions to return (回流).",
        "1/month",
        default=0.0,
    )

    @model_validator(mode="after")
    def _bands(self) -> ChannelSection:
        if self.age_min > self.age_max:
            raise ValueError(f"age_min ({self.age_min}) must not exceed age_max ({self.age_max})")
        return self


CHANNEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "teacher": dict(
        places_per_year=150,
        acceptance=0.3,
        exam_pass_rate=0.6,
        min_education="secondary",
        age_max=45.0,
        lead_time_months=2,
        recurring_share=1.0,
        recurring_payer="education",
    ),
    "early_retirement": dict(
        max_years_to_retirement=5.0,
        min_service_years=20.0,
        acceptance=0.6,
        lead_time_months=1,
        recurring_share=0.8,
        recurring_payer="township",
        allocation="first_come",
    ),
    "resignation": dict(
        acceptance=0.15,
        severance_months_per_year=1.0,
        severance_cap_months=24.0,
        lead_time_months=1,
        allocation="first_come",
        return_hazard=0.003,
    ),
    "termination": dict(
        acceptance=0.1,
        severance_months_per_year=1.0,
        severance_cap_months=24.0,
        pension_buyin_rate=0.2,
        lead_time_months=2,
        allocation="first_come",
        return_hazard=0.002,
    ),
    "institution_vacancy": dict(
        acceptance=0.8,
        sectors=("admin",),
        lead_time_months=1,
        recurring_share=1.0,
        recurring_payer="township",
    ),
    "enterprise": dict(
        places_per_year=200,
        acceptance=0.3,
        placement_subsidy=5000.0,
        lead_time_months=2,
        return_hazard=0.005,
    ),
    "police": dict(
        places_per_year=40,
        acceptance=0.3,
        exam_pass_rate=0.3,
        age_max=35.0,
        min_education="secondary",
        lead_time_months=3,
        recurring_share=1.0,
        recurring_payer="public_security",
    ),
}


def _channel_model(cid: str) -> type[ChannelSection]:
    """A ChannelSection subclass whose defaults are this channel's (so a file may set one key only)."""
    fields: dict[str, Any] = {}
    for key, value in CHANNEL_DEFAULTS[cid].items():
        info = ChannelSection.model_fields[key]
        fields[key] = (info.annotation, FieldInfo.merge_field_infos(info, default=value))
    name = "".join(part.title() for part in cid.split("_")) + "Channel"
    return create_model(name, __base__=ChannelSection, __doc__=f"The {cid} channel.", **fields)


CHANNEL_MODELS = {cid: _channel_model(cid) for cid in CHANNEL_IDS}


TeacherChannel = CHANNEL_MODELS["teacher"]
EarlyRetirementChannel = CHANNEL_MODELS["early_retirement"]
ResignationChannel = CHANNEL_MODELS["resignation"]
TerminationChannel = CHANNEL_MODELS["termination"]
InstitutionVacancyChannel = CHANNEL_MODELS["institution_vacancy"]
EnterpriseChannel = CHANNEL_MODELS["enterprise"]
PoliceChannel = CHANNEL_MODELS["police"]


class ChannelsSection(Section):
    """The seven channels of 范文3 (Suzhou). Defaults rest on evidence.md; see docs/scenario-reference.md."""

    teacher: TeacherChannel = Field(default_factory=TeacherChannel)  # type: ignore[valid-type]
    early_retirement: EarlyRetirementChannel = Field(default_factory=EarlyRetirementChannel)  # type: ignore[valid-type]
    resignation: ResignationChannel = Field(default_factory=ResignationChannel)  # type: ignore[valid-type]
    termination: TerminationChannel = Field(default_factory=TerminationChannel)  # type: ignore[valid-type]
    institution_vacancy: InstitutionVacancyChannel = Field(  # type: ignore[valid-type]
        default_factory=InstitutionVacancyChannel
    )
    enterprise: EnterpriseChannel = Field(default_factory=EnterpriseChannel)  # type: ignore[valid-type]
    police: PoliceChannel = Field(default_factory=PoliceChannel)  # type: ignore[valid-type]

    def get(self, cid: str) -> ChannelSection:
        """The channel with id `cid`."""
        return getattr(self, cid)


class DiversionSection(Section):
    """How surplus people choose among channels and what happens to those left over."""

    order: tuple[ChannelId, ...] = doc(
        "Scenario-wide order of preference among the channels (ids; channels left out are never tried).",
        default=CHANNEL_IDS,
    )
    preference_noise: NonNegFloat = doc(
        "Spread of person-level random weights on the order (0: everyone follows the order).", default=0.5
    )
    adverse_selection: float = doc(
        "Weight of merit on preferring the exit channels (resignation, termination, enterprise): positive means "
        "the most employable take severance and leave (Rama 1997).",
        default=0.0,
    )
    patience_months: NonNegInt = doc(
        "Months a person waits for a place in one channel before trying the next (0: as long as it takes).",
        "months",
        default=6,
    )
    retry_months: NonNegInt = doc(
        "Months after which someone who ran out of channels tries them all again (0: never).", "months", default=12
    )
    surplus_state: Literal["awaiting", "rotating"] = doc(
        "State of the surplus after posting: awaiting diversion on an allowance, or on rotating shifts (轮流坐班).",
        default="awaiting",
    )
    rotating_share: Probability = doc(
        "With surplus_state 'awaiting': share of townships that put their surplus on rotating shifts instead "
        "(范文4: some stations rotated), drawn per township.",
        "share",
        default=0.0,
    )
    no_channel: Literal["awaiting", "rotating"] = doc("Where someone with no channel left stays.", default="awaiting")
    after_deadline: Literal["keep_queueing", "stay_awaiting", "rotate"] = doc(
        "What happens at reform.deadline_month to surplus still waiting: keep queueing, stop and stay awaiting, "
        "or stop and go on rotating shifts.",
        default="keep_queueing",
    )
    repost_on_vacancy: bool = doc(
        "A post freed in a township sector goes to the best of its surplus staff before any hire.", default=True
    )
    allowance_share: NonNegFloat = doc(
        "Living allowance of people awaiting, as a share of salary.", "share", default=0.7
    )
    rotating_pay_share: NonNegFloat = doc(
        "Pay of people on rotating shifts, as a share of salary.", "share", default=0.85
    )

    @field_validator("order")
    @classmethod
    def _unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError(f"channel ids must not repeat, found {list(v)}")
        return v

"""The scenario schema: every key a scenario file may hold, with type, default, unit and meaning.

Every section forbids unknown keys and is frozen once built. `docs/scenario-reference.md`
is generated from these classes (`python -m sim.scenario.reference`).
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, Literal, cast

from pydantic import Field, create_model, field_validator, model_validator
from pydantic.fields import FieldInfo

from sim.scenario.section import Name, Section, doc

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
NonNegInt = Annotated[int, Field(ge=0)]
PosInt = Annotated[int, Field(ge=1)]

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@functools.cache
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
PAYERS = ("township", "county", "education", "public_security", "higher_level", "pension_system", "unit_individual")
Payer = Literal[
    "township", "county", "education", "public_security", "higher_level", "pension_system", "unit_individual"
]
PublicPayer = Literal["township", "county", "education", "public_security", "higher_level", "pension_system"]


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


class Contributor(Section):
    """One contributor to the severance pool (四个一点: one of the four parts)."""

    name: str = doc("Contributor name (a column pool_contributed_<name> is written).", default="contributor")
    payer: Payer = doc("The payer this contributor's money counts against in the ledger.", default="higher_level")
    amount: NonNegFloat = doc("Yuan per payment.", "yuan", default=0.0)
    schedule: Literal["once", "monthly", "yearly"] = doc("How often it pays.", default="once")
    first_month: NonNegInt = doc("Model month of the first payment.", "month", default=12)
    payments: PosInt = doc("Number of payments (for monthly and yearly schedules).", default=1)
    delay_months: NonNegInt = doc("Fixed delay added to every payment.", "months", default=0)
    late_probability: Probability = doc("Probability that a payment comes late.", default=0.0)
    late_months: NonNegInt = doc("Extra delay of a late payment.", "months", default=6)
    shortfall_probability: Probability = doc("Probability that a payment is only partly made.", default=0.0)
    shortfall_share: Probability = doc("Share paid when a payment falls short.", "share", default=0.5)


def _four_parts() -> tuple[Contributor, ...]:
    return tuple(
        Contributor(name=name, payer=cast(PublicPayer, name), amount=amount, schedule="once", first_month=12)
        for name, amount in (
            ("higher_level", 3_000_000.0),
            ("county", 2_000_000.0),
            ("township", 1_000_000.0),
            ("unit_individual", 500_000.0),
        )
    )


class PoolSection(Section):
    """The severance funding pool (补偿金): a SimPy container in yuan."""

    unlimited: bool = doc("Money is never short (one-time costs are still counted).", default=False)
    initial_balance: NonNegFloat = doc("Yuan in the pool at month 0.", "yuan", default=0.0)
    initial_payer: Payer = doc("Payer the initial balance counts against.", default="county")
    top_up_payer: PublicPayer = doc("Payer of the top-ups when the pool is unlimited.", default="county")
    discipline: Literal["strict", "first_fit", "smallest_first"] = doc(
        "Order in which waiting requests are paid: strict (first come; a request the balance cannot cover "
        "blocks those behind it), first_fit (first come, skipping requests the balance cannot cover) or "
        "smallest_first (the most people paid from the money there is; docs/model.md says why it is the default).",
        default="smallest_first",
    )
    contributors: tuple[Contributor, ...] = doc(
        "Named contributors; by default the four parts of 范文2 (Hanshou raised just over 6 million yuan).",
        default_factory=_four_parts,
    )

    @model_validator(mode="after")
    def _names(self) -> PoolSection:
        names = [c.name for c in self.contributors]
        if len(set(names)) != len(names):
            raise ValueError(f"contributor names must be unique, found {names}")
        bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9_]+", n) or n == "top_up"]
        if bad:
            raise ValueError(
                f"contributor names must be letters, digits and underscores, and not 'top_up' (reserved), found {bad}"
            )
        return self


class CountySection(Section):
    """One county (county-level city or district): its townships and what it sets apart from the province.

    Every key left out takes the province-wide value; money and places the county does not set are
    the province's, shared among counties by their staff at month 0 (docs/scenarios.md).
    """

    name: str = doc("County name (the unit of by_county.parquet).", default="county")
    townships: PosInt = doc(
        "Townships of the county: the next this many townships of the population, in order.", "townships", default=1
    )
    pool: PoolSection | None = doc(
        "The county's own severance pool and contributors (四个一点); empty: the province's pool, each amount "
        "times the county's share of the province's staff.",
        default=None,
    )
    places: dict[ChannelId, NonNegInt] | None = doc(
        "The county's own places per year by channel (teacher, police, enterprise placements); channels left out: "
        "the province's places_per_year shared by staff (largest remainder). Institution vacancies are always the "
        "county's own.",
        default=None,
    )
    cut_admin: Probability | None = doc("The county's own administrative cut (empty: reform.cut_admin).", default=None)
    cut_institution: Probability | None = doc(
        "The county's own institution cut (empty: reform.cut_institution).", default=None
    )
    deadline_month: NonNegInt | None = doc(
        "The county's own deadline of the drive (empty: reform.deadline_month).", "month", default=None
    )
    after_deadline: Literal["keep_queueing", "stay_awaiting", "rotate"] | None = doc(
        "The county's own enforcement at its deadline (empty: diversion.after_deadline).", default=None
    )


class GeographySection(Section):
    """Counties drawn synthetically (when the scenario does not list them under [[counties]])."""

    counties: NonNegInt = doc(
        "Number of counties the townships are split into, in order (0: the [[counties]] listed, or one county; "
        "never more than there are townships).",
        default=0,
    )
    townships_spread: NonNegFloat = doc(
        "Spread (coefficient of variation) of townships per county; 0 splits them evenly.", "share", default=0.0
    )
    seed: NonNegInt = doc("Seed of the draw of county sizes (fixed, apart from the run's seed).", default=0)


class MoneySection(Section):
    """The ledger: salaries, who pays them, growth and discounting; and the counterfactual."""

    wage_growth: Annotated[float, Field(gt=-1.0)] = doc(
        "Yearly salary growth (applied each January of model time).", "1/year", default=0.05
    )
    discount_rate: Annotated[float, Field(gt=-1.0)] = doc(
        "Yearly discount rate for net present values (must be above −100%).", "1/year", default=0.03
    )
    payer_admin_salary: PublicPayer = doc("Who pays administrative salaries.", default="township")
    payer_institution_salary: PublicPayer = doc("Who pays institution salaries.", default="township")
    payer_temporary_pay: PublicPayer = doc("Who pays temporaries.", default="township")
    payer_allowance: PublicPayer = doc("Who pays the allowance of people awaiting diversion.", default="township")
    payer_rotating: PublicPayer = doc("Who pays people on rotating shifts.", default="township")
    counterfactual: bool = doc(
        "Run the no-reform counterfactual beside each replication (same people, same draws) for savings and payback.",
        default=True,
    )
    retirement_pay_share: Annotated[float, Field(ge=0.0, le=2.0)] = doc(
        "Budget-funded retirement pay (退休费) as a share of salary, owed from the statutory retirement month to "
        "the horizon to establishment staff who retire from the payroll or from a channel that keeps them in "
        "public employment (not to those who left through resignation, termination or enterprise).",
        "share",
        default=0.8,
    )
    payer_retirement_pay: Literal["county", "higher_level", "pension_system"] = doc(
        "Who pays the retirement pay of township staff (teachers and police: their new budget).", default="county"
    )


class FiscalSection(Section):
    """Township fiscal capacity, transfers withheld from laggards (范文4), and debt (范文6)."""

    own_revenue: NonNegFloat = doc("Own revenue per township per month.", "yuan/month", default=20_000.0)
    transfers: NonNegFloat = doc("Transfer payments per township per month.", "yuan/month", default=180_000.0)
    withhold_share: Probability = doc(
        "Share of transfers withheld each month from the deadline on while a township is over establishment.",
        "share",
        default=0.0,
    )
    initial_debt: NonNegFloat = doc("Debt per township at month 0 (2006 average ≈ 4 million).", "yuan", default=0.0)
    index: Literal["wage", "fixed", "rate"] = doc(
        "How own revenue and transfers grow: with the wage index, frozen in nominal terms, or at `growth` a year.",
        default="wage",
    )
    growth: Annotated[float, Field(gt=-1.0)] = doc(
        "Yearly growth of own revenue and transfers when index = rate (each January).", "1/year", default=0.0
    )


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

"""The province's counties: listed one by one, or drawn; each with its own pool, places, cut and deadline."""

from __future__ import annotations

from typing import Literal

from sim.scenario.section import Section, doc
from sim.scenario.sections.channels import ChannelId
from sim.scenario.sections.common import NonNegFloat, NonNegInt, PosInt, Probability
from sim.scenario.sections.money import PoolSection


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

"""Scenario sections of money: the severance pool and its contributors, the ledger, township finance."""

from __future__ import annotations

import re
from typing import Annotated, Literal, cast

from pydantic import Field, model_validator

from sim.scenario.section import Section, doc
from sim.scenario.sections.common import NonNegFloat, NonNegInt, Payer, PosInt, Probability, PublicPayer


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

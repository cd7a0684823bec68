"""The cost ledger: every month's cash flows by component and by payer, and township finances.

Recurring costs are kept as running monthly rates (at month-0 salary levels) that change
only when a person changes state, so a month's cost is rate × wage index, with no pass
over everyone. One-time costs are booked in the month they are paid, charged to the payers as the pool
drew the payment from their money (`sim.engine.pool`: pro rata to what each still has there).
Budget-funded retirement pay (`retirement_pay`) runs from the statutory retirement month to
the horizon for those `funds.retirement_payer` names: the budget stops owing it to people who
left public employment with a pension buy-in, so the counterfactual shows the saving.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.funds import fiscal_index, retirement_payer
from sim.engine.states import AWAITING, DIVERTED, IN_POST, RETIRED, ROTATING
from sim.population.table import ADMIN, INSTITUTION
from sim.scenario.schema import CHANNEL_IDS, PAYERS, ChannelSection

if TYPE_CHECKING:
    from sim.engine.model import Model

COMPONENTS = (
    "salary_in_post",
    "salary_hires",
    "allowance_awaiting",
    "rotating_pay",
    "early_retirement_pay",
    "severance",
    "pension_buyin",
    "placement_subsidy",
    "salary_moved_teacher",
    "salary_moved_police",
    "salary_moved_institution",
    "recurring_other",
    "retirement_pay",
)
C = {name: k for k, name in enumerate(COMPONENTS)}
P = {name: k for k, name in enumerate(PAYERS)}
PUBLIC = [P[p] for p in PAYERS if p != "unit_individual"]
TOWNSHIP = P["township"]
SALARY_IN_POST, SALARY_HIRES = C["salary_in_post"], C["salary_hires"]
RETIREMENT_PAY = C["retirement_pay"]
CHANNEL_COMPONENT = {0: "salary_moved_teacher", 1: "early_retirement_pay", 6: "salary_moved_police"}
ONE_TIME = ("severance", "pension_buyin", "placement_subsidy")
SLOT, NO_SLOT = 16, -1  # a recurring cost's code is component × SLOT + payer (payers < SLOT); NO_SLOT: none
assert len(PAYERS) < SLOT
LEDGER_COLUMNS = (
    *(f"cost_{c}" for c in COMPONENTS),
    *(f"cost_by_{p}" for p in PAYERS),
    "cost_total",
    "cost_township",
    "cost_government",
    "fiscal_gap",
    "debt",
)


def opening_rate(payers: np.ndarray, salary: np.ndarray) -> list[float]:
    """Monthly salary of everyone present at month 0, by payer (summed in person order, as one by one:
    bincount adds its weights in order).
    """
    by_payer = np.bincount(payers, weights=salary, minlength=len(PAYERS)).tolist()
    return [0.0 + s for s in by_payer]


def month_cost(rate: list[list[float]], one_time: list[list[float]], wage_index: float) -> np.ndarray:
    """A month's cost, (components × payers): the recurring rates at the month's wage level and the one-time
    payments booked.
    """
    cost = np.array(rate)
    cost *= wage_index
    cost += one_time
    return cost


def public_costs(by_payer: np.ndarray) -> tuple[float, float]:
    """(cost_township, cost_government) of a month's cost by payer: the township's own, and every public
    payer's (all but units and individuals).
    """
    return float(by_payer[TOWNSHIP]), float(by_payer[PUBLIC].sum())


class Ledger:
    """Running cost rates per component and payer, per-township township cost, and debt."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.people = model.people
        money = model.scenario.money
        self.sector_payer = [
            P[money.payer_admin_salary],
            P[money.payer_institution_salary],
            P[money.payer_temporary_pay],
        ]
        self.rate = [[0.0] * len(PAYERS) for _ in COMPONENTS]
        self.one_time = [[0.0] * len(PAYERS) for _ in COMPONENTS]
        n_tw = len(model.townships)
        self.tw_rate = [0.0] * n_tw
        # each person's recurring cost, kept compact (two arrays, not a tuple per person): component × SLOT + payer
        # (NO_SLOT: none) and the monthly amount at month-0 wages
        self.slot_code: array[int] = array("h")
        self.slot_amount: array[float] = array("d")
        self.hired_people: set[int] = set()
        self.pension: dict[int, int] = {}  # retired person → payer of their retirement pay
        self._pension_share = money.retirement_pay_share
        self._retirement_payer: dict[tuple[int, int | None], int | None] = {}  # (sector, channel) → payer
        self.moved_institution: set[int] = set()
        fiscal = model.scenario.fiscal
        self.debt = np.full(n_tw, fiscal.initial_debt)
        self._capacity = np.full(n_tw, fiscal.own_revenue + fiscal.transfers)
        self._capacity_withheld = np.full(n_tw, fiscal.own_revenue + fiscal.transfers * (1 - fiscal.withhold_share))
        self.withholding = False
        div = model.scenario.diversion
        self._awaiting = (C["allowance_awaiting"], P[money.payer_allowance], div.allowance_share)
        self._rotating = (C["rotating_pay"], P[money.payer_rotating], div.rotating_pay_share)
        vacancy: ChannelSection = model.scenario.channels.institution_vacancy
        self._moved = (C["salary_moved_institution"], P[vacancy.recurring_payer])
        # per channel: (component, payer, share of salary) of the recurring cost, or None
        self._channel: list[tuple[int, int, float] | None] = [
            (C[CHANNEL_COMPONENT.get(k, "recurring_other")], P[ch.recurring_payer], ch.recurring_share)
            if ch.recurring_share > 0
            else None
            for k, ch in enumerate(model.scenario.channels.get(c) for c in CHANNEL_IDS)
        ]

    def start(self) -> None:
        """Open a slot for everyone present at month 0 (all in post, none hired yet)."""
        people = self.model.people
        component = C["salary_in_post"]
        payers = np.asarray(self.sector_payer, dtype=np.int64)[np.array(people.sector, dtype=np.int64)]
        salary = np.array(people.salary, dtype=float)  # a copy, never a view (sim.engine.people)
        self.slot_code = array("h", (component * SLOT + payers).astype(np.int16).tobytes())
        self.slot_amount = array("d", salary.tobytes())
        self.rate[component] = opening_rate(payers, salary)
        own = payers == TOWNSHIP
        township = np.array(people.township, dtype=np.int64)[own]
        by_township = np.bincount(township, weights=salary[own], minlength=len(self.tw_rate)).tolist()
        self.tw_rate = [r + s for r, s in zip(self.tw_rate, by_township, strict=True)]

    def slot_for(self, i: int) -> tuple[int, int, float] | None:
        """(component, payer, monthly amount at month-0 wages) of person i's current recurring cost."""
        people = self.people
        state = people.state[i]
        salary = people.salary[i]
        if state == IN_POST:
            if i in self.moved_institution:
                return self._moved[0], self._moved[1], salary
            component = SALARY_HIRES if i in self.hired_people else SALARY_IN_POST
            return component, self.sector_payer[people.sector[i]], salary
        if state == AWAITING:
            component, payer, share = self._awaiting
            return component, payer, salary * share
        if state == ROTATING:
            component, payer, share = self._rotating
            return component, payer, salary * share
        if state == RETIRED:
            owed = self.pension.get(i)
            return None if owed is None else (RETIREMENT_PAY, owed, salary * self._pension_share)
        if state == DIVERTED:
            k = self.model.diversion.channel_of.get(i)
            slot = None if k is None else self._channel[k]
            if slot is None:
                return None
            return slot[0], slot[1], salary * slot[2]
        return None

    def update(self, i: int) -> None:
        """Re-book person i's recurring cost after a change of state, sector or status."""
        new = self.slot_for(i)
        codes, amounts = self.slot_code, self.slot_amount
        if i >= len(codes):  # a new hire: one more slot
            codes.extend([NO_SLOT] * (i + 1 - len(codes)))
            amounts.extend([0.0] * (i + 1 - len(amounts)))
        old = codes[i]
        if new is None:
            if old == NO_SLOT:
                return
            codes[i] = NO_SLOT
        else:
            component, payer, amount = new
            code = component * SLOT + payer
            if old == code and amounts[i] == amount:
                return
            codes[i] = code
        rate = self.rate
        if old != NO_SLOT:  # `_add(i, old, -1.0)`, inlined: the hot path of every change of state
            payer, amount_old = old % SLOT, amounts[i]
            rate[old // SLOT][payer] -= amount_old
            if payer == TOWNSHIP:
                self.tw_rate[self.people.township[i]] -= amount_old
        if new is not None:
            component, payer, amount = new
            amounts[i] = amount
            rate[component][payer] += amount
            if payer == TOWNSHIP:
                self.tw_rate[self.people.township[i]] += amount

    def retiring(self, i: int, old: int) -> None:
        """Person i reaches the statutory age from state `old`: who, if anyone, owes their retirement pay."""
        channel = self.model.diversion.channel_of.get(i) if old == DIVERTED else None
        key = (self.model.people.sector[i], channel)
        if key not in self._retirement_payer:
            payer = retirement_payer(self.model.scenario, *key)
            self._retirement_payer[key] = None if payer is None else P[payer]
        owed = self._retirement_payer[key]
        if owed is not None:
            self.pension[i] = owed

    def close(self, i: int) -> None:
        """Take person i's slot off the books (before they move to another township; `update` reopens it)."""
        code = self.slot_code[i] if i < len(self.slot_code) else NO_SLOT
        if code != NO_SLOT:
            self.slot_code[i] = NO_SLOT
            self._add(i, (code // SLOT, code % SLOT, self.slot_amount[i]), -1.0)

    def hired(self, i: int) -> None:
        """Open the slot of person i, just hired into a post."""
        self.hired_people.add(i)
        self.update(i)

    def _add(self, i: int, slot: tuple[int, int, float], sign: float) -> None:
        component, payer, amount = slot
        self.rate[component][payer] += sign * amount
        if payer == TOWNSHIP:
            self.tw_rate[self.model.people.township[i]] += sign * amount

    def book_one_time(self, parts: dict[str, float], charges: list[float]) -> None:
        """Book one payment out of the pool: each component split over payers as the pool charged them."""
        total = sum(parts.values())
        if total <= 0:
            return
        for component, amount in parts.items():
            row = self.one_time[C[component]]
            share = amount / total
            for payer, charge in enumerate(charges):
                if charge:
                    row[payer] += charge * share

    def month_costs(self, wage_index: float) -> np.ndarray:
        """The month's cost, (components × payers), and reset the one-time bookings."""
        cost = month_cost(self.rate, self.one_time, wage_index)
        self.one_time = [[0.0] * len(PAYERS) for _ in COMPONENTS]
        return cost

    def township_finances(self, wage_index: float, fiscal_level: float = 1.0) -> tuple[float, float]:
        """The month's total shortfall of townships (cost above capacity) and their total debt.

        Capacity (own revenue and transfers) is its month-0 level × `fiscal_level` (`funds.fiscal_index`).
        """
        fiscal = self.model.scenario.fiscal
        capacity = self._capacity
        if self.withholding and fiscal.withhold_share > 0:
            payroll = self.model.people.payroll_table()
            over = payroll[:, ADMIN] + payroll[:, INSTITUTION] > self.model.establishment_by_township()
            capacity = np.where(over, self._capacity_withheld, capacity)
        gap = np.array(self.tw_rate)
        gap *= wage_index
        gap -= capacity * fiscal_level if fiscal_level != 1.0 else capacity
        debt = self.debt
        debt += gap
        np.maximum(debt, 0.0, out=debt)
        np.maximum(gap, 0.0, out=gap)
        return float(gap.sum()), float(debt.sum())

    def row(self, wage_index: float, month: int) -> list[float]:
        """The ledger's columns for `month`."""
        cost = self.month_costs(wage_index)
        by_payer = cost.sum(axis=0)
        years = np.array([(self.model.start_abs % 12 + month) // 12])  # Januaries passed, as for wages
        level = float(fiscal_index(self.model.scenario.fiscal, np.array([wage_index]), years)[0])
        gap, debt = self.township_finances(wage_index, level)
        payers = by_payer.tolist()
        return [
            *cost.sum(axis=1).tolist(),
            *payers,
            sum(payers),
            *public_costs(by_payer),
            gap,
            debt,
        ]

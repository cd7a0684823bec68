"""The cost ledger: every month's cash flows by component and by payer, and township finances.

Recurring costs are kept as running monthly rates (at month-0 salary levels) that change
only when a person changes state, so a month's cost is rate × wage index, with no pass
over everyone. One-time costs are booked in the month they are paid, split over the payers
in proportion to what each has put into the pool so far (money in the pool is fungible).
Pensions after the statutory age are outside the ledger: they are the same with and
without the reform.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.states import AWAITING, DIVERTED, IN_POST, ROTATING
from sim.population.table import ADMIN, INSTITUTION
from sim.scenario.schema import CHANNEL_IDS, PAYERS

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
)
C = {name: k for k, name in enumerate(COMPONENTS)}
P = {name: k for k, name in enumerate(PAYERS)}
PUBLIC = [P[p] for p in PAYERS if p != "unit_individual"]
TOWNSHIP = P["township"]
SALARY_IN_POST, SALARY_HIRES = C["salary_in_post"], C["salary_hires"]
CHANNEL_COMPONENT = {0: "salary_moved_teacher", 1: "early_retirement_pay", 6: "salary_moved_police"}
ONE_TIME = ("severance", "pension_buyin", "placement_subsidy")
LEDGER_COLUMNS = (
    *(f"cost_{c}" for c in COMPONENTS),
    *(f"cost_by_{p}" for p in PAYERS),
    "cost_total",
    "cost_township",
    "cost_government",
    "fiscal_gap",
    "debt",
)


class Ledger:
    """Running cost rates per component and payer, per-township township cost, and debt."""

    def __init__(self, model: Model) -> None:
        self.model = model
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
        self.slot: list[tuple[int, int, float] | None] = []
        self.hired_people: set[int] = set()
        self.moved_institution: set[int] = set()
        fiscal = model.scenario.fiscal
        self.debt = np.full(n_tw, fiscal.initial_debt)
        self._capacity = np.full(n_tw, fiscal.own_revenue + fiscal.transfers)
        self._capacity_withheld = np.full(n_tw, fiscal.own_revenue + fiscal.transfers * (1 - fiscal.withhold_share))
        self.withholding = False
        div = model.scenario.diversion
        self._awaiting = (C["allowance_awaiting"], P[money.payer_allowance], div.allowance_share)
        self._rotating = (C["rotating_pay"], P[money.payer_rotating], div.rotating_pay_share)
        self._moved = (C["salary_moved_institution"], P[model.scenario.channels.institution_vacancy.recurring_payer])
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
        payer = [self.sector_payer[s] for s in people.sector]
        self.slot = [(component, p, a) for p, a in zip(payer, people.salary, strict=True)]
        township = P["township"]
        for p, a, tw in zip(payer, people.salary, people.township, strict=True):
            self.rate[component][p] += a
            if p == township:
                self.tw_rate[tw] += a

    def slot_for(self, i: int) -> tuple[int, int, float] | None:
        """(component, payer, monthly amount at month-0 wages) of person i's current recurring cost."""
        people = self.model.people
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
        slots = self.slot
        if i >= len(slots):
            slots.extend([None] * (i + 1 - len(slots)))
        old = slots[i]
        if old == new:
            return
        slots[i] = new
        if old is not None:
            self._add(i, old, -1.0)
        if new is not None:
            self._add(i, new, 1.0)

    def close(self, i: int) -> None:
        """Take person i's slot off the books (before they move to another township; `update` reopens it)."""
        old = self.slot[i] if i < len(self.slot) else None
        if old is not None:
            self.slot[i] = None
            self._add(i, old, -1.0)

    def hired(self, i: int) -> None:
        """Open the slot of person i, just hired into a post."""
        self.hired_people.add(i)
        self.update(i)

    def _add(self, i: int, slot: tuple[int, int, float], sign: float) -> None:
        component, payer, amount = slot
        self.rate[component][payer] += sign * amount
        if payer == TOWNSHIP:
            self.tw_rate[self.model.people.township[i]] += sign * amount

    def book_one_time(self, parts: dict[str, float]) -> None:
        """Book one-time payments out of the pool, split over payers by their contributions."""
        shares = self.model.diversion.pool.payer_shares()
        for component, amount in parts.items():
            row = self.one_time[C[component]]
            for payer, share in shares.items():
                row[P[payer]] += amount * share

    def month_costs(self, wage_index: float) -> np.ndarray:
        """The month's cost, (components × payers), and reset the one-time bookings."""
        cost = np.array(self.rate)
        cost *= wage_index
        cost += self.one_time
        self.one_time = [[0.0] * len(PAYERS) for _ in COMPONENTS]
        return cost

    def township_finances(self, wage_index: float) -> tuple[float, float]:
        """The month's total shortfall of townships (cost above capacity) and their total debt."""
        fiscal = self.model.scenario.fiscal
        capacity = self._capacity
        if self.withholding and fiscal.withhold_share > 0:
            est = self.model.est
            over = [
                row[ADMIN] + row[INSTITUTION] > est[tw][0] + est[tw][1]
                for tw, row in enumerate(self.model.people.payroll)
            ]
            capacity = np.where(over, self._capacity_withheld, capacity)
        gap = np.array(self.tw_rate)
        gap *= wage_index
        gap -= capacity
        debt = self.debt
        debt += gap
        np.maximum(debt, 0.0, out=debt)
        np.maximum(gap, 0.0, out=gap)
        return float(gap.sum()), float(debt.sum())

    def row(self, wage_index: float) -> list[float]:
        """The ledger's columns for this month."""
        cost = self.month_costs(wage_index)
        by_payer = cost.sum(axis=0)
        gap, debt = self.township_finances(wage_index)
        payers = by_payer.tolist()
        return [
            *cost.sum(axis=1).tolist(),
            *payers,
            sum(payers),
            payers[TOWNSHIP],
            float(by_payer[PUBLIC].sum()),
            gap,
            debt,
        ]

"""The institution vacancy channel (补充到乡镇事业单位空缺岗位): vacancies of the city offered to the surplus.

An institution post that falls vacant below a township's new establishment (an exit, or hire
credit ripening for one) is offered — before any outside hire — to the best surplus person of
the township's county (the whole city when there is one county) who would take the channel: a
candidate for it at the reform (sector, education, sex and status rules, acceptance, exam), its
age, retirement and service rules met now and when they leave, still awaiting or rotating, past
any protection, not serving another channel's lead time, and the county's drive not stopped.
Whatever queue they are in is left (place or money handed back); after the channel's lead time
they move into that township's institution posts. The post is held (`reserved`, out of the
hiring room) meanwhile. With nobody to take it, the post goes to hiring. Nobody queues for the
channel: a vacancy comes to the surplus, as the establishment office assigns it (调剂).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.engine.process import Proc, Step
from sim.engine.states import AWAITING, ROTATING
from sim.population.table import INSTITUTION
from sim.scenario.schema import CHANNEL_IDS

if TYPE_CHECKING:
    from sim.engine.diversion import Diversion

INSTITUTION_VACANCY = CHANNEL_IDS.index("institution_vacancy")


class Vacancies:
    """Candidates of the channel in order of allocation, posts held for them, and the placements."""

    COMPACT_AFTER = 32  # a scan that passes more candidates who have gone than this drops them from the list

    def __init__(self, diversion: Diversion, n_townships: int) -> None:
        self.diversion = diversion
        self.reserved = [0] * n_townships  # institution posts per township held for someone on their way
        self.offered = 0  # vacancies offered and taken
        self.by_county: list[list[int]] = []  # each county's candidates: best first (merit) or in person order
        self.head: list[int] = []  # per county: where its candidates' scan starts (everyone before has gone)
        self.placing: set[int] = set()
        self.candidates: set[int] = set()
        self.live = 0  # candidates still awaiting or rotating

    def start(self, candidates: list[int], score: np.ndarray, by_merit: bool) -> None:
        """The surplus people who would take the channel, in the order vacancies reach them (`score`: each
        person's merit in competitive posting).
        """
        ids = np.asarray(candidates, dtype=np.int64)
        if by_merit:  # best first, ties in person order
            order = np.lexsort((ids, -score[ids]))
        else:
            order = np.argsort(ids, kind="stable")
        div = self.diversion
        self.by_county = [[] for _ in div.counties]
        self.head = [0] * len(div.counties)
        county_of, township = div.model.county_of, div.model.people.township
        for i in ids[order].tolist():
            self.by_county[county_of[township[i]]].append(i)
        self.candidates = set(candidates)
        self.live = len(self.candidates)

    def left_surplus(self, i: int) -> None:
        """Person i is no longer awaiting or rotating (a surplus person never becomes one again)."""
        if i in self.candidates:
            self.live -= 1

    def waiting(self) -> int:
        """Candidates still surplus, less those on their way into a post: the channel's queue."""
        return self.live - len(self.placing)

    def offer(self, tw: int) -> bool:
        """An institution post of township tw fell vacant below establishment: place the first candidate
        who may take it now, or return False (the post goes to hiring).
        """
        div = self.diversion
        model = div.model
        c = model.county_of[tw]
        candidates = self.by_county[c] if self.by_county else []
        if not div.channels[INSTITUTION_VACANCY].open or div.stopped_county[c] or not candidates:
            return False
        people, env = model.people, model.env
        lead = div.channels[INSTITUTION_VACANCY].lead_time_months
        protected_until = model.scenario.reform.month + model.scenario.reform.protection_months
        # Nobody who left the surplus comes back to it, and nobody placed is offered a post again (placing ends
        # in the move, in leaving by attrition, or at the county's deadline, after which it offers none): the
        # scan starts past those at the front of the order, and drops those further on once they are many.
        head, chosen, dropped = self.head[c], -1, 0
        for at in range(head, len(candidates)):
            i = candidates[at]
            if people.state[i] not in (AWAITING, ROTATING) or i in self.placing:
                if at == head:
                    head += 1
                else:
                    dropped += 1
                continue
            if div.phase.get(i) == "lead":
                continue
            if people.protected[i] and env.now < protected_until:
                continue
            rules_now = div.eligible_now(i, INSTITUTION_VACANCY)
            if not (rules_now and div.eligible_now(i, INSTITUTION_VACANCY, env.now + lead)):
                continue
            chosen = i
            break
        self.head[c] = head
        if dropped > self.COMPACT_AFTER:
            state, placing = people.state, self.placing
            kept = [i for i in candidates[head:] if state[i] in (AWAITING, ROTATING) and i not in placing]
            self.by_county[c], self.head[c] = kept, 0
        if chosen < 0:
            return False
        self.placing.add(chosen)
        self.reserved[tw] += 1
        self.offered += 1
        div.stop(chosen, "placed")  # leave any queue, handing back what is held
        Proc(env, self._place(chosen, tw, lead))
        return True

    def _place(self, i: int, tw: int, lead: int) -> Generator[Step, Any, None]:
        """Person i's way into township tw's institution post: the lead time, then the move."""
        div = self.diversion
        model = div.model
        yield 0  # after any interrupted process of theirs has cleaned up
        if model.people.state[i] not in (AWAITING, ROTATING):  # they left by attrition later in the offer's month
            self._free(i, tw)
            return
        div.process[i] = model.env.active_process  # type: ignore[assignment]
        div.phase[i] = "lead"
        if model.log is not None:
            model.record(
                i,
                "place",
                model.people.state[i],
                model.people.state[i],
                f"institution_vacancy after 0 months (a post in {model.townships.names[tw]})",
            )
        try:
            if lead:
                yield lead
            self.reserved[tw] -= 1
            self.placing.discard(i)
            div.complete(i, INSTITUTION_VACANCY, tw)
        except simpy.Interrupt:  # they left by attrition on the way
            self._free(i, tw)
        finally:
            if div.process.get(i) is model.env.active_process:
                div.process.pop(i, None)
            div.phase.pop(i, None)

    def _free(self, i: int, tw: int) -> None:
        """Person i, placed into township tw's post, will not arrive: the post is free again (offered or hired)."""
        self.reserved[tw] -= 1
        self.placing.discard(i)
        self.diversion.model.hiring.vacancy(tw, INSTITUTION)

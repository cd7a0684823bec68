"""The reform month: the new establishment, temporaries cleared, recruits, competitive posting and the surplus."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import posting
from sim.engine.channel_rules import establishment_after_cut
from sim.engine.rng import stream
from sim.engine.states import AWAITING, IN_POST, LEFT, ON_PAYROLL, ROTATING
from sim.population.table import ADMIN, INSTITUTION, SECTORS, TEMPORARY

if TYPE_CHECKING:
    from sim.engine.model import Model


class Reform:
    """The reform's one event (`run`, at the reform month) and the recruits it hired."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.recruits: set[int] = set()

    def new_establishment(self) -> list[list[int]]:
        """The new establishment per township and sector, from class numbers or cuts."""
        model = self.model
        out = []
        for tw, (old_a, old_i) in enumerate(model.est):
            klass = model.scenario.township_classes[int(model.townships.klass[tw])]
            county = model.counties[model.county_of[tw]]  # the county's own cut, or the province's
            new_a = klass.new_establishment_admin
            new_i = klass.new_establishment_institution
            out.append(
                [
                    establishment_after_cut(old_a, county.cut_admin, new_a),
                    establishment_after_cut(old_i, county.cut_institution, new_i),
                ]
            )
        return out

    def run(self, _value: None) -> None:
        """The new establishment takes effect; temporaries go; recruits come; posting makes the surplus."""
        model = self.model
        reform = model.scenario.reform
        people = model.people
        model.est = self.new_establishment()
        model.reformed = True
        if reform.clear_temporaries:
            on_payroll = np.asarray(ON_PAYROLL)[np.array(people.state)]  # copies, never views (sim.engine.people)
            temporaries = np.flatnonzero(on_payroll & (np.array(people.sector) == TEMPORARY))
            for i in temporaries.tolist():
                model.move(i, LEFT, "cleared", "temporary cleared at the reform")
        recruits = self._recruit()
        self._competitive_posting(recruits)
        model.hiring.after_reform()
        model.rebound.start()

    def _recruit(self) -> np.ndarray:
        """Fill the recruits' share of the new establishment with outside graduates; their count per township."""
        model = self.model
        reform = model.scenario.reform
        shares = (reform.recruits_admin_share, reform.recruits_institution_share)
        count = np.zeros((len(model.est), 2), dtype=np.int64)
        if not any(shares):
            return count
        for tw, posts in enumerate(model.est):
            for sector, share in zip((ADMIN, INSTITUTION), shares, strict=True):
                count[tw, sector] = round(share * posts[sector])
                for _ in range(count[tw, sector]):
                    i = model.hiring.hire(
                        tw,
                        sector,
                        "recruited at the reform",
                        reform.recruit_age_mean,
                        reform.recruit_share_secondary_plus,
                        reform.recruit_share_college_plus,
                    )
                    self.recruits.add(i)
        return count

    def _competitive_posting(self, recruits: np.ndarray) -> None:
        """Rank the staff in post per township and sector; those without a post become the surplus."""
        model = self.model
        reform = model.scenario.reform
        people = model.people
        recruited = self.recruits
        is_candidate = (np.array(people.state) == IN_POST) & (np.array(people.sector) != TEMPORARY)
        is_candidate[list(recruited)] = False
        cand = np.flatnonzero(is_candidate)
        if len(cand) == 0:
            model.diversion.start([], np.zeros(len(people)))
            return
        rng = stream(model.seed, model.replication, "selection")
        noise = rng.standard_normal(len(people))[cand]
        uniform = rng.random(len(people))[cand]
        attrs = people.arrays(("township", "sector", "appraisal", "education", "birth", "entry", "leader"))
        now_abs = model.start_abs + model.month
        score = posting.scores(
            reform,
            attrs["appraisal"][cand],
            attrs["education"][cand],
            (now_abs - attrs["birth"][cand]) / 12.0,
            attrs["entry"][cand],
            attrs["leader"][cand],
            noise,
            uniform,
        )
        est = np.maximum(np.asarray(model.est) - recruits, 0)
        keeps, new_sector = posting.post(
            attrs["township"][cand], attrs["sector"][cand], score, est[:, 0], est[:, 1], reform.joint_posting
        )
        div = model.scenario.diversion
        rotate = stream(model.seed, model.replication, "rotation").random(len(model.est)) < div.rotating_share
        if div.surplus_state == "rotating":
            rotate[:] = True
        surplus = []
        moved = new_sector != attrs["sector"][cand]
        rotate_list = rotate.tolist()
        for k in np.flatnonzero(moved | ~keeps).tolist():  # in candidate order, as the event log shows them
            i = int(cand[k])
            if moved[k]:
                sector = int(new_sector[k])
                model.set_sector(i, sector)
                model.record(i, "posted", IN_POST, IN_POST, f"won a post in sector {SECTORS[sector]}")
            if not keeps[k]:
                surplus_state = ROTATING if rotate_list[people.township[i]] else AWAITING
                people.set_state(i, surplus_state)
                model.ledger.update(i)
                if model.log is not None:
                    model.record(i, "surplus", IN_POST, surplus_state, "no post in competitive posting")
                surplus.append(i)
        merit = np.zeros(len(people))  # everyone's: 0 for those who did not compete (temporaries, recruits)
        merit[cand] = np.where(np.isfinite(score), score, 1e9)
        model.diversion.start(surplus, merit)

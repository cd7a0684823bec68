"""The twin's unit of account (`Lines`, people as parallel arrays) and the rows and blocks it books them to."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.engine.diversion import INSTITUTION_VACANCY
from sim.engine.ledger import COMPONENTS, P
from sim.expected.channels import N_CHANNELS
from sim.scenario.schema import PAYERS

TOWNSHIP = P["township"]
HIGH, LOW0, LOWR, LOWN = range(4)  # education of a line: secondary+, or below it with diplomas from 0, R, never
N_COMP, N_PAY = len(COMPONENTS), len(PAYERS)
ONE_TIME = ("severance", "pension_buyin", "placement_subsidy")

# composition of lines in post, per sector: people, their age in months at month 0 (summed), and
# how many are secondary-educated or below it with diplomas from month 0, from the reform, never
COMPOSITION = 6
# rows of the city-wide monthly accumulator
(
    LEAD_A,  # surplus serving a lead time, awaiting
    LEAD_R,  # ... rotating
    DIVERTED,
    RETIRED_F,  # flows in the month
    LEFT_F,
    HIRES_F,
    OVERQ_F,
    REVERSED_F,
    PETITIONS_F,
    RETURNS_F,
    PAID_F,
    TOPUP_F,
    DIV_F,  # first of seven: diversions completed per channel
) = range(13)
BACK = DIV_F + N_CHANNELS  # returnees on the payroll (a level, not a flow)
STANDING = BACK + 1  # over-establishment hires on the payroll (a level)
N_ROWS = STANDING + 1
COUNTERFACTUAL_COSTS = ("cost_township", "cost_government")  # what `with_counterfactual` takes of a counterfactual
# blocks of rows booked ahead (`Ahead`), one row per township sector (township-paid rate: per township)
(
    POST,  # lines in post
    POST_EXIT,  # ... their exits
    TW_RATE,  # township-paid recurring rate, per township
    LEAD,  # surplus serving a lead time
    LEAD_EXIT,
    LATE,  # waiting booked after some of it was reposted, times the share reposted by then (see F)
    W0,  # waiting surplus, unscaled: count, salary, count rotating, salary rotating
    W1,
    W2,
    W3,
) = range(10)
N_BLOCKS = 10
IV_BIT = 1 << INSTITUTION_VACANCY  # institution vacancies: taken as they open, never at a try
LIVE = slice(POST, W0 + 1)  # the blocks the month loop reads


@dataclass
class Lines:
    """People (or typical hires) as parallel arrays: the twin's unit of account."""

    a: np.ndarray  # age in months at month 0
    h: np.ndarray  # survival index (`Survival.index`): the age, shifted for women if hazards differ by sex
    r: np.ndarray  # month in which they retire (past the horizon if not within it)
    retire_abs: np.ndarray
    birth: np.ndarray
    entry: np.ndarray
    education: np.ndarray
    female: np.ndarray
    worker: np.ndarray
    sector: np.ndarray
    tw: np.ndarray
    salary: np.ndarray
    hired: np.ndarray
    protected: np.ndarray
    leader: np.ndarray
    kind: np.ndarray  # HIGH, LOW0, LOWR, LOWN
    appraisal: np.ndarray
    appraisal_var: np.ndarray  # spread of a typical hire's appraisal (0 for people)

    def __len__(self) -> int:
        return len(self.a)

    def take(self, idx: np.ndarray) -> Lines:
        """The lines at `idx`."""
        return Lines(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        """The lines of all parts, in order."""
        return Lines(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Lines)})

"""The staff population handed to the engine: one entry per person, as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECTORS = ("admin", "institution", "temporary")
ADMIN, INSTITUTION, TEMPORARY = 0, 1, 2
EDUCATION = ("primary", "junior", "secondary", "college", "university")
SECONDARY = EDUCATION.index("secondary")
COLLEGE = EDUCATION.index("college")


@dataclass(frozen=True)
class Townships:
    """Townships with their class and old establishment per sector."""

    names: tuple[str, ...]
    klass: np.ndarray  # index into scenario.township_classes
    establishment_admin: np.ndarray  # old establishment, posts
    establishment_institution: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Population:
    """Staff at month 0. Dates are absolute months (year * 12 + month - 1)."""

    ids: np.ndarray  # str
    township: np.ndarray  # int, index into townships
    sector: np.ndarray  # int: ADMIN, INSTITUTION, TEMPORARY
    female: np.ndarray  # bool
    worker: np.ndarray  # bool: worker (not cadre) status
    leader: np.ndarray  # bool
    protected: np.ndarray  # bool
    birth: np.ndarray  # int, absolute month
    entry: np.ndarray  # int, absolute month
    education: np.ndarray  # int, index into EDUCATION
    salary: np.ndarray  # float, yuan per month
    appraisal: np.ndarray  # float, points
    townships: Townships

    def __len__(self) -> int:
        return len(self.ids)

    def staff_counts(self) -> np.ndarray:
        """Staff per township and sector, shape (townships, 3)."""
        counts = np.zeros((len(self.townships), len(SECTORS)), dtype=np.int64)
        np.add.at(counts, (self.township, self.sector), 1)
        return counts

"""The people of one replication: attributes and state, growable, read and written one person at a time.

Attributes are compact `array`s (state, sector and education one byte each; township, birth and entry
months, salary and appraisal eight bytes): a list would hold a pointer per person and, for most values,
a separate object, and at province scale (300,000 people) those scattered objects miss the processor's
caches on almost every read. The four flags (sex, status, leader, protected), read rarely, stay lists
of shared booleans. The counters kept here make every monthly snapshot O(1).

Read an attribute into numpy with `np.array` (a copy), never `np.asarray` (a view): an `array` cannot
grow while its buffer is exported, and a profiler that samples frames (Dask's workers run one) can keep
a finished function's locals, and so a view, alive while hires are appended.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

from sim.engine.states import AWAITING, IN_POST, ON_PAYROLL, ROTATING, STATE_NAMES
from sim.population.table import SECONDARY, SECTORS, Population

SURPLUS = tuple(s in (AWAITING, ROTATING) for s in range(len(STATE_NAMES)))
N_SECTORS = len(SECTORS)


@dataclass
class People:
    """Attributes of everyone ever in the model, and running counts by state and sector."""

    n_townships: int
    first_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))  # the population's, as given
    hire_prefix: str = "H"  # those added since (hires) are this and their number, from 000001 in order of hiring
    township: array[int] = field(default_factory=lambda: array("q"))
    sector: array[int] = field(default_factory=lambda: array("b"))
    female: list[bool] = field(default_factory=list)
    worker: list[bool] = field(default_factory=list)
    leader: list[bool] = field(default_factory=list)
    protected: list[bool] = field(default_factory=list)
    birth: array[int] = field(default_factory=lambda: array("q"))
    entry: array[int] = field(default_factory=lambda: array("q"))
    education: array[int] = field(default_factory=lambda: array("b"))
    salary: array[float] = field(default_factory=lambda: array("d"))
    appraisal: array[float] = field(default_factory=lambda: array("d"))
    state: array[int] = field(default_factory=lambda: array("b"))
    n_state: list[int] = field(default_factory=lambda: [0] * len(STATE_NAMES))
    payroll_sector: list[int] = field(default_factory=lambda: [0, 0, 0])
    # on the payroll per township and sector, one flat row after another: [N_SECTORS × township + sector] (compact, so
    # that the monthly results read every township's at once: `payroll_table`)
    payroll: array[int] = field(default_factory=lambda: array("q"))
    in_post: list[list[int]] = field(default_factory=list)
    # over people in post, by sector (mean age and education share are of staff in post)
    post_sector: list[int] = field(default_factory=lambda: [0, 0, 0])
    birth_sum: list[int] = field(default_factory=lambda: [0, 0, 0])
    secondary_plus: list[int] = field(default_factory=lambda: [0, 0, 0])
    surplus: list[int] = field(default_factory=list)  # per township: people awaiting or rotating

    def __post_init__(self) -> None:
        self.payroll = array("q", bytes(8 * N_SECTORS * self.n_townships))
        self.in_post = [[0, 0, 0] for _ in range(self.n_townships)]
        self.surplus = [0] * self.n_townships

    @classmethod
    def from_population(cls, pop: Population, hire_prefix: str = "H") -> People:
        """Everyone of `pop`, in post; hires to come are named `hire_prefix` and their number."""
        people = cls(len(pop.townships), hire_prefix=hire_prefix)
        people.first_ids = pop.ids  # read as text only when logged (`id_of`): 300,000 strings cost a replication 1%
        people.township = array("q", pop.township.astype(np.int64).tobytes())
        people.sector = array("b", pop.sector.astype(np.int8).tobytes())
        people.female = pop.female.astype(bool).tolist()
        people.worker = pop.worker.astype(bool).tolist()
        people.leader = pop.leader.astype(bool).tolist()
        people.protected = pop.protected.astype(bool).tolist()
        people.birth = array("q", pop.birth.astype(np.int64).tobytes())
        people.entry = array("q", pop.entry.astype(np.int64).tobytes())
        people.education = array("b", pop.education.astype(np.int8).tobytes())
        people.salary = array("d", pop.salary.astype(np.float64).tobytes())
        people.appraisal = array("d", pop.appraisal.astype(np.float64).tobytes())
        n = len(pop)
        people.state = array("b", bytes([IN_POST]) * n)
        people.n_state[IN_POST] = n
        counts = pop.staff_counts()
        people.payroll = array("q", counts.astype(np.int64).tobytes())
        people.in_post = counts.tolist()
        people.payroll_sector = counts.sum(axis=0).tolist()
        people.post_sector = counts.sum(axis=0).tolist()
        people.birth_sum = [int(pop.birth[pop.sector == s].sum()) for s in range(3)]
        people.secondary_plus = [int((pop.education[pop.sector == s] >= SECONDARY).sum()) for s in range(3)]
        return people

    def __len__(self) -> int:
        return len(self.state)

    def id_of(self, i: int) -> str:
        """Person i's id, as text."""
        first = len(self.first_ids)
        return str(self.first_ids[i]) if i < first else f"{self.hire_prefix}{i - first + 1:06d}"

    @property
    def ids(self) -> list[str]:
        """Everyone's id, as text, in index order."""
        hires = range(1, len(self.state) - len(self.first_ids) + 1)
        return [*map(str, self.first_ids.tolist()), *(f"{self.hire_prefix}{n:06d}" for n in hires)]

    def add(
        self,
        township: int,
        sector: int,
        female: bool,
        worker: bool,
        birth: int,
        entry: int,
        education: int,
        salary: float,
        appraisal: float,
    ) -> int:
        """Append a new person in post (a hire, named by `hire_prefix`) and return their index."""
        self.township.append(township)
        self.sector.append(sector)
        self.female.append(female)
        self.worker.append(worker)
        self.leader.append(False)
        self.protected.append(False)
        self.birth.append(birth)
        self.entry.append(entry)
        self.education.append(education)
        self.salary.append(salary)
        self.appraisal.append(appraisal)
        self.state.append(IN_POST)
        self.n_state[IN_POST] += 1
        self.in_post[township][sector] += 1  # `_post(i, 1)` and `_join_payroll(i)`, inlined
        self.post_sector[sector] += 1
        self.birth_sum[sector] += birth
        self.secondary_plus[sector] += education >= SECONDARY
        self.payroll[N_SECTORS * township + sector] += 1
        self.payroll_sector[sector] += 1
        return len(self.state) - 1

    def _post(self, i: int, sign: int) -> None:
        """Add (1) or remove (-1) person i from the in-post counters of their township and sector."""
        sector = self.sector[i]
        self.in_post[self.township[i]][sector] += sign
        self.post_sector[sector] += sign
        self.birth_sum[sector] += sign * self.birth[i]
        self.secondary_plus[sector] += sign * (self.education[i] >= SECONDARY)

    def _join_payroll(self, i: int) -> None:
        self.payroll[N_SECTORS * self.township[i] + self.sector[i]] += 1
        self.payroll_sector[self.sector[i]] += 1

    def _leave_payroll(self, i: int) -> None:
        self.payroll[N_SECTORS * self.township[i] + self.sector[i]] -= 1
        self.payroll_sector[self.sector[i]] -= 1

    def set_state(self, i: int, new: int) -> int:
        """Move person i to state `new`, keeping the counters; returns the old state."""
        old = self.state[i]
        if old == new:
            return old
        self.state[i] = new
        n_state = self.n_state
        n_state[old] -= 1
        n_state[new] += 1
        sector = self.sector[i]
        if old == IN_POST or new == IN_POST:  # `_post(i, ∓1)`, inlined: the hot path of every change of state
            sign = -1 if old == IN_POST else 1
            self.in_post[self.township[i]][sector] += sign
            self.post_sector[sector] += sign
            self.birth_sum[sector] += sign * self.birth[i]
            self.secondary_plus[sector] += sign * (self.education[i] >= SECONDARY)
        if SURPLUS[old] != SURPLUS[new]:
            self.surplus[self.township[i]] += 1 if SURPLUS[new] else -1
        now = ON_PAYROLL[new]
        if ON_PAYROLL[old] != now:
            step = 1 if now else -1
            self.payroll[N_SECTORS * self.township[i] + sector] += step
            self.payroll_sector[sector] += step
        return old

    def set_sector(self, i: int, sector: int, township: int | None = None) -> None:
        """Move person i to another sector (a post won in another sector), and township if given."""
        posted = self.state[i] == IN_POST
        if posted:
            self._post(i, -1)
        if township is not None and SURPLUS[self.state[i]]:
            self.surplus[self.township[i]] -= 1
            self.surplus[township] += 1
        if ON_PAYROLL[self.state[i]]:
            self._leave_payroll(i)
            self.sector[i] = sector
            if township is not None:
                self.township[i] = township
            self._join_payroll(i)
        else:
            self.sector[i] = sector
            if township is not None:
                self.township[i] = township
        if posted:
            self._post(i, 1)

    def set_education(self, i: int, level: int) -> None:
        """Change person i's education level, keeping the in-post counter."""
        if self.state[i] == IN_POST:
            self.secondary_plus[self.sector[i]] += (level >= SECONDARY) - (self.education[i] >= SECONDARY)
        self.education[i] = level

    def on_payroll(self) -> int:
        """Number of people on the township payroll."""
        return sum(self.payroll_sector)

    def payroll_of(self, tw: int, sector: int) -> int:
        """People of township tw's `sector` on the payroll."""
        return self.payroll[N_SECTORS * tw + sector]

    def payroll_table(self) -> np.ndarray:
        """People on the payroll, (townships × sectors): a copy."""
        return np.array(self.payroll, dtype=np.int64).reshape(self.n_townships, N_SECTORS)

    def arrays(self, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Selected attributes as numpy arrays (for vectorised steps such as posting)."""
        return {name: np.array(getattr(self, name)) for name in names}  # copies: see the module docstring

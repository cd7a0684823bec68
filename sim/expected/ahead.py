"""Monthly series booked ahead of the twin's month loop, summed as the loop passes (see `Ahead`)."""

from __future__ import annotations

import numpy as np

from sim.expected.attrition import Survival


class Ahead:
    """Blocks of rows of monthly series (months 0 .. months − 1) to which lines are booked ahead as
    survival profiles; a row is `block × width + column`.

    A line of weight w booked to a row over months [m0, m1) adds w × alive(m − lag) there (`lag` 1: its
    mass a month earlier, so that exits are a difference of two bookings). On a segment of the survival
    grid where Λ is affine (slope β) alive is a line constant times exp(−β m): the booking is +w at its
    first month and −w past its last in that segment's difference array, and a row's value in month m is
    Σ over segments of exp(−β m) × the running sum of its array, plus plain additions. Nothing is booked
    into a month already passed, so the loop turns each month's differences into running sums once, in
    place, as it passes (`at`), and no sum over the horizon is taken per booking. Blocks never booked are
    never touched.
    """

    def __init__(self, surv: Survival, blocks: int, width: int, months: int) -> None:
        self.surv = surv
        self.width, self.months = width, months
        self.beta = np.array([beta for _, _, beta, _ in surv.segments])
        self.decay = np.exp(-np.arange(months)[:, None] * self.beta)  # (months, segments)
        # differences by segment, block and month (month `months`: past the horizon); running sums once passed
        self.diff = np.zeros((len(self.beta), blocks, months + 1, width))
        self.plain = np.zeros((blocks, months, width))
        self.used = 0  # blocks [0, used) may have been booked
        self.now = 0  # the first month not passed
        self._value: tuple[slice, np.ndarray] | None = None  # blocks read in month `now` as booked so far

    # ------------------------------------------------------------------ reading
    def at(self, m: int, blocks: slice) -> np.ndarray:
        """`blocks` in month m as booked so far, (blocks, width) (the months before m pass: nothing more
        reaches them).
        """
        if m != self.now or self._value is None or self._value[0] != blocks:
            self._pass(m)
            diff = self.diff[:, blocks]
            cum = diff[:, :, m] if m == 0 else diff[:, :, m] + diff[:, :, m - 1]
            self._value = blocks, self._level(m, cum, blocks)
        return self._value[1]

    def passed(self, m: int, blocks: slice) -> np.ndarray:
        """`blocks` in month m, passed, (blocks, width)."""
        if m >= self.now:
            raise ValueError(f"month {m} has not passed (now {self.now})")
        return self._level(m, self.diff[:, blocks, m], blocks)

    def series(self) -> np.ndarray:
        """All months passed: the blocks by month, (blocks, months, width). Ends the booking."""
        self._pass(self.months)
        out = self.diff[0, :, : self.months]  # blocks never booked stay as they are: 0
        used = out[: self.used]
        used *= self.decay[:, 0, None]
        for s in range(1, len(self.beta)):
            used += self.decay[:, s, None] * self.diff[s, : self.used, : self.months]
        used += self.plain[: self.used]
        self.now = self.months + 1  # nothing is booked any more
        return out

    def combine(self, blocks: slice, weights: np.ndarray, m: int) -> np.ndarray:
        """Σ weight × row over the rows of `blocks` (weights (k, blocks, width)) in months m .. months − 1
        as booked so far, (k, months − m).
        """
        self._pass(m)
        axes = ([0, 2], [1, 2])
        out = np.tensordot(self.plain[blocks, m:], weights, axes).T
        for s in range(len(self.beta)):
            d = np.tensordot(self.diff[s, blocks, m : self.months], weights, axes)
            if m > 0:
                d[0] += np.tensordot(self.diff[s, blocks, m - 1], weights, ([0, 1], [1, 2]))
            out += (np.cumsum(d, axis=0) * self.decay[m:, s, None]).T
        return out

    def _pass(self, m: int) -> None:
        if m < self.now:
            raise ValueError(f"month {m} has passed (now {self.now})")
        used = slice(0, self.used)
        for k in range(max(self.now, 1), m):
            self.diff[:, used, k] += self.diff[:, used, k - 1]
        if m > self.now:
            self.now, self._value = m, None

    def _level(self, m: int, cum: np.ndarray, blocks: slice) -> np.ndarray:
        """`blocks` in month m from their running sums `cum` (segments, blocks, width) through it."""
        decay = self.decay[m]
        out = self.plain[blocks, m] + decay[0] * cum[0]
        for s in range(1, len(decay)):
            out += decay[s] * cum[s]
        return out

    # ------------------------------------------------------------------ booking
    def book(
        self,
        a: np.ndarray,
        r: np.ndarray,
        rows: np.ndarray,
        weights: np.ndarray,
        m0: int,
        m1: int,
        exits: bool = False,
    ) -> None:
        """Book lines (age a months at month 0, leaving in month r) with `weights` to `rows` (both (lines,
        columns)) over months [m0, m1): weight × alive(m). With `exits`, instead the exits in months
        m0 + 1 .. m1 of those lines: weight × (alive(m − 1) − alive(m)).
        """
        parts = ((1, 1.0), (0, -1.0)) if exits else ((0, 1.0),)
        if exits:
            m0, m1 = m0 + 1, m1 + 1
        m1 = min(m1, self.months)
        if m0 >= m1 or len(a) == 0:
            return
        self._mark(m0, int(rows.max()) // self.width)
        block, column = np.divmod(rows, self.width)
        base = block * (self.months + 1) * self.width + column
        where: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for lag, sign in parts:
            for s, segment in enumerate(self.surv.segments):
                self._entries(where, values, s, segment, a, r, base, sign * weights, m0, m1, lag)
        if where:
            np.add.at(self.diff.reshape(-1), np.concatenate(where), np.concatenate(values))

    def _entries(
        self,
        where: list[np.ndarray],
        values: list[np.ndarray],
        s: int,
        segment: tuple[int, int, float, float],
        a: np.ndarray,
        r: np.ndarray,
        base: np.ndarray,
        weights: np.ndarray,
        m0: int,
        m1: int,
        lag: int,
    ) -> None:
        """The difference-array entries of a booking on segment s (ages [lo, hi) months, Λ slope β, offset α)."""
        lo, hi, beta, alpha = segment
        if lo == 0 and lag <= m0 and hi >= int(a.max()) + int(r.max()):  # the segment covers them all along
            start, end = np.full(len(a), m0), np.minimum(r + lag, m1)
        else:
            start, end = np.maximum(lo - a + lag, m0), np.minimum(np.minimum(hi - a, r) + lag, m1)
        ok = start < end
        if not ok.all():
            keep = np.flatnonzero(ok)
            if len(keep) == 0:
                return
            a, base, weights, start, end = (x.take(keep, axis=0) for x in (a, base, weights, start, end))
        if len(self.surv.segments) > 1:
            weights = weights * np.exp(self.surv.L[a] - alpha - beta * a + beta * lag)[:, None]
        elif lag and beta:
            weights = weights * np.exp(beta * lag)
        base = base + s * self.diff[0].size
        width = self.width
        where += [(base + (start * width)[:, None]).ravel(), (base + (end * width)[:, None]).ravel()]
        values += [weights.ravel(), -weights.ravel()]

    def add_plain(self, block: int, m: int, values: np.ndarray) -> None:
        """Add `values` (columns, months from m) to the first columns of `block` from month m on."""
        self._mark(m, block)
        self.plain[block, m : m + values.shape[1], : values.shape[0]] += values.T

    def assign(self, src: slice, dst: slice, m: int, columns: np.ndarray | None = None) -> None:
        """From month m on, blocks `dst` are blocks `src` as booked now (and are then booked like them), in
        every column or only in `columns`.
        """
        self._pass(m)
        self._mark(m, dst.stop - 1)
        diff = self.diff
        c = slice(None) if columns is None else columns
        if m > 0:  # running sums through m − 1 stay as they were
            diff[:, dst, m, c] = diff[:, src, m, c] + (diff[:, src, m - 1, c] - diff[:, dst, m - 1, c])
        else:
            diff[:, dst, m, c] = diff[:, src, m, c]
        diff[:, dst, m + 1 :, c] = diff[:, src, m + 1 :, c]
        self.plain[dst, m:, c] = self.plain[src, m:, c]

    def add_booked(self, other: Ahead, ends: list[int]) -> None:
        """Add what was booked into the first blocks of `other` (not passed), block k up to month ends[k]."""
        self._mark(0, len(ends) - 1)
        for k, end in enumerate(ends):
            end = min(end, self.months)
            self.diff[:, k, :end] += other.diff[:, k, :end]
            self.diff[:, k, end] -= other.diff[:, k, :end].sum(axis=1)  # nothing from `end` on
            self.plain[k, :end] += other.plain[k, :end]

    def _mark(self, m: int, block: int) -> None:
        """Note a booking from month m into `block`."""
        if m < self.now:
            raise ValueError(f"booking from month {m}, passed (now {self.now})")
        self.used = max(self.used, block + 1)
        self._value = None

"""Progress of long runs: a tqdm bar on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


class Progress:
    """Counts finished and failed jobs; shows a bar (tty) or a line every ~10% (≥ 2 s apart) or 30 s.

    `enabled=False` shows nothing; `None` decides: a bar if `stream` is a terminal, lines otherwise.
    """

    def __init__(
        self,
        total: int,
        initial: int = 0,
        label: str = "jobs",
        stream: TextIO | None = None,
        enabled: bool | None = None,
        interval_s: float = 30.0,
    ) -> None:
        self.total, self.done, self.failed = total, initial, 0
        self.initial, self.label = initial, label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled is not False
        self.interval_s = interval_s
        self.t0 = self._last_t = time.monotonic()
        self._last_done = initial
        self._bar: Any = None
        if self.enabled and (enabled is None and getattr(self.stream, "isatty", lambda: False)()):
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=initial, desc=label, unit="job", file=self.stream, dynamic_ncols=True)
        elif self.enabled and total > initial:
            self._line("start")

    def update(self, ok: bool) -> None:
        """One more job finished (ok) or failed."""
        self.done += 1
        self.failed += 0 if ok else 1
        if self._bar is not None:
            self._bar.update(1)
            if self.failed:
                self._bar.set_postfix(failed=self.failed, refresh=False)
            return
        if not self.enabled:
            return
        now = time.monotonic()
        step = max(self.total // 10, 1)
        since = now - self._last_t
        if (
            self.done == self.total
            or (self.done - self._last_done >= step and since >= 2.0)
            or since >= self.interval_s
        ):
            self._line("progress")
            self._last_t, self._last_done = now, self.done

    def _line(self, what: str) -> None:
        elapsed = time.monotonic() - self.t0
        ran = self.done - self.initial
        rate = ran / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = _duration(left / rate) if rate > 0 and left else "-"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        failed = f", {self.failed} failed" if self.failed else ""
        if what == "start":
            text = f"{self.label}: {self.total - self.initial} of {self.total} jobs to run"
        else:
            text = f"{self.label}: {self.done}/{self.total} jobs ({pct:.0f}%){failed}, {rate:.1f} jobs/s, ETA {eta}"
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

"""Worker processes end when the process that started them ends, however it ends (kill -9 included).

A pool worker polls its parent (a change of parent id means the parent is gone); a Dask worker
or nanny of a LocalCluster polls the fenliu process by id. Polling, rather than a signal on the
parent's death, works on every platform and whatever thread started the worker.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

POLL_S = 0.5
EXIT_CODE = 70  # what a worker orphaned by its parent exits with


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (not Linux): the signal test is all there is
    return stat.rpartition(")")[2].split()[0] != "Z"


def watch_parent(pid: int | None = None, poll_s: float = POLL_S) -> None:
    """End this process once `pid` (default: this process's parent) is gone; returns at once."""
    parent = os.getppid()

    def gone() -> bool:
        return os.getppid() != parent if pid is None else not alive(pid)

    def loop() -> None:
        while not gone():
            time.sleep(poll_s)
        os._exit(EXIT_CODE)

    threading.Thread(target=loop, name="fenliu-lifeline", daemon=True).start()

"""Executors: run jobs in this process, on a local process pool, or on a Dask cluster.

All three take the same jobs and yield the same Outcomes (in completion order), so the
numbers never depend on where they were computed. At most `2 × workers` jobs are in flight:
jobs are pulled from an iterator as results come back, so memory stays flat however many
jobs a sweep has. The pool uses a `spawn` context obtained here, never set globally.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sim.errors import InputError
from sim.experiment.jobs import Context, Job, Outcome, execute, execute_here, init_worker, pause_pid
from sim.experiment.lifeline import watch_parent

EXECUTORS = ("local", "dask", "inprocess")
IN_FLIGHT_PER_WORKER = 2
CONNECT_TIMEOUT = 30.0


def default_workers() -> int:
    """CPUs this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def _failed(job: Job, message: str) -> Outcome:
    now = time.time()
    return Outcome(job, False, error=message, started=now, finished=now)


class Executor:
    """Runs jobs; subclasses say where. Use as a context manager, or call start and close."""

    name = "base"

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self.context: Context | None = None

    def start(self, context: Context) -> None:
        """Get ready to run jobs of `context` (connect, start workers). Raises InputError if it cannot."""
        self.context = context

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Run jobs, yielding their Outcomes as they finish."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop workers and disconnect."""

    def describe(self) -> dict[str, Any]:
        """For the manifest."""
        return {"executor": self.name, "workers": self.workers}

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessExecutor(Executor):
    """Jobs one after another in this process: no start-up cost, easy to debug."""

    name = "inprocess"

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Run each job here."""
        assert self.context is not None, "start() first"
        for job in jobs:
            yield execute(self.context, job)


class LocalPoolExecutor(Executor):
    """A pool of `workers` spawned processes on this machine (the default)."""

    name = "local"

    def __init__(self, workers: int = 2) -> None:
        super().__init__(workers)
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        assert self.context is not None, "start() first"
        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=init_worker, initargs=(self.context,)
        )

    def start(self, context: Context) -> None:
        """Start the worker processes (each receives the context once) and wait until all are up."""
        super().start(context)
        self._pool = self._new_pool()
        seen: set[int] = set()
        deadline = time.monotonic() + 120
        while len(seen) < self.workers and time.monotonic() < deadline:
            seen |= {f.result() for f in [self._pool.submit(pause_pid, 0.05) for _ in range(self.workers)]}

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Feed jobs through a bounded window of futures."""
        assert self._pool is not None, "start() first"
        limit = IN_FLIGHT_PER_WORKER * self.workers
        source = iter(jobs)
        pending: dict[Future[Outcome], Job] = {}

        def fill() -> None:
            while len(pending) < limit:
                job = next(source, None)
                if job is None:
                    return
                assert self._pool is not None
                pending[self._pool.submit(execute_here, job)] = job

        try:
            fill()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    job = pending.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool as exc:
                        broken = True
                        yield _failed(job, f"a worker process died while running this job ({exc})")
                    except Exception:  # noqa: BLE001 - e.g. an unpicklable result
                        yield _failed(job, traceback.format_exc())
                if broken:
                    for job in pending.values():
                        yield _failed(job, "the worker pool broke (a worker process died) while this job was queued")
                    pending.clear()
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
                fill()
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """A Dask distributed cluster: `scheduler` (tcp://host:port) or a LocalCluster of `workers`."""

    name = "dask"

    def __init__(self, workers: int = 2, scheduler: str | None = None, timeout: float = CONNECT_TIMEOUT) -> None:
        super().__init__(workers)
        self.scheduler = scheduler
        self.timeout = timeout
        self._client: Any = None
        self._cluster: Any = None
        self._context_future: Any = None

    def start(self, context: Context) -> None:
        """Connect (or start a LocalCluster) and send the context to every worker once."""
        super().start(context)
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - a declared dependency
            raise InputError(
                "--executor dask needs the 'distributed' package (pip install 'dask[distributed]')"
            ) from None
        if self.scheduler:
            self._client = self._connect(Client)
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster, set_as_default=False)
            self._client.wait_for_workers(self.workers, timeout=120)
            # the cluster is ours: its nannies and workers end with this process, even after kill -9
            self._client.run(watch_parent, os.getpid(), nanny=True)
            self._client.run(watch_parent, os.getpid())
        self._context_future = self._client.scatter(context, broadcast=True, hash=False)

    def _connect(self, client_class: Any) -> Any:
        """A client of the scheduler at `self.scheduler` with at least one worker, all within the timeout.

        The address is first asked who it is over Dask's own protocol with a hard deadline
        (a Dask client alone would wait forever on, say, an HTTP server); InputError if it is
        not a Dask scheduler, cannot be reached, or has no worker in time.
        """
        address, timeout = str(self.scheduler), self.timeout
        expected = "expected the address of a running Dask scheduler, like tcp://host:8786"
        deadline = time.monotonic() + timeout
        try:
            identity = probe_scheduler(address, timeout)
        except (ValueError, TypeError) as exc:  # not an address at all
            raise InputError(f"--scheduler {address!r}: {exc}; {expected}") from None
        except (OSError, TimeoutError) as exc:
            reason = "no answer" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            raise InputError(
                f"--scheduler {address!r}: cannot reach the Dask scheduler within {timeout:g} s ({reason}); {expected}"
            ) from None
        if not isinstance(identity, dict) or identity.get("type") != "Scheduler":
            raise InputError(f"--scheduler {address!r}: what answers there is not a Dask scheduler; {expected}")
        left = max(deadline - time.monotonic(), 1.0)
        client = client_class(address, timeout=left, set_as_default=False)
        try:
            client.wait_for_workers(1, timeout=max(deadline - time.monotonic(), 1.0))
        except (TimeoutError, OSError):
            client.close()
            raise InputError(
                f"--scheduler {address!r}: the Dask scheduler has no worker after {timeout:g} s; "
                "start some with `dask worker ADDRESS`"
            ) from None
        self.workers = max(len(client.scheduler_info().get("workers", {})), 1)
        return client

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Submit jobs through a bounded window; yield outcomes as they complete."""
        from distributed import as_completed

        assert self._client is not None, "start() first"
        limit = IN_FLIGHT_PER_WORKER * max(self.workers, 1)
        source = iter(jobs)
        pending: dict[str, tuple[Any, Job]] = {}
        stream = as_completed(loop=self._client.loop)
        tag = uuid.uuid4().hex[:8]

        def fill() -> None:
            while len(pending) < limit:
                job = next(source, None)
                if job is None:
                    return
                fut = self._client.submit(execute, self._context_future, job, pure=False, key=f"fenliu-{tag}-{job.id}")
                pending[fut.key] = (fut, job)
                stream.add(fut)

        try:
            fill()
            for fut in stream:
                _, job = pending.pop(fut.key)
                try:
                    outcome = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker
                    outcome = _failed(job, f"the Dask cluster could not run this job: {type(exc).__name__}: {exc}")
                fut.release()
                yield outcome
                fill()
        finally:
            stream.clear()
            if pending:
                self._client.cancel([fut for fut, _ in pending.values()])

    def close(self) -> None:
        """Disconnect, and stop the LocalCluster if this executor started one."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def describe(self) -> dict[str, Any]:
        """Executor, workers and scheduler address."""
        return {**super().describe(), "scheduler": self.scheduler or "LocalCluster"}


def probe_scheduler(address: str, timeout: float) -> Any:
    """Ask `address` its identity over Dask's protocol; its answer, or TimeoutError after `timeout` s.

    Runs on a thread of its own with its own event loop, so that it works inside a notebook's
    running loop too and nothing it leaves behind can block this process.
    """
    answer: dict[str, Any] = {}

    async def identity() -> Any:
        from distributed.comm import connect

        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    def target() -> None:
        try:
            answer["identity"] = asyncio.run(asyncio.wait_for(identity(), timeout))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            answer["error"] = exc

    thread = threading.Thread(target=target, name="fenliu-probe-scheduler", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)
    if thread.is_alive() or isinstance(answer.get("error"), asyncio.TimeoutError):
        raise TimeoutError(f"no answer within {timeout:g} s")
    if "error" in answer:
        raise answer["error"]
    return answer.get("identity")


def check_workers(workers: int | None) -> None:
    """A number of worker processes is a whole number of at least 1 (None: the default)."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers: expected a whole number of at least 1, found {workers}")


def make_executor(
    kind: str = "local", workers: int | None = None, scheduler: str | None = None, timeout: float = CONNECT_TIMEOUT
) -> Executor:
    """An executor by name, its arguments checked (InputError for bad ones)."""
    if timeout <= 0:
        raise InputError(f"--connect-timeout: expected a positive number of seconds, found {timeout:g}")
    if kind not in EXECUTORS:
        raise InputError(f"--executor: expected one of {', '.join(EXECUTORS)}, found {kind!r}")
    check_workers(workers)
    if scheduler and kind != "dask":
        raise InputError("--scheduler needs --executor dask")
    if kind == "inprocess":
        return InProcessExecutor(1)
    if kind == "local":
        return LocalPoolExecutor(workers or default_workers())
    return DaskExecutor(workers or default_workers(), scheduler, timeout)

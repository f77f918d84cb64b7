"""Worker processes and the dispatcher that feeds them from the run table.

Solves are CPU-bound, so they run in worker processes, never in the service's own process (and
never forked from it: :func:`models.processes.context` starts them).  Two pools keep long
background runs from starving synchronous optimisations.  Each pool has a fixed number of processes and a bounded
queue: a submission beyond it raises :class:`QueueFull`, which the routes answer with 503.

The run table is the source of truth.  The :class:`Dispatcher` claims queued runs only when a
background worker is idle, taking territories in turn (the one with the fewest runs running) (so the queue itself lives in the database and survives restarts),
re-queues the run of a worker that dies (up to ``max_attempts``), and at start-up puts every
run left ``running`` by a previous service process back in the queue.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from api import store
from api.db import RunRow
from api.states import RunState
from api.worker import worker_main
from models import processes

log = logging.getLogger(__name__)

_STOP = object()


class QueueFull(Exception):
    """The pool's queue is full; retry later."""


class WorkerDied(Exception):
    """The worker process died while it held the job (killed, out of memory...)."""


class _Job:
    def __init__(self, run_id: str, attempt: int) -> None:
        self.run_id = run_id
        self.attempt = attempt
        self.future: Future[str] = Future()


class WorkerPool:
    """``size`` worker processes serving run ids from a queue of at most ``queue_size``.

    Each process is replaced by a fresh one after ``max_runs`` runs.
    """

    def __init__(
        self,
        name: str,
        size: int,
        queue_size: int,
        database_url: str,
        threads: int = 1,
        max_runs: int = 500,
        memory_mb: int = 0,
    ) -> None:
        self.name = name
        self.size = size
        self.queue_size = queue_size
        self.database_url = database_url
        self.threads = threads
        self.max_runs = max_runs
        self.memory_mb = memory_mb
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._load = 0  # jobs submitted and not yet done (queued + running)
        self._slots = [_Slot(self, i) for i in range(size)]
        self.stopping = False

    def start(self) -> None:
        """Start the slots (each spawns its process in the background)."""
        for slot in self._slots:
            slot.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the slots and their processes.

        Idle workers exit at once; a worker still solving after ``timeout`` is killed, and its
        run stays ``running`` in the database, to be re-queued when the service starts again.
        """
        self.stopping = True
        for _ in self._slots:
            self._jobs.put(_STOP)
        deadline = time.monotonic() + timeout
        for slot in self._slots:
            slot.thread.join(max(0.0, deadline - time.monotonic()))
        for slot in self._slots:
            slot.stop(timeout=2.0)

    @property
    def busy(self) -> int:
        """Jobs submitted and not yet done."""
        return self._load

    @property
    def idle(self) -> int:
        """Workers with nothing to do (none if jobs are waiting)."""
        return max(0, self.size - self._load)

    def submit(self, run_id: str, attempt: int) -> Future[str]:
        """Queue a run; the future gives the worker's outcome or raises :class:`WorkerDied`."""
        with self._lock:
            if self._load >= self.size + self.queue_size:
                raise QueueFull(f"{self.name} queue is full")
            self._load += 1
        job = _Job(run_id, attempt)
        self._jobs.put(job)
        return job.future

    def _done(self) -> None:
        with self._lock:
            self._load -= 1

    def pids(self) -> list[int]:
        """The process ids of the live workers."""
        return [s.pid for s in self._slots if s.pid is not None]

    def stats(self) -> dict[str, int]:
        """Size, busy and live process counts."""
        return {"size": self.size, "busy": self.busy, "processes": len(self.pids())}


class _Slot:
    """One worker process and the thread that feeds it."""

    def __init__(self, pool: WorkerPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.process: Any = None
        self.conn: Connection | None = None
        self.runs = 0  # runs served by the current process
        self.thread = threading.Thread(
            target=self._serve, name=f"{pool.name}-worker-{index}", daemon=True
        )

    @property
    def pid(self) -> int | None:
        if self.process is None or not self.process.is_alive():
            return None
        return int(self.process.pid)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float) -> None:
        self._discard(graceful=not self.thread.is_alive())
        self.thread.join(timeout)

    def _spawn(self) -> None:
        ctx = processes.context()
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=worker_main,
            args=(child, self.pool.database_url, self.pool.threads, self.pool.memory_mb),
            name=f"symbiose-{self.pool.name}-{self.index}",
            daemon=True,
        )
        process.start()
        child.close()
        self.runs = 0
        # Wait for the worker's imports: a process that cannot start is an error to report.
        while not parent.poll(0.5):
            if not process.is_alive():
                raise WorkerDied(f"worker exited with code {process.exitcode} while starting")
        parent.recv()
        self.process, self.conn = process, parent

    def _discard(self, graceful: bool = False) -> None:
        if self.conn is not None and graceful:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
        if self.process is not None:
            self.process.join(1.0 if graceful else 0.1)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(2.0)
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None

    def _serve(self) -> None:
        try:
            self._spawn()
        except Exception:
            log.exception("%s: worker %d could not start", self.pool.name, self.index)
        while True:
            job = self.pool._jobs.get()
            if job is _STOP:
                return
            try:
                if self.process is None or not self.process.is_alive():
                    self._discard()
                    self._spawn()
                job.future.set_result(self._run(job))
                self.runs += 1
                if self.runs >= self.pool.max_runs:  # a fresh process now and then: no slow leaks
                    self._discard(graceful=True)
                    self._spawn()
            except Exception as exc:
                log.warning("%s: worker %d died on run %s", self.pool.name, self.index, job.run_id)
                self._discard()
                job.future.set_exception(
                    exc if isinstance(exc, WorkerDied) else WorkerDied(str(exc))
                )
            finally:
                self.pool._done()

    def _run(self, job: _Job) -> str:
        assert self.conn is not None and self.process is not None
        self.conn.send((job.run_id, job.attempt))
        while True:
            if self.conn.poll(0.2):
                return str(self.conn.recv())
            if not self.process.is_alive():
                raise WorkerDied(
                    f"the worker process died (exit code {self.process.exitcode}) during the solve"
                )


class Dispatcher:
    """Moves queued runs from the database to the background pool; handles dead workers."""

    def __init__(self, sessions: sessionmaker, pool: WorkerPool, max_attempts: int = 3) -> None:
        self.sessions = sessions
        self.pool = pool
        self.max_attempts = max_attempts
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="run-dispatcher", daemon=True)

    def start(self) -> None:
        """Re-queue what an earlier service left running, then start dispatching."""
        self.recover()
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching (runs in progress are left to the pool's shutdown)."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(5.0)

    def wake(self) -> None:
        """A run was queued or a worker freed: look at the queue now."""
        self._wake.set()

    def recover(self) -> int:
        """Put every run left ``running`` back in the queue (after a crash or restart)."""
        with self.sessions() as session:
            count = store.requeue_running(session)
        if count:
            log.warning("re-queued %d run(s) left running by a previous service", count)
        return count

    def queued(self) -> int:
        """Background runs waiting in the queue."""
        with self.sessions() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(RunRow).where(RunRow.state == RunState.QUEUED)
                )
                or 0
            )

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self._fill()
            except Exception:  # the database may be briefly unavailable: try again later
                log.exception("dispatcher: could not dispatch")

    def _fill(self) -> None:
        while self.pool.idle > 0 and not self._stopping.is_set():
            claimed = self._claim()
            if claimed is None:
                return
            run_id, attempt = claimed
            try:
                future = self.pool.submit(run_id, attempt)
            except QueueFull:
                self._release(run_id, attempt)
                return
            future.add_done_callback(self._callback(run_id, attempt))

    def _callback(self, run_id: str, attempt: int) -> Any:
        def done(future: Future[str]) -> None:
            self.finished(run_id, attempt, future.exception())

        return done

    def _claim(self) -> tuple[str, int] | None:
        with self.sessions() as session:
            run_id = self._next_run(session)
            if run_id is None:
                return None
            attempt = store.claim_run(session, run_id)
            return None if attempt is None else (run_id, attempt)

    def _next_run(self, session: Any) -> str | None:
        """The oldest queued run of the territory with the fewest runs running.

        Territories take turns: one that queued fifty runs does not make another's first run
        wait for all of them.
        """
        waiting = session.execute(
            select(RunRow.territory_id, func.min(RunRow.created_at))
            .where(RunRow.state == RunState.QUEUED)
            .group_by(RunRow.territory_id)
        ).all()
        if not waiting:
            return None
        running = dict(
            session.execute(
                select(RunRow.territory_id, func.count())
                .where(RunRow.state == RunState.RUNNING)
                .group_by(RunRow.territory_id)
            ).all()
        )
        territory = min(waiting, key=lambda row: (running.get(row[0], 0), row[1], row[0]))[0]
        run_id: str | None = session.scalar(
            select(RunRow.id)
            .where((RunRow.state == RunState.QUEUED) & (RunRow.territory_id == territory))
            .order_by(RunRow.created_at, RunRow.id)
            .limit(1)
        )
        return run_id

    def territory_load(self, territory: str) -> int:
        """Background runs of ``territory`` queued or running."""
        with self.sessions() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(RunRow)
                    .where(
                        (RunRow.territory_id == territory)
                        & (RunRow.kind == "background")
                        & RunRow.state.in_((RunState.QUEUED, RunState.RUNNING))
                    )
                )
                or 0
            )

    def _release(self, run_id: str, attempt: int) -> None:
        with self.sessions() as session:
            store.release_run(session, run_id, attempt)

    def finished(self, run_id: str, attempt: int, error: BaseException | None) -> None:
        """A job of the run came back: if its worker died, re-queue or fail the run.

        Workers stopped with the service are not crashes: their runs stay ``running`` and are
        re-queued at the next start, without counting an attempt against them.
        """
        if error is not None and not (self.pool.stopping or self._stopping.is_set()):
            try:
                self._after_crash(run_id, attempt, error)
            except Exception:
                log.exception("dispatcher: could not record the crash of run %s", run_id)
        self.wake()

    def _after_crash(self, run_id: str, attempt: int, error: BaseException) -> None:
        with self.sessions() as session:
            state = store.after_crash(session, run_id, attempt, str(error), self.max_attempts)
        if state == RunState.QUEUED:
            log.warning("run %s: worker died (%s); re-queued", run_id, error)

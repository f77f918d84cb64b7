"""The code that runs inside a worker process: take a run id, solve it, store the outcome.

A worker talks to its parent over a pipe (run id and attempt in, a short outcome out) and to
the database for everything else: it reads the run's input, writes progress (incumbent, bound,
gap) while HiGHS works, polls the cancel flag, and stores the result.  Every write is guarded
by the run's ``attempt`` number, so a worker left over from an earlier attempt (a service that
was killed and restarted) can never overwrite the run it no longer owns.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api import store
from api.db import RunResultRow, RunRow, make_engine
from api.states import RunState
from models import processes
from symbiose.progress import ProgressEvent, reporting

log = logging.getLogger(__name__)


_memory_mb = 0
"""This worker's memory bound (``Settings.worker_memory_mb``), named in a failed run's reason."""


def worker_main(conn: Connection, database_url: str, threads: int, memory_mb: int = 0) -> None:
    """Entry point of a worker process: serve run ids from ``conn`` until told to stop.

    ``memory_mb``: address space the process may grow by beyond its imports (0: no bound).
    """
    global _memory_mb
    processes.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from api import domain  # noqa: F401  (import the optimiser once, before the first run)

    if memory_mb > 0:
        processes.cap_address_space(memory_mb * 1024 * 1024)
        _memory_mb = memory_mb

    engine = make_engine(database_url, pooled=False)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        run_id, attempt = message
        try:
            outcome = execute(engine, run_id, attempt, threads)
        except Exception as exc:  # a database failure: the parent re-queues the run
            log.exception("run %s failed in the worker", run_id)
            outcome = f"error: {type(exc).__name__}: {exc}"
        try:
            conn.send(outcome)
        except (EOFError, OSError):
            return


def execute(engine: Engine, run_id: str, attempt: int, threads: int) -> str:
    """Solve one run and store its outcome; returns the run's final state (or ``stale``)."""
    with Session(engine) as session:
        run = store.begin_attempt(session, run_id, attempt, os.getpid())
    if run is None:
        return "stale"
    if run.state == RunState.CANCELLED:
        return RunState.CANCELLED
    tracker = _Tracker(engine, run_id, attempt)
    end = _solve(run, threads, tracker)
    with Session(engine) as session:
        if not store.end_attempt(session, run_id, attempt, end):
            return "stale"
    return str(end.state)


def _solve(run: RunRow, threads: int, tracker: _Tracker) -> store.RunEnd:
    """Optimise the run's input; how it ended, never an exception."""
    from api import domain

    try:
        with reporting(tracker.phase):
            outcome = domain.optimise(
                run.input,
                run.objective,
                run.time_limit,
                run.rel_gap,
                threads,
                tracker.progress,
                tracker.should_stop,
            )
    except domain.InventoryError as exc:
        return store.RunEnd(RunState.FAILED, "invalid", str(exc))
    except MemoryError:
        return store.RunEnd(RunState.FAILED, "error", out_of_memory(_memory_mb))
    except Exception as exc:  # the solve itself failed: the run fails with the reason
        log.exception("run %s: the optimisation raised", run.id)
        return store.RunEnd(RunState.FAILED, "error", f"{type(exc).__name__}: {exc}")
    end = store.RunEnd(RunState.FAILED, outcome.status, outcome.message, outcome.figures)
    # A run the user cancelled is cancelled, even when the solver had an incumbent by then (a
    # warm start gives one at once); that incumbent is kept with the run.
    if outcome.status == "cancelled" or tracker.cancelled:
        end.state = RunState.CANCELLED
    elif outcome.has_solution:
        end.state = RunState.FINISHED
    if outcome.has_solution:
        end.result = RunResultRow(run_id=run.id, document=outcome.document, geojson=outcome.geojson)
    return end


class _Tracker:
    """Progress writer and cancel poller for one run (both throttled)."""

    def __init__(self, engine: Engine, run_id: str, attempt: int) -> None:
        self.engine = engine
        self.run_id = run_id
        self.attempt = attempt
        self.parent = os.getppid()
        self.cancelled = False
        self._last_write = 0.0
        self._last_poll = 0.0
        self._last_phase = 0.0
        self._stop = False

    def _owned(self) -> Any:
        return (
            (RunRow.id == self.run_id)
            & (RunRow.attempt == self.attempt)
            & (RunRow.state == RunState.RUNNING)
        )

    def progress(self, p: Any) -> None:
        """Store a progress snapshot (at most once a second)."""
        tick = time.monotonic()
        if tick - self._last_write < 1.0:
            return
        self._last_write = tick
        try:
            with Session(self.engine) as session:
                session.execute(
                    update(RunRow)
                    .where(self._owned())
                    .values(
                        incumbent=p.incumbent,
                        bound=p.bound,
                        mip_gap=p.gap,
                        elapsed=p.elapsed,
                        nodes=p.nodes,
                    )
                )
                session.commit()
        except Exception:  # progress is best effort; the solve goes on
            log.warning("run %s: could not store progress", self.run_id, exc_info=True)

    def phase(self, event: ProgressEvent) -> None:
        """Store the phase the run is in as its ``reason`` line while it runs.

        At most once a second, and at the end of every phase.
        """
        tick = time.monotonic()
        if tick - self._last_phase < 1.0 and not event.finished:
            return
        self._last_phase = tick
        try:
            with Session(self.engine) as session:
                session.execute(
                    update(RunRow).where(self._owned()).values(reason=event.describe()[:500])
                )
                session.commit()
        except Exception:  # progress is best effort; the solve goes on
            log.warning("run %s: could not store its phase", self.run_id, exc_info=True)

    def should_stop(self) -> bool:
        """Whether the run was cancelled, re-assigned, or the service went away."""
        if self._stop:
            return True
        tick = time.monotonic()
        if tick - self._last_poll < 0.5:
            return False
        self._last_poll = tick
        if os.getppid() != self.parent:
            self._stop = True
            return True
        try:
            with Session(self.engine) as session:
                row = session.execute(
                    select(RunRow.cancel_requested, RunRow.attempt, RunRow.state).where(
                        RunRow.id == self.run_id
                    )
                ).first()
        except Exception:
            return False
        if row is None or row.attempt != self.attempt or row.state != RunState.RUNNING:
            self._stop = True
        elif row.cancel_requested:
            self._stop = self.cancelled = True
        return self._stop


def out_of_memory(memory_mb: int) -> str:
    """The reason of a run that needed more memory than its worker may use."""
    bound = f"{memory_mb} MB (setting SYMBIOSE_WORKER_MEMORY_MB)" if memory_mb else "the machine's"
    return (
        f"the optimisation needed more memory than a worker may use: {bound}; "
        "solve a smaller territory, cap the candidates, or raise the limit"
    )

"""The code that runs inside a worker process: take a run id, solve it, store the outcome.

A worker talks to its parent over a pipe (run id and attempt in, a short outcome out) and to
the database for everything else: it reads the run's input, writes progress (incumbent, bound,
gap) while HiGHS works, polls the cancel flag, and stores the result.  Every write is guarded
by the run's ``attempt`` number, so a worker left over from an earlier attempt (a service that
was killed and restarted) can never overwrite the run it no longer owns.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import time
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api.db import RunResultRow, RunRow, make_engine, now
from api.states import RunState

log = logging.getLogger(__name__)


def worker_main(conn: Connection, database_url: str, threads: int) -> None:
    """Entry point of a worker process: serve run ids from ``conn`` until told to stop."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from api import domain  # noqa: F401  (import the optimiser once, before the first run)

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


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no orphaned solves)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the attempt guard still protects the stored state


def execute(engine: Engine, run_id: str, attempt: int, threads: int) -> str:
    """Solve one run and store its outcome; returns the run's final state (or ``stale``)."""
    from api import domain

    owned = (RunRow.id == run_id) & (RunRow.attempt == attempt) & (RunRow.state == RunState.RUNNING)
    with Session(engine) as session:
        run = session.scalars(select(RunRow).where(owned)).first()
        if run is None:
            return "stale"
        if run.cancel_requested:
            session.execute(update(RunRow).where(owned).values(state=RunState.CANCELLED, finished_at=now()))
            session.commit()
            return RunState.CANCELLED
        session.execute(
            update(RunRow)
            .where(owned)
            .values(
                started_at=now(),
                worker_pid=os.getpid(),
                incumbent=None,
                bound=None,
                mip_gap=None,
                elapsed=None,
                nodes=None,
            )
        )
        session.commit()
        inv_json, objective = run.input, run.objective
        time_limit, gap = run.time_limit, run.rel_gap

    tracker = _Tracker(engine, run_id, attempt)
    values: dict[str, Any]
    result_row: RunResultRow | None = None
    try:
        outcome = domain.optimise(
            inv_json, objective, time_limit, gap, threads, tracker.progress, tracker.should_stop
        )
    except domain.InventoryError as exc:
        values = {"state": RunState.FAILED, "status": "invalid", "reason": str(exc)}
    except Exception as exc:  # the solve itself failed: the run fails with the reason
        log.exception("run %s: the optimisation raised", run_id)
        values = {"state": RunState.FAILED, "status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    else:
        if outcome.has_solution:
            values = {"state": RunState.FINISHED, "status": outcome.status, "reason": outcome.message}
            result_row = RunResultRow(
                run_id=run_id, document=outcome.document, geojson=outcome.geojson
            )
        elif outcome.status == "cancelled" or tracker.cancelled:
            values = {"state": RunState.CANCELLED, "status": outcome.status, "reason": outcome.message}
        else:
            values = {"state": RunState.FAILED, "status": outcome.status, "reason": outcome.message}
        values.update(outcome.figures)
    values["finished_at"] = now()
    with Session(engine) as session:
        done = session.execute(update(RunRow).where(owned).values(**values))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return "stale"
        if result_row is not None:
            session.add(result_row)
        session.commit()
    return str(values["state"])


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

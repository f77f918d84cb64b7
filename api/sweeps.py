"""Sweeps in the service: a runner thread that starts each queued sweep in a process of its own.

The service process never solves.  A sweep's draws are planned (and checked) when it is
created; :class:`SweepRunner` then claims queued sweeps one at a time from the ``sweeps`` table
and runs each in a process of its own (:func:`models.processes.context`) (:func:`sweep_main`), which solves the draws through
:func:`symbiose.executor.run_sweep` (one by one in that process, on local Dask workers, or on
the Dask scheduler named by the settings), writes its progress (draws done and failed) to the
row as draws complete, polls the cancel flag, and stores the robust toile as a JSON document.
A sweep left running by a stopped service is queued again at the next start.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api import store
from api.config import Settings
from api.db import SweepRow, make_engine
from api.states import RunState
from models import processes
from models.constants import SOLVED

log = logging.getLogger(__name__)


class SweepRunner:
    """Runs queued sweeps, one at a time, each in a process of its own."""

    def __init__(self, sessions: sessionmaker, settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sweeps", daemon=True)
        self._process: Any = None

    def start(self) -> None:
        """Queue again the sweeps an earlier service left running, then start the loop."""
        with self.sessions() as session:
            store.requeue_running_sweeps(session)
        self._thread.start()

    def wake(self) -> None:
        """Look at the queue now (a sweep was just created)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop and the running sweep (it is queued again at the next start)."""
        self._stopping.set()
        self._wake.set()
        process = self._process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(timeout)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            sweep_id = self._claim()
            if sweep_id is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            self._run(sweep_id)

    def _claim(self) -> str | None:
        with self.sessions() as session:
            return store.claim_sweep(session)

    def _run(self, sweep_id: str) -> None:
        s = self.settings
        context = processes.context()
        process = context.Process(
            target=sweep_main,
            args=(s.database_url, sweep_id, s.sweep_workers, s.dask_scheduler or None),
            name=f"sweep-{sweep_id}",
            daemon=True,
        )
        self._process = process
        process.start()
        while process.is_alive() and not self._stopping.is_set():
            process.join(0.5)
        self._process = None
        if self._stopping.is_set():
            return  # the sweep stays running: the next start queues it again
        reason = f"the sweep process ended without a result (exit code {process.exitcode})"
        with self.sessions() as session:
            store.end_sweep(session, sweep_id, RunState.FAILED, reason=reason)


class _Cancelled(Exception):
    """The sweep's cancel flag was set."""


def sweep_main(database_url: str, sweep_id: str, workers: int, scheduler: str | None) -> None:
    """Entry point of a sweep process: solve the sweep's draws and store its robust toile."""
    from api import domain

    processes.die_with_parent()  # a sweep left by a killed service is queued again at restart
    engine = make_engine(database_url, pooled=False)
    with Session(engine) as session:
        row = session.get(SweepRow, sweep_id)
        if row is None or row.state != RunState.RUNNING:
            return
        spec = json.loads(row.spec)
    progress = _Progress(engine, sweep_id)
    values: dict[str, Any]
    try:
        result = domain.run_planned_sweep(spec, workers, scheduler, progress.update)
    except _Cancelled:
        state, values = RunState.CANCELLED, {"reason": "cancelled at the caller's request"}
    except Exception as exc:  # the sweep as a whole failed: say why
        log.exception("sweep %s failed", sweep_id)
        state, values = RunState.FAILED, {"reason": f"{type(exc).__name__}: {exc}"}
    else:
        solved = result["summary"]["solved"]
        state = RunState.FINISHED if solved else RunState.FAILED
        values = {
            "reason": None if solved else "no draw could be solved (see the draws table)",
            "result": json.dumps(result, allow_nan=False),
            "done": result["summary"]["draws"],
            "failed": len(result["summary"]["failed"]),
        }
    with Session(engine) as session:
        store.end_sweep(session, sweep_id, state, **values)
    engine.dispose()


class _Progress:
    """Writes draws done and failed to the row (at most twice a second) and polls cancel."""

    def __init__(self, engine: Any, sweep_id: str) -> None:
        self.engine = engine
        self.sweep_id = sweep_id
        self.failed = 0
        self._last = 0.0

    def update(self, done: int, total: int, record: dict[str, Any]) -> None:
        """Called by the executor as each draw completes."""
        if record.get("status") not in SOLVED:
            self.failed += 1
        tick = time.monotonic()
        if tick - self._last < 0.5 and done < total:
            return
        self._last = tick
        with Session(self.engine) as session:
            session.execute(
                update(SweepRow)
                .where(SweepRow.id == self.sweep_id)
                .values(done=done, failed=self.failed)
            )
            session.commit()
            cancel = session.execute(
                select(SweepRow.cancel_requested).where(SweepRow.id == self.sweep_id)
            ).scalar()
        if cancel:
            raise _Cancelled

"""Progress of the long phases, told to whoever listens: the command line, the service's runs.

One protocol for every consumer: a *sink* is any callable taking a :class:`ProgressEvent`.
The pipeline marks its phases with :func:`phase` (reading, conversion with its candidates,
the solve and each of its blocks, the report); the HiGHS session's own snapshots
(:class:`models.session.Progress`) become events of the ``solve`` phase via
:func:`solver_events`.  Nothing is reported unless a caller installed a sink with
:func:`reporting`, so the library stays silent and costs nothing by default.

A phase is reported when it starts and when it ends (with its time); the command line draws
each phase as a bar (``done`` of ``total``), the service stores the latest event's line in the
run's state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProgressEvent:
    """Where a long computation stands.

    Attributes:
        phase: ``read``, ``convert``, ``solve``, ``blocks``, ``report`` ...
        done: units of work done (0 when the phase starts).
        total: units of work in the phase; None when not known in advance.
        elapsed: seconds since the phase started.
        finished: the phase is over.
        detail: one short readable line (e.g. ``block 3 of 12 solved: optimal``).
        incumbent: the best objective found so far (the ``solve`` phase), if any.
        bound: the best bound so far (the ``solve`` phase), if any.
        gap: the relative gap between them, if known.
    """

    phase: str
    done: float = 0.0
    total: float | None = None
    elapsed: float = 0.0
    finished: bool = False
    detail: str = ""
    incumbent: float | None = None
    bound: float | None = None
    gap: float | None = None

    def describe(self) -> str:
        """One readable line, e.g. ``blocks: 3/12 (4.2 s) block 3 solved: optimal``."""
        count = f" {self.done:g}/{self.total:g}" if self.total else ""
        state = " done" if self.finished else ""
        detail = f" {self.detail}" if self.detail else ""
        return f"{self.phase}:{count}{state} ({self.elapsed:.1f} s){detail}"


ProgressSink = Callable[[ProgressEvent], None]
"""Whoever listens: the CLI's progress bars, the API worker's run state, a test's list."""

_sink: ContextVar[ProgressSink | None] = ContextVar("symbiose_progress_sink", default=None)


@contextmanager
def reporting(sink: ProgressSink | None) -> Iterator[None]:
    """Send the events of the phases run inside this block to ``sink``.

    The solve's blocks (:mod:`models.blocks`) are reported too, as the ``blocks`` phase.
    """
    from models.blocks import block_progress

    token = _sink.set(sink)
    started = time.perf_counter()
    blocks_token = block_progress.set(_block_events(sink, started) if sink else None)
    try:
        yield
    finally:
        block_progress.reset(blocks_token)
        _sink.reset(token)


def emit(event: ProgressEvent) -> None:
    """Tell the installed sink (if any); a sink that fails never stops the computation."""
    sink = _sink.get()
    if sink is None:
        return
    try:
        sink(event)
    except Exception:  # progress is best effort
        return


@contextmanager
def phase(name: str, total: float | None = None, detail: str = "") -> Iterator[None]:
    """Mark a phase: tell its start, then its end and how long it took."""
    if _sink.get() is None:
        yield
        return
    started = time.perf_counter()
    emit(ProgressEvent(name, 0.0, total, 0.0, detail=detail))
    yield
    elapsed = time.perf_counter() - started
    emit(ProgressEvent(name, total or 1.0, total or 1.0, elapsed, finished=True, detail=detail))


def solver_events(forward: Callable[[Any], None] | None = None) -> Callable[[Any], None]:
    """A HiGHS progress callback (``SolveOptions.progress``) that also emits ``solve`` events.

    ``forward``: a callback that still gets the raw :class:`models.session.Progress`.
    """

    def on_progress(p: Any) -> None:
        if forward is not None:
            forward(p)
        emit(
            ProgressEvent(
                "solve",
                elapsed=p.elapsed,
                detail=f"{p.nodes} nodes",
                incumbent=p.incumbent,
                bound=p.bound,
                gap=p.gap,
            )
        )

    return on_progress


def _block_events(sink: ProgressSink, started: float) -> Callable[[int, int, Any], None]:
    """The callback :mod:`models.blocks` calls as each task of blocks is solved."""

    def on_block(done: int, total: int, result: Any) -> None:
        detail = f"{result.problem_name}: {result.status.value}"
        event = ProgressEvent(
            "blocks",
            done,
            total,
            time.perf_counter() - started,
            finished=done == total,
            detail=detail,
        )
        try:
            sink(event)
        except Exception:  # progress is best effort
            return

    return on_block

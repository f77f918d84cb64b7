"""The one vocabulary of run and sweep states, and which state may follow which.

Every module that reads or writes a run's (or a sweep's) ``state`` imports :class:`RunState`
from here: the public schemas, the store's transitions, the worker, the dispatcher, the sweep
runner and the command line.  A :class:`~enum.StrEnum` compares equal to its text, so the
values stored in the database are the plain words (``queued``, ``running``...).
"""

from __future__ import annotations

from enum import StrEnum


class RunState(StrEnum):
    """Where a run (or a sweep) is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        """Queued or running: the run may still change (and may be cancelled)."""
        return self in ACTIVE

    @property
    def over(self) -> bool:
        """Finished, failed or cancelled: the run never changes again."""
        return not self.active


ACTIVE = frozenset({RunState.QUEUED, RunState.RUNNING})
"""The states a run leaves by itself; the others are final."""

"""Live progress with Rich: the pipeline's phases, a solve's bound and gap, a sweep's draws.

The phases (conversion with its candidates, the solve and each of its blocks, marginal
values) come from :mod:`symbiose.progress`, the same events the service stores in a run's
state.

HiGHS captures the process's standard streams while it runs, so a solve's progress is written
to a duplicate of the original stderr descriptor, taken before the solve starts.  On a
terminal the line is redrawn in place (a Rich ``Live``); elsewhere (a log file, CI) a plain
line is printed every ten seconds, so logs stay short.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from models.constants import SOLVED

if TYPE_CHECKING:
    from rich.live import Live
    from rich.progress import Progress as Bar
    from rich.progress import TaskID

    from models.solve import Progress
    from symbiose.progress import ProgressEvent

PLAIN_EVERY = 10.0
"""Seconds between two plain progress lines when stderr is not a terminal."""


def number(value: float | None) -> str:
    """An amount for a person: thousands separated, six significant digits below a million."""
    return "-" if value is None else f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def percent(value: float | None) -> str:
    """A fraction as a percentage."""
    return "-" if value is None else f"{100 * value:.4g} %"


def _stderr_copy() -> TextIO:
    try:
        return os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
    except (OSError, AttributeError, io.UnsupportedOperation):
        return sys.stderr


class ProgressLine:
    """A live ``incumbent / bound / gap`` line of one solve (or of several, one after another)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console

        self.stream = _stderr_copy() if stream is None else stream
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)
        self.live_view: Live | None = None
        self._last_plain = 0.0

    def update(self, p: Progress) -> None:
        """Show one snapshot (redrawn in place on a terminal, every 10 s otherwise)."""
        text = (
            f"  {p.elapsed:7.1f} s   incumbent {number(p.incumbent):>14}"
            f"   bound {number(p.bound):>14}   gap {percent(p.gap):>8}   nodes {p.nodes}"
        )
        if self.console.is_terminal:
            self._show_live(text)
        elif p.elapsed - self._last_plain >= PLAIN_EVERY:
            self._last_plain = p.elapsed
            self.console.print(text)

    def phase(self, event: ProgressEvent) -> None:
        """Show a phase of the pipeline: its end and time, and each block of a solve.

        The start of a phase is shown on a terminal only; a plain log gets one line per phase
        ended (and the last block), so it stays short.
        """
        if event.phase == "solve" and not event.finished:
            return  # the incumbent / bound / gap line follows the solve itself
        last = event.total is not None and event.done >= event.total
        if not (event.finished or last or self.console.is_terminal):
            return
        if event.finished:
            where = f"{event.elapsed:7.1f} s"
        elif event.total:
            where = f"{event.done:,.0f} of {event.total:,.0f}"
        else:
            where = "..."
        self.console.print(f"  {event.phase:<16} {where:>16}   {event.detail}".rstrip())

    def _show_live(self, text: str) -> None:
        from rich.live import Live
        from rich.text import Text

        if self.live_view is None:
            self.live_view = Live(
                Text(text),
                console=self.console,
                auto_refresh=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self.live_view.start()
        self.live_view.update(Text(text), refresh=True)

    def close(self) -> None:
        """End the live line (it stays on screen) and release the stderr copy."""
        if self.live_view is not None:
            self.live_view.stop()
            self.live_view = None
        if self.stream is not sys.stderr:
            with contextlib.suppress(OSError):
                self.stream.close()


@contextlib.contextmanager
def solve_progress(quiet: bool) -> Iterator[Callable[[Progress], None] | None]:
    """The progress callback of the solves inside the block (a :class:`ProgressLine`), or None."""
    if quiet:
        yield None
        return
    from symbiose.progress import reporting

    line = ProgressLine()
    try:
        with reporting(line.phase):
            yield line.update
    finally:
        line.close()


class DrawProgress:
    """A sweep's draws done (and failed) out of all: a Rich bar on a terminal, else plain lines."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        from rich.console import Console

        self.total = total
        self.failed = 0
        self.console = Console(file=stream or sys.stderr, highlight=False, soft_wrap=True)
        self.bar: Bar | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> DrawProgress:
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("  draws"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]}"),
                console=self.console,
            )
            self.task = self.bar.add_task("sweep", total=self.total, failed="")
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, done: int, total: int, record: dict[str, Any]) -> None:
        """Count one draw done (the executor's progress callback)."""
        if record.get("status") not in SOLVED:
            self.failed += 1
        failed = f"{self.failed} failed" if self.failed else ""
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=done, failed=failed)
        elif done == total or done % max(1, total // 10) == 0:
            text = f"  {done}/{total} draws done" + (f", {failed}" if failed else "")
            self.console.print(text)

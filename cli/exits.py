"""The exit codes of every verb, and the one mapping of errors and solve outcomes to them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from models.constants import SOLVED  # light: no pandas, no solver


class ExitCode(IntEnum):
    """What ``symbiose`` returns to the shell."""

    OK = 0
    """Done; a solve found an optimum, a solution within its time limit, or a feasible one
    its certificate does not prove optimal (the report says why)."""
    INPUT = 2
    """Bad input or options: one message per problem on stderr, never a stack trace."""
    INFEASIBLE = 3
    """The problem has no solution (the requirements that cannot be met are listed)."""
    NO_SOLUTION = 4
    """No solution was found (time limit before a first incumbent, solver failure)."""
    INTERRUPTED = 130
    """Ctrl-C."""




def for_status(status: str) -> ExitCode:
    """The exit code of a solve that ended with ``status`` (a :class:`models.result.Status`)."""
    if status in SOLVED:
        return ExitCode.OK
    if status == "infeasible":
        return ExitCode.INFEASIBLE
    return ExitCode.NO_SOLUTION


def fail(message: str, prefix: str = "symbiose: error") -> ExitCode:
    """Print ``message`` on stderr; the exit code of bad input."""
    print(f"{prefix}: {message}", file=sys.stderr)
    return ExitCode.INPUT


def run_handler(handler: Callable[[Any], int], args: Any) -> int:
    """Run a verb's handler; errors a user can cause become a message and an exit code.

    Every reader's and checker's error derives from ``ValueError`` (``ProblemError``,
    ``FormatError``, ``InventoryError``, ``UnitProblem``, ``SweepError``), so this catches them
    without importing the modules that define them.
    """
    try:
        return int(handler(args))
    except (ValueError, OSError) as exc:
        return fail(str(exc))
    except (RecursionError, MemoryError):
        # the readers refuse deep and huge documents first; this is the last line of defence
        return fail("the input is too large or too deeply nested")
    except KeyboardInterrupt:
        print("symbiose: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED

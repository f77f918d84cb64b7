"""The registered benchmark cases: every instance in ``benchmarks/instances``.

A case is a name, a reader, a path, the published (or proven) optimum when one is known, and
a time limit.  Cases with an optimum are solved to a zero gap and checked against it; the
large Canad instances have no proven optimum within minutes, so they run under a time limit
(``LARGE_TIME_LIMIT``, overridable per run) and report the gap they reach.

The optima are those of ``benchmarks/instances/SOURCES.md`` (FCNetLib's table; for Canad the
published c33 value and HiGHS proofs at gap 0 for the others).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.formats import read_canad, read_fcnetlib
from models.problem import Problem

INSTANCES = Path(__file__).resolve().parent / "instances"

LARGE_TIME_LIMIT = 60.0
"""Seconds per solve for the cases without a known optimum (c37–c40, c49–c52)."""

FCNETLIB_OPTIMA: dict[str, float] = {
    "k10x90": 568,
    "r20x100": 15603,
    "g40x132": 26629,
    "l61x114": 60085,
    "k14x182": 8491,
    "g50x170": 25576,
    "sp50x100": 50968,
    "k15x210": 16128,
    "r30x160": 21827,
    "r50x360": 1653,
    "k20x380": 1941,
}

CANAD_OPTIMA: dict[str, float] = {
    "c33": 423848,
    "c35": 371475,
    "c36": 643036,
    "c41": 429398,
    "c42": 586077,
    "c43": 464509,
    "c44": 604198,
}

CANAD_LARGE = ("c37", "c38", "c39", "c40", "c49", "c50", "c51", "c52")


@dataclass(frozen=True)
class Case:
    """One benchmark instance.

    Attributes:
        name: the instance's name (``k10x90``, ``c33``).
        family: the benchmark set (``fcnetlib`` or ``canad``).
        reader: turns ``path`` into a :class:`~models.problem.Problem`.
        path: the instance file or folder.
        expected: the known optimal cost, or None when no optimum is known.
        time_limit: seconds per solve; None solves to a proven optimum however long it takes.
    """

    name: str
    family: str
    reader: Callable[[Path], Problem]
    path: Path
    expected: float | None
    time_limit: float | None

    def read(self) -> Problem:
        """Read the instance."""
        return self.reader(self.path)


CASES: dict[str, Case] = {}
"""Every registered case by name, in registration order (FCNetLib by size, then Canad)."""


def register(case: Case) -> Case:
    """Add ``case`` to :data:`CASES` (a name may be registered once)."""
    if case.name in CASES:
        raise ValueError(f"case {case.name!r} is registered twice")
    CASES[case.name] = case
    return case


def _register_instances(root: Path = INSTANCES) -> None:
    for name in FCNETLIB_OPTIMA:
        path = root / "fcnetlib" / name
        if path.is_dir():
            register(Case(name, "fcnetlib", read_fcnetlib, path, FCNETLIB_OPTIMA[name], None))
    for path in sorted((root / "canad").glob("*.dow")):
        name = path.stem
        large = name in CANAD_LARGE or name not in CANAD_OPTIMA
        register(
            Case(
                name,
                "canad",
                read_canad,
                path,
                None if large else CANAD_OPTIMA[name],
                LARGE_TIME_LIMIT if large else None,
            )
        )


def select(names: list[str] | tuple[str, ...] | None = None) -> list[Case]:
    """The cases named (all when None), in the order given.

    Raises:
        ValueError: a name that is not registered (the message lists the known ones).
    """
    if names is None:
        return list(CASES.values())
    wanted = [n.strip() for n in names if n.strip()]
    unknown = [n for n in wanted if n not in CASES]
    if unknown:
        raise ValueError(
            f"unknown benchmark case(s) {', '.join(unknown)}; known: {', '.join(CASES)}"
        )
    return [CASES[n] for n in wanted]


_register_instances()

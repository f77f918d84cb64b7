"""The one solve-option parser of every verb that solves, and the one ``SolveOptions`` built from it.

``solve``, ``compare``, ``pareto`` and ``sweep`` take the same ``--objective``, ``--time-limit``,
``--gap``, ``--threads`` and ``--quiet`` with the same defaults (those of
:mod:`models.constants`, which the API's schemas use too); ``solve`` adds the planner's
questions (:func:`add_planner_options`, read by :mod:`cli.planner`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from models.constants import DEFAULT_GAP, DEFAULT_TIME_LIMIT, Objective

if TYPE_CHECKING:
    from models.solve import Progress, SolveOptions

OBJECTIVES = tuple(o.value for o in Objective)
"""The choices of ``--objective``: the values of :class:`models.constants.Objective`."""


def add_solve_options(
    parser: argparse.ArgumentParser,
    *,
    objective: str | None = "valorisation",
    threads: bool = True,
    planner: bool = False,
) -> None:
    """Add the options of a verb that solves.

    Args:
        parser: the verb's parser.
        objective: the help text's default of ``--objective`` (``None``: the verb takes no
            objective, e.g. ``pareto``, which spans two).
        threads: whether the verb offers ``--threads`` (a sweep solves each draw on one).
        planner: whether to add the planner's questions (budget, CO2 target, caps, pins).
    """
    group = parser.add_argument_group("solve options")
    if objective is not None:
        group.add_argument(
            "--objective",
            choices=OBJECTIVES,
            help="valorisation (max EUR/yr), co2 (max t CO2/yr avoided) or cost (min); "
            f"default: {objective}",
        )
    group.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        help=f"seconds per solve (default {DEFAULT_TIME_LIMIT:g})",
    )
    group.add_argument(
        "--gap",
        type=float,
        default=DEFAULT_GAP,
        help=f"relative MIP gap (default {DEFAULT_GAP:g})",
    )
    if threads:
        group.add_argument("--threads", type=int, help="HiGHS threads (default: HiGHS's choice)")
    group.add_argument(
        "--backend",
        choices=["pyomo", "arrays", "auto"],
        default="auto",
        help="who builds the model: pyomo (the reference), arrays (the same model as arrays), "
        "or auto (arrays for large models; default)",
    )
    group.add_argument("--quiet", action="store_true", help="no live progress")
    if planner:
        add_planner_options(parser)


def objective_of(args: argparse.Namespace, default: Objective) -> Objective:
    """The ``--objective`` asked for, or the verb's ``default``."""
    name = getattr(args, "objective", None)
    return Objective(name) if name else default


def solve_options(
    args: argparse.Namespace, progress: Callable[[Progress], None] | None = None
) -> SolveOptions:
    """The :class:`models.solve.SolveOptions` of the parsed solve options."""
    from models.solve import SolveOptions

    return SolveOptions(
        time_limit=args.time_limit,
        gap=args.gap,
        threads=getattr(args, "threads", None),
        progress=progress,
        backend=getattr(args, "backend", "auto"),
    )


def add_planner_options(parser: argparse.ArgumentParser) -> None:
    """The planner's questions (written into the territory by :mod:`cli.planner`)."""
    group = parser.add_argument_group("planner questions")
    group.add_argument(
        "--budget", metavar="EUR", help="most to invest in new links and converters, e.g. 20MEUR"
    )
    group.add_argument(
        "--co2-min", metavar="T/YR", help="least CO2 to avoid (a constraint), e.g. 2Mt/yr"
    )
    group.add_argument("--max-new-links", type=int, metavar="N", help="most new links to build")
    group.add_argument(
        "--max-new-links-per-mode",
        action="append",
        metavar="MODE=N",
        help="most new links of one mode, e.g. truck=2 (repeatable)",
    )
    group.add_argument(
        "--max-new-links-per-commodity",
        action="append",
        metavar="COMMODITY=N",
        help="most new links carrying one commodity, e.g. co2=1 (repeatable)",
    )
    group.add_argument(
        "--pin", action="append", metavar="FROM:TO[:MODE]", help="a link that must be built"
    )
    group.add_argument(
        "--forbid",
        action="append",
        metavar="FROM:TO[:MODE]",
        help="a link that must not be built (every mode unless one is given)",
    )
    group.add_argument("--pin-converter", action="append", metavar="ID")
    group.add_argument("--forbid-converter", action="append", metavar="ID")
    group.add_argument(
        "--exclude-site", action="append", metavar="ID", help="a site that takes no part"
    )
    group.add_argument(
        "--candidate-cap",
        metavar="N|auto|off",
        help="candidates each origin and destination keeps per mode and commodity, nearest first"
        " (default: the inventory's territory.candidate_cap, auto)",
    )


__all__ = [
    "OBJECTIVES",
    "add_planner_options",
    "add_solve_options",
    "objective_of",
    "solve_options",
]

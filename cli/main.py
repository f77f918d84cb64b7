"""``symbiose``: the parser of every verb, and the run of the one asked for.

argparse, kept deliberately rather than Typer: it is in the standard library and costs a few
milliseconds to import, where Typer brings Click and Rich in before the first argument is read
(``symbiose --help`` must answer in under 0.3 s); its option groups, written once as functions
(:func:`cli.options.add_solve_options`), are shared by every verb that solves; and every test
and script already speaks its exit codes and messages.  Rich does what argparse does not:
live progress and tables (:mod:`cli.progress`), imported only by the verbs that show them.

Each group of verbs is a module of this package with a ``register(subparsers)``, imported by
name here and listed in :data:`VERB_GROUPS`; nothing is loaded by a string.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from cli import bench, inventory, region, service, solve, sweep
from cli.exits import ExitCode, run_handler

VERB_GROUPS = (solve, inventory, sweep, region, bench, service)
"""The modules whose verbs ``symbiose`` offers, in the order of its help."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every verb registered."""
    parser = argparse.ArgumentParser(
        prog="symbiose", description="Industrial-symbiosis optimiser (Pyomo + HiGHS)."
    )
    verbs = parser.add_subparsers(title="verbs", metavar="VERB")
    for group in VERB_GROUPS:
        group.register(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return ExitCode.INPUT
    return run_handler(args.handler, args)

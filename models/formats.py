"""Readers of the public fixed-charge network design formats (FCNetLib CSV, Canad ``.dow``).

Both map onto :class:`~models.problem.Problem` as a pure-cost special case: must-dispatch
supplies, must-serve demands, zero values, and the ``cost`` objective.
"""

from __future__ import annotations

import csv
from pathlib import Path

from models.problem import Arc, Demand, Problem, ProblemError, Supply


class FormatError(ValueError):
    """A benchmark file that cannot be read; the message names the file and line."""


def read_fcnetlib(path: str | Path) -> Problem:
    """Read an FCNetLib instance folder holding ``nodes.csv`` and ``arcs.csv``.

    A single commodity ``flow``; nodes with negative demand supply it, positive demand
    consume it, both exactly.
    """
    folder = Path(path)
    nodes_file, arcs_file = folder / "nodes.csv", folder / "arcs.csv"
    for f in (nodes_file, arcs_file):
        if not f.is_file():
            raise FormatError(
                f"{f}: file not found (an FCNetLib instance is a folder with nodes.csv and arcs.csv)"
            )
    nodes: list[str] = []
    supplies, demands = [], []
    for line, row in _csv_rows(nodes_file, ("node", "demand")):
        node, demand = row["node"], _number(row["demand"], nodes_file, line, "demand")
        nodes.append(node)
        if demand < 0:
            supplies.append(Supply(node, "flow", -demand, must_dispatch=True))
        elif demand > 0:
            demands.append(Demand(node, "flow", demand, must_serve=True))
    arcs = []
    for line, row in _csv_rows(
        arcs_file, ("tail", "head", "mode", "fixed_cost", "variable_cost", "capacity")
    ):
        arcs.append(
            Arc(
                tail=row["tail"],
                head=row["head"],
                mode=row["mode"],
                commodities=("flow",),
                capacity=_number(row["capacity"], arcs_file, line, "capacity"),
                fixed_cost=_number(row["fixed_cost"], arcs_file, line, "fixed_cost"),
                variable_cost={
                    "flow": _number(row["variable_cost"], arcs_file, line, "variable_cost")
                },
            )
        )
    return _problem(folder.name, tuple(nodes), ("flow",), supplies, demands, arcs, folder)


def read_canad(path: str | Path) -> Problem:
    """Read a Canad multicommodity ``.dow`` file.

    Each Canad commodity ``k`` (origin, destination, demand) becomes commodity ``k{i}`` with a
    must-dispatch supply at its origin and a must-serve demand at its destination.  Arc
    capacity is shared by all commodities; the variable cost is the same for each.
    """
    file = Path(path)
    try:
        lines = [ln.split() for ln in file.read_text().splitlines() if ln.strip()]
    except OSError as exc:
        raise FormatError(f"{file}: cannot read ({exc.strerror})") from exc
    if len(lines) < 2 or not lines[0] or not lines[0][0].startswith("MULTIGEN"):
        raise FormatError(f"{file}: line 1: expected 'MULTIGEN.DAT:' (not a Canad .dow file)")
    try:
        n_nodes, n_arcs, n_com = (int(v) for v in lines[1][:3])
    except ValueError as exc:
        raise FormatError(f"{file}: line 2: expected 'nodes arcs commodities'") from exc
    if len(lines) < 2 + n_arcs + n_com:
        raise FormatError(
            f"{file}: expected {n_arcs} arc lines and {n_com} commodity lines, file is shorter"
        )
    nodes = tuple(str(i) for i in range(1, n_nodes + 1))
    commodities = tuple(f"k{i}" for i in range(1, n_com + 1))
    raw_arcs = []
    for i in range(n_arcs):
        fields = lines[2 + i]
        try:
            tail, head = fields[0], fields[1]
            cost, cap, fixed = float(fields[2]), float(fields[3]), float(fields[4])
        except (IndexError, ValueError) as exc:
            raise FormatError(
                f"{file}: line {3 + i}: expected 'tail head cost capacity fixed_cost'"
            ) from exc
        raw_arcs.append((tail, head, cost, cap, fixed))
    supplies, demands = [], []
    for i in range(n_com):
        fields = lines[2 + n_arcs + i]
        try:
            origin, dest, quantity = fields[0], fields[1], float(fields[2])
        except (IndexError, ValueError) as exc:
            raise FormatError(
                f"{file}: line {3 + n_arcs + i}: expected 'origin destination demand'"
            ) from exc
        supplies.append(Supply(origin, commodities[i], quantity, must_dispatch=True))
        demands.append(Demand(dest, commodities[i], quantity, must_serve=True))
    seen: dict[tuple[str, str], int] = {}
    arcs = []
    for tail, head, cost, cap, fixed in raw_arcs:
        # Parallel arcs in a .dow file are distinct: number them as modes.
        n = seen.get((tail, head), 0)
        seen[(tail, head)] = n + 1
        arcs.append(
            Arc(
                tail,
                head,
                f"a{n}",
                commodities,
                capacity=cap,
                fixed_cost=fixed,
                variable_cost=dict.fromkeys(commodities, cost),
            )
        )
    return _problem(file.stem, nodes, commodities, supplies, demands, arcs, file)


def read_benchmark(path: str | Path, fmt: str) -> Problem:
    """Read ``path`` in format ``fcnetlib`` or ``canad``."""
    if fmt == "fcnetlib":
        return read_fcnetlib(path)
    if fmt == "canad":
        return read_canad(path)
    raise FormatError(f"format: unknown benchmark format {fmt!r} (expected fcnetlib or canad)")


def _problem(
    name: str,
    nodes: tuple[str, ...],
    commodities: tuple[str, ...],
    supplies: list[Supply],
    demands: list[Demand],
    arcs: list[Arc],
    source: Path,
) -> Problem:
    try:
        return Problem(nodes, commodities, tuple(supplies), tuple(demands), tuple(arcs), name=name)
    except ProblemError as exc:
        raise FormatError(f"{source}: {exc}") from exc


def _csv_rows(file: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    with file.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise FormatError(f"{file}: missing column(s) {', '.join(missing)}")
        return [
            (i + 2, {k: (v or "").strip() for k, v in row.items() if k})
            for i, row in enumerate(reader)
        ]


def _number(text: str, file: Path, line: int, column: str) -> float:
    try:
        return float(text)
    except ValueError as exc:
        raise FormatError(f"{file}: line {line}: {column}: not a number: {text!r}") from exc

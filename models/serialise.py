"""The numeric problem as a JSON document (``symbiose solve problem.json``).

The document mirrors :class:`~models.problem.Problem` field for field; an absent capacity (or
``null``) means no capacity.  Unknown keys are rejected with their path, like every other
malformed input.
"""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path
from typing import Any

from models.jsondoc import DocumentError, check_size, path_text, read_json
from models.problem import (
    Arc,
    Converter,
    Demand,
    Problem,
    ProblemError,
    Storage,
    Supply,
    TimeSlice,
)

_ITEMS: dict[str, type] = {
    "slices": TimeSlice,
    "supplies": Supply,
    "demands": Demand,
    "arcs": Arc,
    "converters": Converter,
}
_PLANNER = (
    "investment_budget",
    "co2_min",
    "max_new_links",
    "max_new_links_per_mode",
    "max_new_links_per_commodity",
)
"""The planner's limits, written only when set."""
_TOP = {"name", "carbon_price", "nodes", "commodities", "storages", *_ITEMS, *_PLANNER}


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """A JSON-ready dict of ``problem`` (infinite capacities become ``None``)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and math.isinf(value):
            return None
        if isinstance(value, tuple):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    doc: dict[str, Any] = {
        "name": problem.name,
        "carbon_price": problem.carbon_price,
        "nodes": list(problem.nodes),
        "commodities": list(problem.commodities),
    }
    for key in _PLANNER:
        if getattr(problem, key) not in (None, {}):
            doc[key] = clean(getattr(problem, key))
    if problem.storages:
        doc["storages"] = [
            {f.name: clean(getattr(st, f.name)) for f in fields(st)} for st in problem.storages
        ]
    for key in _ITEMS:
        doc[key] = [
            {f.name: clean(getattr(item, f.name)) for f in fields(item)}
            for item in getattr(problem, key)
        ]
    return doc


def problem_from_dict(doc: Any) -> Problem:
    """Build a :class:`Problem` from a dict as written by :func:`problem_to_dict`.

    Raises:
        ProblemError: listing every unknown key, missing field and invalid value.
    """
    if not isinstance(doc, dict):
        raise ProblemError([f"document: expected an object, got {type(doc).__name__}"])
    errors = [f"{k}: unknown key" for k in doc if k not in _TOP]
    for key in ("nodes", "commodities"):
        if not isinstance(doc.get(key), list):
            errors.append(f"{key}: required list of names")
    items: dict[str, list[Any]] = {}
    for key, cls in _ITEMS.items():
        items[key] = []
        raw = doc.get(key, [])
        if not isinstance(raw, list):
            errors.append(f"{key}: expected a list")
            continue
        names = {f.name for f in fields(cls)}
        for i, entry in enumerate(raw):
            where = f"{key}[{i}]"
            if not isinstance(entry, dict):
                errors.append(f"{where}: expected an object")
                continue
            errors += [f"{where}.{k}: unknown key" for k in entry if k not in names]
            kwargs = {k: v for k, v in entry.items() if k in names}
            if cls in (Arc, Converter) and kwargs.get("capacity", 0) is None:
                kwargs["capacity"] = math.inf
            if cls is Arc:
                kwargs["commodities"] = tuple(kwargs.get("commodities") or ())
                cap = kwargs.get("commodity_capacity") or {}
                kwargs["commodity_capacity"] = {
                    k: math.inf if v is None else v for k, v in cap.items()
                }
            try:
                items[key].append(cls(**kwargs))
            except TypeError as exc:
                errors.append(f"{where}: {exc}")
    if errors:
        raise ProblemError(errors)
    planner: dict[str, Any] = {k: doc[k] for k in _PLANNER if doc.get(k) is not None}
    stores = doc.get("storages", [])
    if not isinstance(stores, list) or not all(isinstance(x, dict) for x in stores):
        raise ProblemError(["storages: expected a list of objects"])
    try:
        planner["storages"] = tuple(Storage(**x) for x in stores)
    except TypeError as exc:
        raise ProblemError([f"storages: {exc}"]) from None
    sections: dict[str, Any] = {k: tuple(v) for k, v in items.items() if k != "slices" or v}
    return Problem(
        nodes=tuple(doc["nodes"]),
        commodities=tuple(doc["commodities"]),
        name=str(doc.get("name", "problem")),
        carbon_price=doc.get("carbon_price", 0.0),
        **sections,
        **planner,
    )


def read_problem_json(path: str | Path) -> Problem:
    """Read a problem JSON file.

    Raises:
        ProblemError: the file is not JSON or not a valid problem (the message says which).
    """
    file = Path(path)
    try:
        check_size(file.stat().st_size)
        doc = read_json(file.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise ProblemError([f"{file}: cannot read ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise ProblemError([f"{file}: not UTF-8 text ({exc.reason})"]) from None
    except DocumentError as exc:
        raise ProblemError(
            [f"{file}: {path_text(loc) + ': ' if loc else ''}{msg}" for loc, msg in exc.problems]
        ) from None
    return problem_from_dict(doc)

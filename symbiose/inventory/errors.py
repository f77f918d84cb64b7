"""Inventory errors: every problem found, each with the field path and the offending value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pydantic


@dataclass(frozen=True)
class InventoryIssue:
    """One problem in an inventory.

    Attributes:
        loc: the field path, e.g. ``("supplies", 3, "quantity")``; ``()`` for the whole document.
        msg: what is wrong, naming the value.
    """

    loc: tuple[str | int, ...]
    msg: str

    def path(self) -> str:
        """The field path as text: ``supplies[3].quantity``."""
        out = ""
        for part in self.loc:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += ("." if out else "") + str(part)
        return out or "(document)"

    def __str__(self) -> str:
        return f"{self.path()}: {self.msg}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``loc``, ``path``, ``msg``)."""
        return {"loc": list(self.loc), "path": self.path(), "msg": self.msg}


class InventoryError(ValueError):
    """An inventory that cannot be used as given; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[InventoryIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"  - {i}" for i in self.issues)
        count = len(self.issues)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the inventory:\n{lines}")


class Issues:
    """A collector of issues under a path prefix (``with issues.at("supplies", 3):``)."""

    def __init__(self) -> None:
        self.items: list[InventoryIssue] = []

    def add(self, loc: tuple[str | int, ...], msg: str) -> None:
        """Record one problem."""
        self.items.append(InventoryIssue(tuple(loc), msg))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise :class:`InventoryError` if anything was recorded."""
        if self.items:
            raise InventoryError(self.items)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def from_validation_error(
    exc: pydantic.ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[InventoryIssue]:
    """Turn a pydantic error into issues with field paths and values (no pydantic leaks)."""
    issues = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and _is_union_tag(p)))
        kind = err["type"]
        value = err.get("input")
        if kind == "extra_forbidden":
            msg = f"unknown field {loc[-1]!r}" if loc else "unknown field"
        elif kind == "missing":
            msg = "required field is missing"
        else:
            msg = f"{err['msg']}, got {_short(value)}{_plain_number_hint(kind, value)}"
        issues.append(InventoryIssue(prefix + loc, msg))
    return _dedupe(issues)


def _plain_number_hint(kind: str, value: Any) -> str:
    """How to write a number given as text in the other style ('51,03') where only numbers go."""
    from symbiose.numbers import NUMBER_FORMATS, parse_number, reads_as_number, render

    if kind != "float_parsing" or not isinstance(value, str):
        return ""
    readings = {parse_number(value, s) for s in NUMBER_FORMATS if reads_as_number(value, s)}
    if len(readings) != 1:  # not a number, or '1,200': 1200 or 1.2, only its author knows
        return ""
    return f": write the number {render(readings.pop(), 'en')}"


def _is_union_tag(part: str) -> bool:
    # pydantic adds the member type to paths inside unions: "float", "str", "function-after[...]"
    return part in {"float", "str", "int", "bool", "list[str]"} or part.startswith(
        ("function-", "constrained-", "literal[", "dict[", "list[")
    )


def _dedupe(issues: list[InventoryIssue]) -> list[InventoryIssue]:
    """Keep one issue per path for union failures (float | str both failing)."""
    seen: dict[tuple[str | int, ...], InventoryIssue] = {}
    for issue in issues:
        seen.setdefault(issue.loc, issue)
    return list(seen.values())

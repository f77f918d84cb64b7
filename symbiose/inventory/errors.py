"""Inventory errors: every problem found, each with the field path and the offending value."""

from __future__ import annotations

import reprlib
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


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlist = _REPR.maxdict = 3
_REPR.maxlevel = 2

MAX_PATH_PART = 60
"""Longest key shown in a field path (a 2 MB key is shown by its first characters)."""


def _short(value: Any) -> str:
    # never repr() a whole value: a 100,000-item list or a 2 MB string is shown by its start
    text = repr(value[:100]) if isinstance(value, str) else _REPR.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _clip(part: str | int) -> str | int:
    if isinstance(part, str) and len(part) > MAX_PATH_PART:
        return part[: MAX_PATH_PART - 3] + "..."
    return part


def from_validation_error(
    exc: pydantic.ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[InventoryIssue]:
    """Turn a pydantic error into issues with field paths and values (no pydantic leaks)."""
    issues = []
    preferred: set[InventoryIssue] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(_clip(p) for p in err["loc"] if not (isinstance(p, str) and _is_union_tag(p)))
        kind = err["type"]
        value = err.get("input")
        about_key = bool(loc) and loc[-1] == "[key]"
        loc = loc[:-1] if about_key else loc
        if kind == "extra_forbidden":
            msg = f"unknown field {loc[-1]!r}" if loc else "unknown field"
        elif kind == "missing":
            msg = "required field is missing"
        else:
            text = err["msg"].removeprefix("Value error, ")
            hint = _plain_number_hint(kind, value)
            msg = f"{'the key: ' if about_key else ''}{text}, got {_short(value)}{hint}"
        issues.append(InventoryIssue(prefix + loc, msg))
        if kind in _TEXT_LIMIT_ERRORS:
            preferred.add(issues[-1])
    return _dedupe(issues, preferred)


_TEXT_LIMIT_ERRORS = {"string_too_long", "value_error"}


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


def _dedupe(issues: list[InventoryIssue], preferred: set[InventoryIssue]) -> list[InventoryIssue]:
    """Keep one issue per path for union failures (float | str both failing).

    A ``preferred`` issue wins its path: a text breaking a limit of the text member of
    ``float | str`` says so, rather than that it is no number.
    """
    seen: dict[tuple[str | int, ...], InventoryIssue] = {}
    for issue in issues:
        kept = seen.get(issue.loc)
        if kept is None or (issue in preferred and kept not in preferred):
            seen[issue.loc] = issue
    return list(seen.values())

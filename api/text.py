"""Text the service refuses to store: control characters (NUL above all).

PostgreSQL cannot store NUL in a text column (and its JSON columns refuse an escaped NUL), SQLite
stores it and every later reader chokes on it; the other C0 controls are never meant in a name,
an id or a unit.  Tab, line feed and carriage return stay allowed (descriptions have lines).
"""

from __future__ import annotations

import re
from typing import Any

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""C0 control characters and DEL, except tab, line feed and carriage return."""

NO_CONTROL_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""The same rule as a JSON-schema ``pattern`` for single text fields."""

Loc = tuple[str | int, ...]


def control_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    found = CONTROL.search(text)
    if found is None:
        return None
    return (
        f"contains the control character U+{ord(found.group()):04X} at position {found.start()}; "
        "write plain text (tabs and line breaks are allowed)"
    )


def control_characters(value: Any, loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Every text in ``value`` (keys included) holding a control character, by field path."""
    found: list[tuple[Loc, str]] = []
    stack: list[tuple[Loc, Any]] = [(loc, value)]
    while stack:  # a loop, not recursion: the value may be deeply nested
        where, item = stack.pop()
        if isinstance(item, str):
            problem = control_problem(item)
            if problem:
                found.append((where, problem))
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = control_problem(key) if isinstance(key, str) else None
                if problem:
                    found.append(((*where, str(CONTROL.sub("?", key))), f"the key {problem}"))
                stack.append(((*where, CONTROL.sub("?", str(key))), child))
        elif isinstance(item, list | tuple):
            stack.extend(((*where, i), child) for i, child in enumerate(item))
    return sorted(found, key=lambda pair: [str(p) for p in pair[0]])

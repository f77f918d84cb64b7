"""A bounded, strict JSON reader for documents from untrusted hands.

``json.loads`` alone keeps the last of two equal keys (a second ``"supplies"`` silently drops
the first), recurses once per nesting level (100,000 ``[`` make a ``RecursionError``), reads
``NaN`` and ``Infinity`` and turns ``1e400`` into an infinity.  :func:`read_json` refuses all of
these before anything else sees the document, each with the path of the offending value.

Limits (module constants, documented in ``docs/inventory.md``):

* :data:`MAX_DOCUMENT_BYTES`: a document's size; a 25,000-site regional inventory is 20-30 MB.
* :data:`MAX_DEPTH`: how deep arrays and objects nest; an inventory needs 5 levels.
* :data:`MAX_INT_DIGITS`: the digits of an integer literal (larger ones are no quantity).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Largest document read (64 MiB): twice a 25,000-site regional inventory."""

MAX_DEPTH = 50
"""Deepest nesting of arrays and objects (an inventory needs 5 levels, a scenario 6)."""

MAX_INT_DIGITS = 30
"""Most digits in an integer literal; longer integers are refused, not rounded."""

Loc = tuple[str | int, ...]

# a whole string (so that brackets inside it are skipped), or one bracket
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_TOKENS = re.compile(_STRING.pattern + r"|[\[\]{}]")
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_OPENS = str.maketrans({"[": "1", "{": "1", "]": "0", "}": "0"})


class DocumentError(ValueError):
    """A document refused before use; ``problems`` lists ``(path, message)`` pairs."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path_text(loc)}: {msg}" for loc, msg in problems))


def path_text(loc: Loc) -> str:
    """A path as text: ``supplies[3].quantity``, or ``(document)`` for the whole of it."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(document)"


def check_size(size: int, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
    """Refuse a document of ``size`` bytes above ``max_bytes``."""
    if size > max_bytes:
        raise DocumentError(
            [
                (
                    (),
                    f"the document is {size / 2**20:.1f} MiB, more than the {max_bytes / 2**20:g}"
                    " MiB accepted: split the inventory or send it as a workbook",
                )
            ]
        )


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse JSON nested deeper than ``max_depth`` without recursing (strings are skipped)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    opens = brackets.translate(_OPENS)
    if max(accumulate(1 if c == "1" else -1 for c in opens), default=0) <= max_depth:
        return
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        depth += 1 if token in "[{" else -1 if token in "]}" else 0
        if depth > max_depth:
            line = text.count("\n", 0, match.start()) + 1
            raise DocumentError(
                [
                    (
                        (),
                        f"nested more than {max_depth} levels deep (line {line}):"
                        " an inventory needs no more than a few",
                    )
                ]
            )


class _Duplicated(dict):  # type: ignore[type-arg]
    """An object whose text repeated keys; ``repeated`` names them (the first value is kept)."""

    repeated: list[str]


@dataclass(frozen=True)
class _Refused:
    """A number literal refused while decoding; its path is found afterwards."""

    msg: str


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a number JSON accepts: write a finite number")


def _float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):
        return _Refused(f"the number {text} is out of range: write a finite number")
    return value


def _int(text: str) -> int | _Refused:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        return _Refused(f"an integer of {digits} digits is out of range (at most {MAX_INT_DIGITS})")
    return int(text)


def read_json(text: str, *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Decode ``text`` as JSON, refusing what ``json.loads`` would read wrongly.

    Raises:
        DocumentError: too large, too deep, a repeated key (with its path), NaN or Infinity,
            a number out of range, or invalid JSON (with its line and column).
    """
    check_size(len(text.encode("utf-8", "surrogatepass")), max_bytes)
    check_depth(text, max_depth)
    flagged = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal flagged
        out: dict[str, Any] = {}
        repeated = []
        for key, value in items:
            if key in out:
                repeated.append(key)
            else:
                out[key] = value
        if not repeated:
            return out
        flagged = True
        marked = _Duplicated(out)
        marked.repeated = repeated
        return marked

    def flag(hook: Any) -> Any:
        def check(text: str) -> Any:
            nonlocal flagged
            value = hook(text)
            flagged = flagged or isinstance(value, _Refused)
            return value

        return check

    try:
        doc = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=flag(_constant),
            parse_float=flag(_float),
            parse_int=flag(_int),
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(
            [((), f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]
        ) from None
    if flagged:
        raise DocumentError(_refused(doc))
    return doc


def _refused(doc: Any) -> list[tuple[Loc, str]]:
    """The path of every repeated key and refused number (depth is bounded by MAX_DEPTH)."""
    problems: list[tuple[Loc, str]] = []
    stack: list[tuple[Loc, Any]] = [((), doc)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, _Refused):
            problems.append((loc, value.msg))
        elif isinstance(value, dict):
            if isinstance(value, _Duplicated):
                what = "section" if not loc else "key"
                problems += [
                    ((*loc, key), f"duplicate {what} {key!r}: write each key once per object")
                    for key in dict.fromkeys(value.repeated)
                ]
            stack.extend(((*loc, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(value))))
    return problems

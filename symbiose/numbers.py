"""The number grammar at the boundary: how a number written as text is read, in two styles.

A territory declares how its coordinator writes numbers (``number_format``):

* ``en`` (the default): the decimal mark is a dot; thousands may be grouped in threes by
  commas (``1,200,000.5``) or by spaces of any kind (``1 200 000.5``).
* ``fr``: the decimal mark is a comma; thousands may be grouped in threes by spaces of any
  kind — space, no-break space U+00A0, narrow no-break space U+202F, thin space U+2009
  (``1 200 000,5``).  A dot is refused: ``1.200`` could be 1.2 or 1200.

Both allow a sign and an exponent (``1.2e6`` in ``en``, ``1,2e6`` in ``fr``).  A text is read
only when the grammar consumes the whole number; anything else is refused with a message that
shows how to write it.  The value read is always the float Python reads from the same digits
written with a dot, so that a number reads to exactly one float whatever its style.
"""

from __future__ import annotations

import re
from typing import Literal

NumberFormat = Literal["en", "fr"]
NUMBER_FORMATS: tuple[NumberFormat, ...] = ("en", "fr")

SPACES = " \u00a0\u202f\u2009"
"""The characters that may group thousands: space, no-break, narrow no-break and thin space."""

_SPACE = f"[{SPACES}]"
_SIGN = r"(?P<sign>[+\-\u2212])?"
_EXPONENT = r"(?:[eE](?P<exp>[+\-\u2212]?\d+))?"


def _pattern(group: str, mark: str) -> re.Pattern[str]:
    integer = rf"(?P<int>\d{{1,3}}(?:{group}\d{{3}})+|\d+)"
    fraction = rf"(?:{mark}(?P<frac>\d+))?"
    bare_fraction = rf"{mark}(?P<only>\d+)"
    body = rf"(?:{integer}{fraction}|{bare_fraction})"
    return re.compile(rf"{_SIGN}{body}{_EXPONENT}")


# In en, thousands are grouped by commas or by spaces, never both in one number.
_EN = (_pattern(",", r"\."), _pattern(_SPACE, r"\."))
_FR = (_pattern(_SPACE, ","),)
_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {"en": _EN, "fr": _FR}

# A number-like run at the start of a text: what a reader meant to be the number.
_NUMBER_LIKE = re.compile(rf"[+\-\u2212]?[\d.,{SPACES}]*[\d.,](?:[eE][+\-\u2212]?\d+)?")


class NumberProblem(ValueError):
    """A number that cannot be read in the declared style; the message shows how to write it."""


def _to_float(match: re.Match[str]) -> float:
    digits = re.sub(_SPACE + "|,", "", match["int"] or "0")
    fraction = match["frac"] or match["only"] or ""
    exponent = (match["exp"] or "0").replace("\u2212", "-")
    sign = "-" if match["sign"] in ("-", "\u2212") else ""
    return float(f"{sign}{digits}.{fraction or '0'}e{exponent}")


def match_number(text: str, style: NumberFormat) -> tuple[float, int] | None:
    """The number at the start of ``text`` and where it ends, or None if none is there.

    The longest reading wins; the caller decides what may follow (a unit, or nothing).
    """
    best: re.Match[str] | None = None
    for pattern in _PATTERNS[style]:
        m = pattern.match(text)
        if m and (best is None or m.end() > best.end()):
            best = m
    if best is None:
        return None
    return _to_float(best), best.end()


def leading_number_text(text: str) -> str:
    """The run of digits, marks and spaces a reader sees as the number at the start of ``text``."""
    m = _NUMBER_LIKE.match(text)
    return m.group(0).strip(SPACES) if m else ""


def parse_number(text: str, style: NumberFormat = "en") -> float:
    """Read ``text`` as one number written in ``style`` (nothing may follow it).

    Raises:
        NumberProblem: the text is not exactly one number in that style.
    """
    stripped = text.strip(SPACES + "\t\r\n")
    found = match_number(stripped, style)
    if found is None or found[1] != len(stripped):
        raise NumberProblem(explain(stripped, style))
    return found[0]


def reads_as_number(text: str, style: NumberFormat) -> bool:
    """Whether ``text`` is exactly one number in ``style``."""
    try:
        parse_number(text, style)
    except NumberProblem:
        return False
    return True


def only_in_other_style(text: str, style: NumberFormat) -> bool:
    """Whether the number ``text`` starts with reads only in the style not declared.

    This is the sign of a document written in the other style (``1 200,5`` under ``en``).
    """
    number = leading_number_text(text)
    other: NumberFormat = "fr" if style == "en" else "en"
    return bool(number) and reads_as_number(number, other) and not reads_as_number(number, style)


def explain(text: str, style: NumberFormat) -> str:
    """Why ``text`` is not a number in ``style``, and how to write it."""
    number = leading_number_text(text) or text
    if style == "en" and "," in number and reads_as_number(number, "fr"):
        fixed = render(parse_number(number, "fr"), "en")
        return (
            f"{number!r} uses a decimal comma: write {fixed!r}, or set number_format: fr"
            " in the territory"
        )
    if style == "fr" and "." in number:
        return (
            f"{number!r} has a dot, but number_format is fr: the decimal mark is a comma"
            " (e.g. '1,5') and thousands are grouped by spaces (e.g. '1 200')"
        )
    if style == "en":
        return (
            f"{number!r} is not one number: write it like '1200.5', '1,200.5' or '1 200.5'"
            " (commas or spaces group thousands in threes)"
        )
    return (
        f"{number!r} is not one number: write it like '1200,5' or '1 200,5'"
        " (number_format fr: spaces group thousands in threes)"
    )


def render(value: float, style: NumberFormat) -> str:
    """``value`` written in ``style`` without grouping, as short as reads back exactly."""
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",") if style == "fr" else text

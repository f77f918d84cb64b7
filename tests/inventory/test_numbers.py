"""The number grammar: a number written in the declared style reads back exactly, or is refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbiose.numbers import (
    SPACES,
    NumberFormat,
    NumberProblem,
    only_in_other_style,
    parse_number,
    render,
)
from symbiose.units import UnitProblem, to_unit

STYLES: tuple[NumberFormat, ...] = ("en", "fr")


@st.composite
def written_numbers(draw: st.DrawFn, style: NumberFormat) -> tuple[str, float]:
    """A number as a coordinator writes it in ``style``, and the float the author meant."""
    integer = draw(st.integers(min_value=0, max_value=10**15))
    decimals = draw(st.text(alphabet="0123456789", max_size=6))
    exponent = draw(st.none() | st.integers(min_value=-20, max_value=20))
    negative = draw(st.booleans())
    meant = float(f"{'-' if negative else ''}{integer}.{decimals or '0'}e{exponent or 0}")

    digits = str(integer)
    groups = [digits[max(0, i - 3) : i] for i in range(len(digits), 0, -3)][::-1]
    grouping = draw(st.sampled_from(["", *SPACES, *([","] if style == "en" else [])]))
    if grouping and len(groups) > 1:
        # spaces of any kind may group thousands, even mixed in one number
        seps = [grouping if grouping == "," else draw(st.sampled_from(SPACES)) for _ in groups]
        digits = groups[0] + "".join(s + g for s, g in zip(seps[1:], groups[1:], strict=True))
    mark = "," if style == "fr" else "."
    text = ("-" if negative else "") + digits + (mark + decimals if decimals else "")
    if exponent is not None:
        text += draw(st.sampled_from("eE")) + str(exponent)
    return text, meant


@pytest.mark.parametrize("style", STYLES)
@settings(deadline=None)
@given(data=st.data())
def test_a_number_written_in_its_declared_style_reads_back_to_the_same_float(
    style: NumberFormat, data: st.DataObject
) -> None:
    text, meant = data.draw(written_numbers(style))
    assert parse_number(text, style) == meant
    unit = data.draw(st.sampled_from(["", " t/yr", "\u00a0t/yr", " EUR/t"]))
    target = "EUR/t" if "EUR" in unit else "t/yr"
    assert to_unit(text + unit, target, allow_negative=True, style=style) == meant


# The one text both styles read, differently: a single comma followed by three digits
# ("1,234" is 1234 in en, 1.234 in fr).  The declared number_format settles it.
_BOTH_STYLES = re.compile(r"-?\d{1,3},\d{3}([eE]-?\d+)?")


@pytest.mark.parametrize(("written", "read"), [("en", "fr"), ("fr", "en")])
@settings(deadline=None)
@given(data=st.data())
def test_a_number_read_in_the_other_style_is_refused_or_means_the_same(
    written: NumberFormat, read: NumberFormat, data: st.DataObject
) -> None:
    text, meant = data.draw(written_numbers(written))
    try:
        value = parse_number(text, read)
    except NumberProblem:
        return
    assert value == meant or _BOTH_STYLES.fullmatch(text), (text, value, meant)


@settings(deadline=None)
@given(text=st.text(alphabet="0123456789.,e- \u00a0\u202f", max_size=14))
def test_any_text_of_digits_and_marks_is_read_as_itself_or_refused(text: str) -> None:
    for style in STYLES:
        try:
            value = parse_number(text, style)
        except NumberProblem:
            continue
        mark = "," if style == "fr" else "."
        # what was read is exactly the digits with their grouping removed
        plain = re.sub(f"[{SPACES}]", "", text.strip())
        if style == "en":
            plain = plain.replace(",", "")
        assert value == float(plain.replace(mark, ".")), (text, style, value)


@settings(deadline=None)
@given(
    value=st.floats(allow_nan=False, allow_infinity=False),
    style=st.sampled_from(STYLES),
    group=st.sampled_from(["", *SPACES, ","]),
)
def test_a_number_rendered_in_a_style_reads_back_exactly(
    value: float, style: NumberFormat, group: str
) -> None:
    if group == "," and style == "fr":
        group = ""
    assert parse_number(render(value, style, group=group), style) == value


@pytest.mark.parametrize(
    ("text", "style", "value"),
    [
        ("1 200 000", "en", 1.2e6),
        ("1\u00a0200\u00a0000", "fr", 1.2e6),
        ("1\u202f200\u202f000,5", "fr", 1200000.5),
        ("1\u2009200", "en", 1200.0),
        ("1,200", "en", 1200.0),
        ("1,200,000.25", "en", 1200000.25),
        ("1,200", "fr", 1.2),
        ("1,2e6", "fr", 1.2e6),
        ("1.2e6", "en", 1.2e6),
        ("\u22125", "fr", -5.0),
        (",5", "fr", 0.5),
    ],
)
def test_numbers_read_as_written(text: str, style: NumberFormat, value: float) -> None:
    assert parse_number(text, style) == value


@pytest.mark.parametrize(
    ("text", "style", "fragment"),
    [
        ("1,2", "en", "write '1.2', or set number_format: fr"),
        ("1,2345", "en", "uses a decimal comma"),
        ("12,00,000", "en", "commas or spaces group thousands in threes"),
        ("1.200", "fr", "has a dot, but number_format is fr"),
        ("1.5", "fr", "the decimal mark is a comma"),
        ("1 20", "fr", "not one number"),
        ("1,200 000", "en", "not one number"),
        ("5.", "en", "not one number"),
        ("\uff11\uff12", "en", "not one number"),  # full-width digits
        ("", "en", "not one number"),
    ],
)
def test_ambiguous_or_half_read_numbers_are_refused_with_how_to_write_them(
    text: str, style: NumberFormat, fragment: str
) -> None:
    with pytest.raises(NumberProblem, match=re.escape(fragment)):
        parse_number(text, style)


def test_a_decimal_comma_is_seen_as_the_other_style() -> None:
    assert only_in_other_style("1 200,5 t/yr", "en")
    assert only_in_other_style("1.5", "fr")
    assert not only_in_other_style("1,200", "en")  # reads in en: not evidence of fr
    assert not only_in_other_style("bf_slag", "en")


@pytest.mark.parametrize(
    ("text", "style", "target", "value"),
    [
        ("1 200 000 t/yr", "en", "t/yr", 1.2e6),
        ("1\u00a0200\u00a0000 t/yr", "en", "t/yr", 1.2e6),
        ("1\u202f200\u202f000 t/yr", "fr", "t/yr", 1.2e6),
        ("1,2 Mt/yr", "fr", "t/yr", 1.2e6),
        ("1,8 Mt/an", "fr", "t/yr", 1.8e6),
        ("5 000 t/j", "fr", "t/yr", 5000 * 365.25),
        ("80 € /MWh", "en", "EUR/MWh", 80.0),
        ("1,2 M€/km", "fr", "EUR/km", 1.2e6),
        ("450 k€", "en", "EUR", 450e3),
        ("6 %", "en", "dimensionless", 0.06),
        ("6,5 %", "fr", "dimensionless", 0.065),
        ("5,2e6 m**3/yr", "fr", "m**3/yr", 5.2e6),
    ],
)
def test_quantities_are_one_number_then_a_unit(
    text: str, style: NumberFormat, target: str, value: float
) -> None:
    assert to_unit(text, target, style=style) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1.2 mt/yr", "'mt' in '1.2 mt/yr' is easily mistaken (as written it means milli"),
        ("1.2 mt/yr", "did you mean 'Mt'?"),
        ("1 MT/yr", "megatesla): did you mean 'Mt'?"),
        ("3 KT/yr", "did you mean 'kt'?"),
        ("3 Kt/yr", "did you mean 'kt'?"),
        ("2 T/yr", "did you mean 't'?"),
        ("2 3 t/yr", "'2 3' is not one number"),
        ("1 200 300 400 5 t/yr", "is not one number"),
        ("3 x 2 t/yr", "not a product of numbers"),
        ("t/yr", "expected a number followed by its unit"),
    ],
)
def test_surprising_units_and_products_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(UnitProblem, match=re.escape(fragment)):
        to_unit(text, "t/yr")


@pytest.mark.parametrize(
    ("text", "right"),
    [("80 gwh/yr", "GWh"), ("80 GWH/yr", "GWh"), ("8 mwh/yr", "MWh"), ("8 mWh/yr", "MWh")],
)
def test_energy_units_in_the_wrong_case_are_refused(text: str, right: str) -> None:
    with pytest.raises(UnitProblem, match=f"did you mean '{right}'"):
        to_unit(text, "MWh/yr")


def test_spellings_pint_reads_as_the_same_unit_are_accepted() -> None:
    assert to_unit("2 Meur", "EUR") == 2e6
    assert to_unit("2 eur/t", "EUR/t") == 2.0
    with pytest.raises(UnitProblem, match="did you mean 'MEUR'"):
        to_unit("2 m€", "EUR")  # milli-euro is never what is meant

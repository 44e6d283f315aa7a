"""Properties of the personnummer parser, the platform's most exposed input: whatever text
arrives, it either parses to one canonical number or is refused with the documented error,
and the refusal never repeats the text.

Only made-up numbers appear: the tax agency's test number and generated ones.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.runtime.kernel.identity import (
    InvalidIdentityNumber,
    luhn_check_digit,
    parse_personnummer,
)

TODAY = date(2026, 6, 15)
DIGITS = "0123456789"

number_like = st.builds(
    lambda century, body, separator, tail: f"{century}{body}{separator}{tail}",
    st.sampled_from(["", "19", "20", "18", "00", "99"]),
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.sampled_from(["", "-", "+", " ", "--"]),
    st.text(alphabet=DIGITS, min_size=3, max_size=5),
)
"""Text shaped almost like a number, where the parser's branches are."""


@given(st.text(max_size=40) | number_like)
def test_any_text_parses_or_is_refused_with_the_documented_error_only(text: str) -> None:
    try:
        number = parse_personnummer(text, today=TODAY)
    except InvalidIdentityNumber as error:
        refusal = str(error)
    else:
        refusal = None
    if refusal is not None:
        digits = "".join(c for c in text if c.isdigit())
        assert len(digits) < 6 or digits not in refusal  # the number is never echoed
        return
    assert len(number.canonical) == 12
    assert number.canonical.isascii()
    assert number.canonical.isdigit()
    assert number.birth_date <= TODAY
    # The canonical form is a fixed point: parsing it again gives the same number.
    assert parse_personnummer(number.canonical, today=TODAY) == number


@given(
    birth=st.dates(min_value=date(1920, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=0, max_value=999),
    position=st.integers(min_value=2, max_value=11),
    change=st.integers(min_value=1, max_value=9),
)
def test_changing_any_one_digit_of_a_valid_number_is_refused(
    birth: date, serial: int, position: int, change: int
) -> None:
    """The Luhn digit catches every single-digit typo after the century, so a mistyped
    number never silently becomes someone else's pseudonym."""
    body = f"{birth:%y%m%d}{serial:03d}"
    valid = f"{birth:%Y}{body[2:]}{luhn_check_digit(body)}"
    assert parse_personnummer(valid, today=TODAY).canonical == valid
    digits = list(valid)
    digits[position] = str((int(digits[position]) + change) % 10)
    typo = "".join(digits)
    with pytest.raises(InvalidIdentityNumber):
        parse_personnummer(typo, today=TODAY)

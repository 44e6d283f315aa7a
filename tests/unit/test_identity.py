"""Identity numbers at the edge: validation and the pseudonymous subject id.

Only made-up numbers appear here: the tax agency's test number 19121212-1212
and numbers generated with a valid check digit.
"""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.runtime.kernel.identity import (
    InvalidIdentityNumber,
    SubjectIdFactory,
    luhn_check_digit,
    parse_personnummer,
)

TODAY = date(2025, 6, 15)
KEY = b"unit-test-subject-key-" + b"0" * 16


def reference_luhn(digits: str) -> int:
    """Textbook Luhn from the right, independent of the implementation under test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def make_number(birth: date, serial: str = "123", *, coordination: bool = False) -> str:
    """A made-up 12-digit number ``YYYYMMDD-NNNC`` with a valid check digit."""
    day = birth.day + 60 if coordination else birth.day
    body = f"{birth:%y%m}{day:02d}{serial}"
    return f"{birth.year:04d}{body[2:6]}-{serial}{reference_luhn(body)}"


def test_tax_agency_test_number_long_short_and_plus_forms_are_one_number() -> None:
    forms = ["19121212-1212", "191212121212", "121212+1212"]
    parsed = [parse_personnummer(text, today=TODAY) for text in forms]
    assert {number.canonical for number in parsed} == {"191212121212"}
    assert parsed[0].birth_date == date(1912, 12, 12)
    assert not parsed[0].is_coordination_number


def test_dash_in_short_form_means_under_a_hundred() -> None:
    number = parse_personnummer("121212-1212", today=TODAY)
    assert number.canonical == "201212121212"
    assert number.birth_date == date(2012, 12, 12)


def test_plus_separator_means_a_hundred_or_older() -> None:
    text = make_number(date(1920, 5, 4))[2:].replace("-", "+")
    assert parse_personnummer(text, today=TODAY).birth_date == date(1920, 5, 4)


def test_short_form_century_turns_with_today() -> None:
    text = make_number(date(2024, 1, 1))[2:]
    assert parse_personnummer(text, today=date(2024, 1, 1)).birth_date.year == 2024
    assert parse_personnummer(text, today=date(2023, 12, 31)).birth_date.year == 1924


def test_check_digit_must_match() -> None:
    with pytest.raises(InvalidIdentityNumber, match="check digit does not match"):
        parse_personnummer("19121212-1213", today=TODAY)


def test_29_february_exists_only_in_leap_years() -> None:
    assert parse_personnummer(make_number(date(2000, 2, 29)), today=TODAY).birth_date == date(
        2000, 2, 29
    )
    body = "230229123"
    with pytest.raises(InvalidIdentityNumber, match="no such date"):
        parse_personnummer(f"20{body[:6]}-{body[6:]}{reference_luhn(body)}", today=TODAY)


def test_samordningsnummer_adds_sixty_to_the_day() -> None:
    text = make_number(date(1985, 3, 14), coordination=True)
    assert text.startswith("19850374-")
    number = parse_personnummer(text, today=TODAY)
    assert number.is_coordination_number
    assert number.birth_date == date(1985, 3, 14)
    assert number.canonical == text.replace("-", "")


def test_samordningsnummer_day_must_still_be_a_real_day() -> None:
    body = "850392123"  # day 92 - 60 = 32
    with pytest.raises(InvalidIdentityNumber, match="no such date"):
        parse_personnummer(f"19{body[:6]}-{body[6:]}{reference_luhn(body)}", today=TODAY)


def test_birth_date_in_the_future_is_rejected() -> None:
    with pytest.raises(InvalidIdentityNumber, match="in the future"):
        parse_personnummer(make_number(TODAY + timedelta(days=1)), today=TODAY)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1912121-21212", "19121212--1212", "19121212+1212", "121212 1212", "1212121212x"],
)
def test_malformed_text_is_rejected(text: str) -> None:
    with pytest.raises(InvalidIdentityNumber, match=r"expected|separator"):
        parse_personnummer(text, today=TODAY)


def test_number_never_shows_in_repr_str_or_error() -> None:
    number = parse_personnummer("19121212-1212", today=TODAY)
    assert not any(char.isdigit() for char in repr(number) + str(number) + f"{number}")
    with pytest.raises(InvalidIdentityNumber) as error:
        parse_personnummer("19121212-1213", today=TODAY)
    assert "1212" not in str(error.value)


def test_subject_id_is_deterministic_keyed_hex() -> None:
    number = parse_personnummer("19121212-1212", today=TODAY)
    same = parse_personnummer("121212+1212", today=TODAY)
    subject_id = SubjectIdFactory(KEY).subject_id(number)
    assert subject_id == SubjectIdFactory(KEY).subject_id(same)
    assert len(subject_id) == 64
    assert all(char in "0123456789abcdef" for char in subject_id)
    assert SubjectIdFactory(b"o" * 32).subject_id(number) != subject_id


def test_subject_id_key_must_be_long_and_stays_hidden() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SubjectIdFactory(b"short")
    assert "unit-test" not in repr(SubjectIdFactory(KEY))


def test_after_a_key_rotation_reads_find_the_id_under_the_previous_key_too() -> None:
    """Rotation starts a new epoch: new records use the new key; the previous key is kept
    for reads that start from the personnummer (docs/runbook.md)."""
    number = parse_personnummer("19121212-1212", today=TODAY)
    new_key = b"n" * 32
    before = SubjectIdFactory(KEY).subject_id(number)
    rotated = SubjectIdFactory(new_key, previous=[KEY])
    assert rotated.subject_id(number) == SubjectIdFactory(new_key).subject_id(number) != before
    assert rotated.subject_ids(number) == (rotated.subject_id(number), before)
    assert SubjectIdFactory(KEY).subject_ids(number) == (before,)
    with pytest.raises(ValueError, match="differ"):
        SubjectIdFactory(KEY, previous=[KEY])
    with pytest.raises(ValueError, match="32 bytes"):
        SubjectIdFactory(new_key, previous=[b"short"])
    assert "unit-test" not in repr(rotated)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_luhn_matches_the_textbook_algorithm(digits: str) -> None:
    assert luhn_check_digit(digits) == reference_luhn(digits)


@given(
    birth=st.dates(min_value=date(TODAY.year - 199, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
)
def test_any_valid_date_with_computed_check_digit_parses(
    birth: date, serial: int, coordination: bool
) -> None:
    long_form = make_number(birth, f"{serial:03d}", coordination=coordination)
    separator = "-" if birth.year > TODAY.year - 100 else "+"
    short_form = long_form[2:].replace("-", separator)

    for text in (long_form, short_form, long_form.replace("-", "")):
        number = parse_personnummer(text, today=TODAY)
        assert number.canonical == long_form.replace("-", "")
        assert number.birth_date == birth
        assert number.is_coordination_number is coordination

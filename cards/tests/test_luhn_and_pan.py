"""Luhn check digits, PAN generation inside a BIN, and masking."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.security import (
    InvalidCardData,
    is_luhn_valid,
    luhn_check_digit,
    pan_display,
    pan_generate,
    pan_last_four,
    pan_validate,
)

PUBLIC_TEST_PANS = ["4111111111111111", "4242424242424242", "5555555555554444"]


@pytest.mark.parametrize("pan", PUBLIC_TEST_PANS)
def test_the_public_test_numbers_are_luhn_valid(pan):
    """The networks' published test numbers pass, and their check digit is found."""
    assert is_luhn_valid(pan)
    assert luhn_check_digit(pan[:-1]) == pan[-1]


@pytest.mark.parametrize(
    "number",
    [
        "4111111111111112",  # last digit off by one
        "4111111111111121",  # another digit changed
        "",
        "0",
        "4111 1111 1111 1111",
        "411111111111111a",
        "\u0664111111111111111",  # an Arabic-Indic digit four
    ],
)
def test_altered_or_malformed_numbers_fail_the_check(number):
    assert not is_luhn_valid(number)


def test_the_check_digit_of_a_textbook_payload():
    """7992739871 needs 3 (the worked example of the Luhn algorithm)."""
    assert luhn_check_digit("7992739871") == "3"


def test_a_check_digit_needs_digits():
    with pytest.raises(InvalidCardData):
        luhn_check_digit("79927x")


@given(
    bin_prefix=st.text(alphabet="0123456789", min_size=6, max_size=8),
    length=st.integers(min_value=15, max_value=19),
)
def test_every_generated_pan_is_luhn_valid_in_its_bin_and_length(bin_prefix, length):
    pan = pan_generate(bin_prefix=bin_prefix, length=length)

    assert len(pan) == length
    assert pan.startswith(bin_prefix)
    assert pan.isdigit()
    assert is_luhn_valid(pan)


def test_generated_pans_are_random():
    """Fifty PANs of a 6-digit BIN (10**9 possibilities) are all different."""
    pans = {pan_generate(bin_prefix="411111", length=16) for _ in range(50)}

    assert len(pans) == 50


@pytest.mark.parametrize(
    ("bin_prefix", "length"),
    [
        ("41111a", 16),
        ("", 16),
        ("411111111", 16),  # nine digits
        ("411111", 11),
        ("411111", 20),
        ("411111", True),
        ("41111111", 9),
    ],
)
def test_generation_rejects_bad_bins_and_lengths(bin_prefix, length):
    with pytest.raises(InvalidCardData):
        pan_generate(bin_prefix=bin_prefix, length=length)


def test_a_pan_is_shown_only_as_its_last_four():
    pan = pan_generate(bin_prefix="555555", length=16)

    assert pan_last_four(pan) == pan[-4:]
    assert pan_display(pan_last_four(pan)) == f"\u2022\u2022\u2022\u2022 {pan[-4:]}"
    assert pan_display("1234") == "•••• 1234"


@pytest.mark.parametrize("value", ["123", "12345", "12a4", "4111111111111111"])
def test_the_display_form_takes_only_four_digits(value):
    """A whole PAN handed to the display helper is refused, not shown."""
    with pytest.raises(InvalidCardData) as raised:
        pan_display(value)

    assert value not in str(raised.value)


def test_pan_validation_requires_the_check_digit_unless_told_not_to():
    pan = pan_generate(bin_prefix="424242", length=16)
    wrong = pan[:-1] + str((int(pan[-1]) + 1) % 10)

    assert pan_validate(pan) == pan
    assert pan_validate(wrong, require_luhn=False) == wrong
    with pytest.raises(InvalidCardData):
        pan_validate(wrong)

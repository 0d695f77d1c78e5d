"""Primary account numbers: generation inside a BIN, validation and masking.

A PAN is handled as a string of ASCII digits. Only its last four digits may
be shown or logged; `pan_display` is the one display form.
"""

import secrets

from cards.security.errors import InvalidCardData
from cards.security.luhn import is_luhn_valid, luhn_check_digit
from issuer.kernel.fields import PAN, is_ascii_digits

# The kernel's one definition of a card number (issuer.kernel.fields.PAN).
PAN_MIN_LENGTH = PAN.min_length
PAN_MAX_LENGTH = PAN.max_length
MASK = "\u2022\u2022\u2022\u2022"  # four bullets


def pan_validate(pan: str, *, require_luhn: bool = True) -> str:
    """Return `pan` if it is 13-19 digits (and Luhn-valid); raise otherwise."""
    if not is_ascii_digits(pan):
        raise InvalidCardData("A card number must be a string of digits.")
    if not PAN_MIN_LENGTH <= len(pan) <= PAN_MAX_LENGTH:
        raise InvalidCardData(
            f"A card number has {PAN_MIN_LENGTH} to {PAN_MAX_LENGTH} digits."
        )
    if require_luhn and not is_luhn_valid(pan):
        raise InvalidCardData("The card number fails its check digit.")
    return pan


def pan_generate(*, bin_prefix: str, length: int) -> str:
    """Return a random Luhn-valid PAN of `length` digits starting with `bin_prefix`.

    The digits between the prefix and the check digit come from `secrets`.
    Uniqueness is the caller's business (the PAN fingerprint is unique).
    """
    if not isinstance(bin_prefix, str) or not bin_prefix.isascii():
        raise InvalidCardData("A BIN prefix must be a string of digits.")
    if not is_ascii_digits(bin_prefix) or not 1 <= len(bin_prefix) <= 8:
        raise InvalidCardData("A BIN prefix has 1 to 8 digits.")
    if isinstance(length, bool) or not isinstance(length, int):
        raise InvalidCardData("A PAN length must be an integer.")
    if not PAN_MIN_LENGTH <= length <= PAN_MAX_LENGTH:
        raise InvalidCardData(
            f"A PAN length is between {PAN_MIN_LENGTH} and {PAN_MAX_LENGTH}."
        )
    if length - len(bin_prefix) < 2:
        raise InvalidCardData("A PAN needs at least one random digit after the BIN.")
    random_digits = length - len(bin_prefix) - 1
    payload = bin_prefix + "".join(
        str(secrets.randbelow(10)) for _ in range(random_digits)
    )
    return payload + luhn_check_digit(payload)


def pan_last_four(pan: str) -> str:
    """Return the last four digits of a valid PAN (the only part ever shown)."""
    return pan_validate(pan, require_luhn=False)[-4:]


def pan_display(last_four: str) -> str:
    """Return the display form of a card from its last four: `•••• 1234`."""
    if (
        not isinstance(last_four, str)
        or len(last_four) != 4
        or not is_ascii_digits(last_four)
    ):
        raise InvalidCardData("Give exactly the last four digits of the card.")
    return f"{MASK} {last_four}"

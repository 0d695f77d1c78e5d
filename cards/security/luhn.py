"""The Luhn (mod 10) check digit of ISO/IEC 7812 card numbers."""

from cards.security.errors import InvalidCardData
from issuer.kernel.fields import is_ascii_digits, luhn_is_valid


def _luhn_sum(digits: str, *, double_first: bool) -> int:
    """Sum `digits` from the right, doubling every other one."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if (index % 2 == 0) == double_first:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total


def _require_digits(value: str, *, what: str) -> None:
    if not is_ascii_digits(value):
        raise InvalidCardData(f"The {what} must be a string of digits.")


def luhn_check_digit(payload: str) -> str:
    """Return the check digit that makes `payload` + digit Luhn-valid."""
    _require_digits(payload, what="Luhn payload")
    return str((10 - _luhn_sum(payload, double_first=True) % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    """Tell whether `number` (ASCII digits only, at least two) passes the Luhn
    check: the kernel's one definition, which API input validation uses too."""
    return luhn_is_valid(number)

"""The shapes of codes and amounts, and the checks, without any framework.

Every pattern is ASCII (`[0-9]`, `[A-Z]`, compiled with `re.ASCII`) and is
matched whole (`fullmatch`): `"5411\\n"` is not an MCC either.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from issuer.kernel.money import CURRENCY_EXPONENTS, MAX_AMOUNT

# The largest integer every JSON reader holds exactly (IEEE 754 doubles);
# MAX_AMOUNT, the largest amount in minor units, is far below it.
JSON_SAFE_INTEGER = 2**53 - 1
assert MAX_AMOUNT <= JSON_SAFE_INTEGER

_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ASCII_INTEGER = re.compile(r"-?[0-9]{1,18}", re.ASCII)
_ASCII_DECIMAL = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,4})?", re.ASCII)


def luhn_is_valid(number: str) -> bool:
    """Tell whether `number` (ASCII digits, at least two) passes the Luhn check."""
    if not isinstance(number, str) or len(number) < 2 or not is_ascii_digits(number):
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


@dataclass(frozen=True)
class Code:
    """A code-like input: a string of ASCII characters of one exact shape.

    `pattern` holds no anchors; `schema_pattern` is the anchored form for
    OpenAPI. `check` adds what a pattern cannot say (a Luhn digit, a known
    currency).
    """

    name: str
    pattern: str
    min_length: int
    max_length: int
    message: str
    check: Callable[[str], bool] | None = field(default=None, compare=False)

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)

    @property
    def schema_pattern(self) -> str:
        return f"^{self.pattern}$"

    def matches(self, value: object) -> bool:
        """Whether `value` is this code exactly as written (no trimming)."""
        return (
            isinstance(value, str)
            and self.min_length <= len(value) <= self.max_length
            and value.isascii()
            and self.regex.fullmatch(value) is not None
            and (self.check is None or self.check(value))
        )


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern, re.ASCII)
    return compiled


PAN = Code(
    "pan",
    "[0-9]{13,19}",
    13,
    19,
    "A card number is 13 to 19 digits 0-9 with a valid check digit.",
    check=luhn_is_valid,
)
EXPIRY = Code(
    "expiry", "(0[1-9]|1[0-2])/[0-9]{2}", 5, 5, "An expiry is MM/YY, e.g. 09/29."
)
CVV = Code("cvv", "[0-9]{3,4}", 3, 4, "A CVV is 3 or 4 digits 0-9.")
MCC = Code("mcc", "[0-9]{4}", 4, 4, "A merchant category code is 4 digits 0-9.")
COUNTRY = Code(
    "country",
    "[A-Z]{2}",
    2,
    2,
    "A country is an ISO 3166-1 alpha-2 code in capitals A-Z, e.g. US.",
)
CURRENCY = Code(
    "currency",
    "[A-Z]{3}",
    3,
    3,
    "A currency is a known ISO 4217 code in capitals A-Z, e.g. USD.",
    check=CURRENCY_EXPONENTS.__contains__,
)
RESPONSE_CODE = Code(
    "response_code",
    "[0-9A-Z]{2}",
    2,
    2,
    "An ISO 8583 response code is 2 characters 0-9 or A-Z, e.g. 00 or N7.",
)
MERCHANT_ID = Code(
    "merchant_id",
    "[!-~]{1,64}",
    1,
    64,
    "A merchant id is 1 to 64 printable ASCII characters without spaces.",
)
BIN_PREFIX = Code("bin_prefix", "[0-9]{6,8}", 6, 8, "A BIN is 6 to 8 digits 0-9.")
TOTP_TOKEN = Code("totp_token", "[0-9]{6,8}", 6, 8, "A code is 6 to 8 digits 0-9.")

CODES: tuple[Code, ...] = (
    PAN,
    EXPIRY,
    CVV,
    MCC,
    COUNTRY,
    CURRENCY,
    RESPONSE_CODE,
    MERCHANT_ID,
    BIN_PREFIX,
    TOTP_TOKEN,
)


def is_ascii_digits(value: object) -> bool:
    """Whether `value` is a non-empty string of the digits 0-9 only."""
    return (
        isinstance(value, str)
        and value.isascii()
        and _ASCII_DIGITS.fullmatch(value) is not None
    )


def is_pan(value: object) -> bool:
    """Whether `value` is a card number: 13-19 ASCII digits, Luhn-valid."""
    return PAN.matches(value)


def strict_integer(
    value: object, *, minimum: int = 1, maximum: int = MAX_AMOUNT
) -> int:
    """Return `value` if it is an int (not a bool, float or string) in range.

    Raise ValueError with a message for people otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Must be a JSON integer (not a string, a decimal or true).")
    if not minimum <= value <= maximum:
        raise ValueError(f"Must be from {minimum} to {maximum}.")
    return value


def ascii_integer(text: str) -> int:
    """Parse a whole number written in ASCII digits (an optional leading -).

    Raise ValueError otherwise: `int()` takes other scripts' digits and spaces.
    """
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("Write a whole number with the digits 0-9.")
    if _ASCII_INTEGER.fullmatch(text) is None:
        raise ValueError("Write a whole number with the digits 0-9.")
    return int(text)


def ascii_decimal(text: str) -> Decimal:
    """Parse a decimal number written in ASCII digits, e.g. "57.16".

    No exponent, no separators, no other scripts' digits (`Decimal()` takes
    all three); at most 15 whole digits and 4 decimals.
    """
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("Write the amount with the digits 0-9, e.g. 57.16.")
    if _ASCII_DECIMAL.fullmatch(text) is None:
        raise ValueError("Write the amount with the digits 0-9, e.g. 57.16.")
    return Decimal(text)

"""Canonical inputs: one definition of every code and amount the system takes.

A code (card number, expiry, CVV, MCC, country, currency, response code,
merchant id, BIN) is a string of ASCII characters of one exact shape; an
amount is a JSON integer in minor units. Nothing is normalised on the way
in: 5411 written in Arabic-Indic or fullwidth digits is not the MCC 5411, it
is refused, so every later comparison (a blocked MCC, a matching expiry) sees
the one spelling there is.

- `rules`: the shapes and checks, no framework (services use them);
- `api`: the DRF serializer fields built on them (every API serializer);
- `forms`: the Django form fields built on them (portal and admin forms);
- `models`: model fields (`ExactCharField`: byte-exact on every database).

Python's `\\d`, `str.isdigit()`, `int()` and `Decimal()` all take digits of
other scripts: use these instead, never them, on input.
"""

from issuer.kernel.fields.models import ExactCharField
from issuer.kernel.fields.rules import (
    BIN_PREFIX,
    CODES,
    COUNTRY,
    CURRENCY,
    CVV,
    EXPIRY,
    JSON_SAFE_INTEGER,
    MCC,
    MERCHANT_ID,
    PAN,
    RESPONSE_CODE,
    TOTP_TOKEN,
    Code,
    ascii_decimal,
    ascii_integer,
    is_ascii_digits,
    is_pan,
    luhn_is_valid,
    strict_integer,
)

__all__ = [
    "BIN_PREFIX",
    "CODES",
    "COUNTRY",
    "CURRENCY",
    "CVV",
    "EXPIRY",
    "JSON_SAFE_INTEGER",
    "MCC",
    "MERCHANT_ID",
    "PAN",
    "RESPONSE_CODE",
    "TOTP_TOKEN",
    "Code",
    "ExactCharField",
    "ascii_decimal",
    "ascii_integer",
    "is_ascii_digits",
    "is_pan",
    "luhn_is_valid",
    "strict_integer",
]

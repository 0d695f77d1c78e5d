"""Money: integer minor units beside an ISO 4217 code. No float ever.

Amounts in major units ("57.16") convert exactly or not at all: more
decimals than the currency has is an error, never a rounding.
"""

import re
from decimal import Decimal, InvalidOperation

from issuer.kernel.errors import InvalidInput

# A decimal in major units as written: ASCII digits, an optional sign and
# point; no exponent. `Decimal()` alone takes other scripts'
# digits, "1e3", "Infinity" and surrounding spaces.
_MAJOR_UNITS = re.compile(r"[-+]?[0-9]+(?:\.[0-9]*)?|[-+]?\.[0-9]+", re.ASCII)

# Active ISO 4217 codes by exponent (most currencies have 2 decimals).
_CODES_BY_EXPONENT = {
    2: """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD
    KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU
    MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR
    RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB
    TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ZAR ZMW ZWG
    """,
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
# The largest amount in minor units anything takes: ISO 8583's amount field
# has 12 digits. Bounds every sum of amounts far below the 64-bit columns.
MAX_AMOUNT = 999_999_999_999

CURRENCY_EXPONENTS: dict[str, int] = {
    code: exponent
    for exponent, codes in _CODES_BY_EXPONENT.items()
    for code in codes.split()
}


class AmountError(ValueError):
    """An amount or currency that cannot be stored exactly."""


def currency_exponent(currency: str) -> int:
    """Return the number of minor-unit decimals of an ISO 4217 currency."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise AmountError(f"{currency!r} is not an ISO 4217 currency code") from None


def is_known_currency(currency: str) -> bool:
    return currency in CURRENCY_EXPONENTS


def major_to_minor(amount: str, currency: str) -> int:
    """Convert a decimal string in major units to integer minor units, exactly.

    `major_to_minor("57.16", "USD") == 5716`; more decimals than the currency
    has (`"57.165"` in USD) is an error, never a rounding.
    """
    exponent = currency_exponent(currency)
    if not isinstance(amount, str) or _MAJOR_UNITS.fullmatch(amount) is None:
        raise AmountError(_why_not_major_units(amount))
    value = Decimal(amount)
    # Checked before scaling: "1e999999" would otherwise build a huge integer.
    if abs(value) > Decimal(MAX_AMOUNT).scaleb(-exponent):
        raise AmountError(f"{amount!r} is more than the largest amount taken")
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise AmountError(
            f"{amount!r} has more than {exponent} decimals for {currency}"
        )
    return int(scaled)


def _why_not_major_units(text: object) -> str:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return f"{text!r} is not a decimal number"
    if not value.is_finite():
        return f"{text!r} is not a finite number"
    return f"{text!r} is not written in the digits 0-9 with an optional point"


def validate_currency(currency: str, *, field: str = "currency") -> str:
    if currency not in CURRENCY_EXPONENTS:
        raise InvalidInput.for_field(
            field, f"Unsupported currency {currency!r}; use an ISO 4217 code."
        )
    return currency


def validate_amount(amount: object, *, field: str = "amount") -> int:
    """An amount in minor units: a positive integer (not a bool, not a float)
    up to MAX_AMOUNT."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput.for_field(field, "Must be an integer in minor units.")
    if amount <= 0:
        raise InvalidInput.for_field(field, "Must be greater than zero.")
    if amount > MAX_AMOUNT:
        raise InvalidInput.for_field(field, f"Must be at most {MAX_AMOUNT}.")
    return amount


def format_money(amount: int, currency: str) -> str:
    """Render minor units with the currency's exponent: 123456 USD -> '1,234.56'."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    value = Decimal(amount).scaleb(-exponent)
    return f"{value:,.{exponent}f}"

"""Money: integer minor units beside an ISO 4217 code. No float ever."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from issuer.kernel.errors import InvalidInput

# ISO 4217 minor-unit exponents for the currencies the program handles.
CURRENCY_EXPONENTS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CAD": 2,
    "AUD": 2,
    "CHF": 2,
    "SEK": 2,
    "JPY": 0,
    "KRW": 0,
    "BHD": 3,
    "KWD": 3,
}


def validate_currency(currency: str, *, field: str = "currency") -> str:
    if currency not in CURRENCY_EXPONENTS:
        raise InvalidInput.for_field(
            field, f"Unsupported currency {currency!r}; use an ISO 4217 code."
        )
    return currency


def validate_amount(amount: object, *, field: str = "amount") -> int:
    """An amount in minor units: a positive integer (not a bool, not a float)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput.for_field(field, "Must be an integer in minor units.")
    if amount <= 0:
        raise InvalidInput.for_field(field, "Must be greater than zero.")
    return amount


def to_minor_units(major: str | Decimal, currency: str) -> int:
    """Convert a decimal amount in major units ("57.16") to minor units."""
    exponent = CURRENCY_EXPONENTS[validate_currency(currency)]
    try:
        value = Decimal(major)
    except (InvalidOperation, TypeError):
        raise InvalidInput.for_field(
            "amount", f"Not a decimal amount: {major!r}."
        ) from None
    if not value.is_finite():
        raise InvalidInput.for_field("amount", f"Not a decimal amount: {major!r}.")
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise InvalidInput.for_field(
            "amount", f"{major} has more decimals than {currency} allows."
        )
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(amount: int, currency: str) -> str:
    """Render minor units with the currency's exponent: 123456 USD -> '1,234.56'."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    value = Decimal(amount).scaleb(-exponent)
    return f"{value:,.{exponent}f}"

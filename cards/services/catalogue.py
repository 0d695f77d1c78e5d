"""The card catalogue: BINs and card products.

Each service validates all of its input before writing, raising
`InvalidInput` that names the field, so a raised error means nothing changed.
The `*_clean` functions hold that validation alone so the admin forms apply
the same rules.
"""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.billing_terms import validate_time_zone
from cards.models import BASIS_POINTS_MAX, Bin, CardProduct
from issuer.kernel.errors import InvalidInput
from issuer.kernel.fields import BIN_PREFIX, COUNTRY, CURRENCY, MCC, Code

# Leading digits each network's card numbers start with (ISO/IEC 7812 IINs),
# and the PAN lengths it issues.
_NETWORK_PREFIXES: dict[str, tuple[tuple[int, int], ...]] = {
    # (first, last) of the prefix range, compared on as many digits as given.
    Bin.Network.VISA: ((4, 4),),
    Bin.Network.MASTERCARD: ((51, 55), (2221, 2720)),
    Bin.Network.AMEX: ((34, 34), (37, 37)),
    Bin.Network.DISCOVER: ((6011, 6011), (644, 649), (65, 65), (622126, 622925)),
}
_NETWORK_PAN_LENGTHS: dict[str, range] = {
    Bin.Network.VISA: range(16, 20),
    Bin.Network.MASTERCARD: range(16, 17),
    Bin.Network.AMEX: range(15, 16),
    Bin.Network.DISCOVER: range(16, 20),
}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _prefix_matches_network(prefix: str, network: str) -> bool:
    for first, last in _NETWORK_PREFIXES[network]:
        digits = len(str(first))
        if first <= int(prefix[:digits]) <= last:
            return True
    return False


def bin_clean(
    *,
    prefix: str,
    network: str,
    pan_length: int,
    currency: str,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """Validate a BIN's fields; return them cleaned or raise `InvalidInput`."""
    if not BIN_PREFIX.matches(prefix):
        raise InvalidInput.for_field("prefix", "A BIN prefix is 6 to 8 digits.")
    if network not in Bin.Network.values:
        raise InvalidInput.for_field(
            "network", f"Choose one of {', '.join(Bin.Network.values)}."
        )
    if not _prefix_matches_network(prefix, network):
        raise InvalidInput.for_field(
            "prefix", f"Prefix {prefix} is not in the {network} number range."
        )
    if not _is_int(pan_length) or not 15 <= pan_length <= 19:
        raise InvalidInput.for_field(
            "pan_length", "A PAN length is a whole number from 15 to 19."
        )
    allowed_lengths = _NETWORK_PAN_LENGTHS[network]
    if pan_length not in allowed_lengths:
        raise InvalidInput.for_field(
            "pan_length",
            f"{network} cards have {allowed_lengths.start} to "
            f"{allowed_lengths.stop - 1} digits.",
        )
    currency = _clean_currency(currency)
    # A PAN must belong to one BIN: no prefix may start another one.
    overlapping = Bin.objects.filter(
        Q(prefix__in=[prefix[:n] for n in range(6, len(prefix) + 1)])
        | Q(prefix__startswith=prefix)
    )
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    clash = overlapping.values_list("prefix", flat=True).first()
    if clash is not None:
        raise InvalidInput.for_field(
            "prefix", f"Prefix {prefix} overlaps existing BIN {clash}."
        )
    return {
        "prefix": prefix,
        "network": network,
        "pan_length": pan_length,
        "currency": currency,
    }


def bin_create(
    *,
    prefix: str,
    network: str,
    pan_length: int,
    currency: str,
    is_active: bool = True,
) -> Bin:
    """Create a BIN range; its prefix must not overlap another BIN's."""
    cleaned = bin_clean(
        prefix=prefix, network=network, pan_length=pan_length, currency=currency
    )
    try:
        with transaction.atomic():
            return Bin.objects.create(**cleaned, is_active=is_active)
    except IntegrityError:
        if not Bin.objects.filter(prefix=prefix).exists():
            raise
        # A concurrent create took the same prefix between check and insert.
        raise InvalidInput.for_field(
            "prefix", f"BIN {prefix} already exists."
        ) from None


def _clean_currency(currency: str, *, field: str = "currency") -> str:
    if not CURRENCY.matches(currency):
        raise InvalidInput.for_field(
            field, "A currency is a three-letter ISO 4217 code such as USD."
        )
    return currency


def _clean_amount(value: object, *, field: str, allow_zero: bool) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput.for_field(
            field, "An amount is a whole number of minor units."
        )
    if value < 0 or (value == 0 and not allow_zero):
        qualifier = "zero or more" if allow_zero else "more than zero"
        raise InvalidInput.for_field(field, f"The amount must be {qualifier}.")
    return value


def _clean_basis_points(value: object, *, field: str) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 0 <= value <= BASIS_POINTS_MAX
    ):
        raise InvalidInput.for_field(
            field, f"A rate is whole basis points from 0 to {BASIS_POINTS_MAX}."
        )
    return value


def _clean_optional_limit(value: object, *, field: str) -> int | None:
    if value is None:
        return None
    return _clean_amount(value, field=field, allow_zero=False)


def _clean_codes(
    values: Iterable[str], *, field: str, shape: Code, what: str
) -> list[str]:
    """ASCII codes only: `upper()` turns a dotless i into I, and a pattern
    with `\\d` takes Arabic-Indic digits for 7995."""
    if isinstance(values, str):
        raise InvalidInput.for_field(field, f"Give a list of {what}.")
    cleaned = set()
    for value in values:
        code = value.strip().upper() if isinstance(value, str) else value
        if not (isinstance(value, str) and value.isascii() and shape.matches(code)):
            raise InvalidInput.for_field(field, f"{value!r} is not one of {what}.")
        cleaned.add(code)
    return sorted(cleaned)


def card_product_clean(
    *,
    name: str,
    bin: Bin,
    currency: str,
    default_credit_limit: int,
    apr_basis_points: int,
    annual_fee: int = 0,
    late_fee: int = 0,
    returned_payment_fee: int = 0,
    foreign_transaction_fee_basis_points: int = 0,
    validity_years: int = 3,
    per_transaction_limit: int | None = None,
    daily_limit: int | None = None,
    monthly_limit: int | None = None,
    blocked_mccs: Iterable[str] = (),
    blocked_countries: Iterable[str] = (),
    billing_time_zone: str = "",
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """Validate a card product's fields; return them cleaned or raise."""
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise InvalidInput.for_field("name", "A card product needs a name.")
    if len(name) > 120:
        raise InvalidInput.for_field("name", "A name has at most 120 characters.")
    same_name = CardProduct.objects.filter(name=name)
    if exclude_pk is not None:
        same_name = same_name.exclude(pk=exclude_pk)
    if same_name.exists():
        raise InvalidInput.for_field("name", f"Card product {name!r} already exists.")
    if not isinstance(bin, Bin) or bin.pk is None:
        raise InvalidInput.for_field("bin", "Choose an existing BIN.")
    if exclude_pk is None and not bin.is_active:
        raise InvalidInput.for_field("bin", f"BIN {bin.prefix} is not active.")
    currency = _clean_currency(currency)
    if currency != bin.currency:
        raise InvalidInput.for_field(
            "currency", f"The product's currency must be its BIN's ({bin.currency})."
        )
    cleaned: dict[str, Any] = {
        "name": name,
        "bin": bin,
        "currency": currency,
        "default_credit_limit": _clean_amount(
            default_credit_limit, field="default_credit_limit", allow_zero=False
        ),
        "apr_basis_points": _clean_basis_points(
            apr_basis_points, field="apr_basis_points"
        ),
        "annual_fee": _clean_amount(annual_fee, field="annual_fee", allow_zero=True),
        "late_fee": _clean_amount(late_fee, field="late_fee", allow_zero=True),
        "returned_payment_fee": _clean_amount(
            returned_payment_fee, field="returned_payment_fee", allow_zero=True
        ),
        "foreign_transaction_fee_basis_points": _clean_basis_points(
            foreign_transaction_fee_basis_points,
            field="foreign_transaction_fee_basis_points",
        ),
    }
    if not _is_int(validity_years) or not 1 <= validity_years <= 10:
        raise InvalidInput.for_field(
            "validity_years", "Validity is a whole number of years from 1 to 10."
        )
    cleaned["validity_years"] = validity_years
    cleaned["billing_time_zone"] = (
        validate_time_zone(billing_time_zone) if billing_time_zone else ""
    )
    per_transaction = _clean_optional_limit(
        per_transaction_limit, field="per_transaction_limit"
    )
    daily = _clean_optional_limit(daily_limit, field="daily_limit")
    monthly = _clean_optional_limit(monthly_limit, field="monthly_limit")
    if per_transaction is not None and daily is not None and per_transaction > daily:
        raise InvalidInput.for_field(
            "per_transaction_limit",
            "The per-transaction limit cannot exceed the daily limit.",
        )
    if daily is not None and monthly is not None and daily > monthly:
        raise InvalidInput.for_field(
            "daily_limit", "The daily limit cannot exceed the monthly limit."
        )
    cleaned |= {
        "per_transaction_limit": per_transaction,
        "daily_limit": daily,
        "monthly_limit": monthly,
        "blocked_mccs": _clean_codes(
            blocked_mccs,
            field="blocked_mccs",
            shape=MCC,
            what="4-digit merchant category codes",
        ),
        "blocked_countries": _clean_codes(
            blocked_countries,
            field="blocked_countries",
            shape=COUNTRY,
            what="ISO 3166-1 alpha-2 country codes",
        ),
    }
    return cleaned


def card_product_create(
    *,
    name: str,
    bin: Bin,
    default_credit_limit: int,
    apr_basis_points: int,
    currency: str | None = None,
    annual_fee: int = 0,
    late_fee: int = 0,
    returned_payment_fee: int = 0,
    foreign_transaction_fee_basis_points: int = 0,
    validity_years: int = 3,
    per_transaction_limit: int | None = None,
    daily_limit: int | None = None,
    monthly_limit: int | None = None,
    is_ecommerce_enabled: bool = True,
    is_atm_enabled: bool = True,
    is_contactless_enabled: bool = True,
    blocked_mccs: Iterable[str] = (),
    blocked_countries: Iterable[str] = (),
    billing_time_zone: str = "",
    is_active: bool = True,
) -> CardProduct:
    """Create a card product on `bin`; the currency defaults to the BIN's.

    Amounts are minor units of that currency; rates are basis points.
    """
    cleaned = card_product_clean(
        name=name,
        bin=bin,
        currency=getattr(bin, "currency", "") if currency is None else currency,
        default_credit_limit=default_credit_limit,
        apr_basis_points=apr_basis_points,
        annual_fee=annual_fee,
        late_fee=late_fee,
        returned_payment_fee=returned_payment_fee,
        foreign_transaction_fee_basis_points=foreign_transaction_fee_basis_points,
        validity_years=validity_years,
        per_transaction_limit=per_transaction_limit,
        daily_limit=daily_limit,
        monthly_limit=monthly_limit,
        blocked_mccs=blocked_mccs,
        blocked_countries=blocked_countries,
        billing_time_zone=billing_time_zone,
    )
    try:
        with transaction.atomic():
            return CardProduct.objects.create(
                **cleaned,
                is_ecommerce_enabled=bool(is_ecommerce_enabled),
                is_atm_enabled=bool(is_atm_enabled),
                is_contactless_enabled=bool(is_contactless_enabled),
                is_active=bool(is_active),
            )
    except IntegrityError:
        if not CardProduct.objects.filter(name=cleaned["name"]).exists():
            raise
        # A concurrent create took the same name between check and insert.
        raise InvalidInput.for_field(
            "name", f"Card product {cleaned['name']!r} already exists."
        ) from None

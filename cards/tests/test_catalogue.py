"""BINs and card products: validation names the field; the database agrees."""

import pytest
from django.db import IntegrityError, transaction

from cards.models import Bin, CardProduct
from cards.services.catalogue import bin_create, card_product_create
from cards.tests.factories import BinFactory, CardProductFactory
from issuer.kernel.errors import InvalidInput

pytestmark = pytest.mark.django_db


def _bin_args(**overrides):
    return {
        "prefix": "411111",
        "network": "visa",
        "pan_length": 16,
        "currency": "USD",
    } | overrides


def test_bin_create_stores_a_bin():
    created = bin_create(**_bin_args())

    stored = Bin.objects.get(pk=created.pk)
    assert (stored.prefix, stored.network, stored.pan_length, stored.currency) == (
        "411111",
        "visa",
        16,
        "USD",
    )
    assert stored.is_active is True
    assert str(stored) == "411111 (Visa, 16)"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"prefix": "41111"}, "prefix"),
        ({"prefix": "411111111"}, "prefix"),
        ({"prefix": "41111a"}, "prefix"),
        ({"prefix": 411111}, "prefix"),
        ({"network": "diners"}, "network"),
        ({"prefix": "511111", "network": "visa"}, "prefix"),
        ({"prefix": "411111", "network": "mastercard"}, "prefix"),
        ({"pan_length": 14}, "pan_length"),
        ({"pan_length": 20}, "pan_length"),
        ({"pan_length": "16"}, "pan_length"),
        ({"pan_length": True}, "pan_length"),
        ({"prefix": "371111", "network": "amex", "pan_length": 16}, "pan_length"),
        ({"prefix": "555555", "network": "mastercard", "pan_length": 19}, "pan_length"),
        ({"currency": "usd"}, "currency"),
        ({"currency": "US"}, "currency"),
    ],
)
def test_bin_create_names_the_bad_field_and_writes_nothing(overrides, field):
    with pytest.raises(InvalidInput) as raised:
        bin_create(**_bin_args(**overrides))

    assert list(raised.value.fields) == [field]
    assert raised.value.code == "invalid"
    assert Bin.objects.count() == 0


@pytest.mark.parametrize(
    ("network", "prefix", "pan_length"),
    [
        ("mastercard", "555555", 16),
        ("mastercard", "222100", 16),
        ("amex", "378282", 15),
        ("discover", "601100", 16),
        ("discover", "65000000", 19),
    ],
)
def test_bin_create_accepts_each_networks_ranges(network, prefix, pan_length):
    created = bin_create(
        prefix=prefix, network=network, pan_length=pan_length, currency="USD"
    )

    assert created.network == network


@pytest.mark.parametrize("prefix", ["411111", "41111100", "4111110"])
def test_a_bin_overlapping_another_is_refused(prefix):
    """Equal, longer or shorter: one prefix starting another is ambiguous."""
    bin_create(**_bin_args(prefix="411111"))

    with pytest.raises(InvalidInput) as raised:
        bin_create(**_bin_args(prefix=prefix))

    assert list(raised.value.fields) == ["prefix"]
    assert Bin.objects.count() == 1


def test_card_product_create_stores_the_product_with_normalized_controls():
    bin_ = BinFactory(prefix="424242")

    product = card_product_create(
        name="  Classic  ",
        bin=bin_,
        default_credit_limit=500_000,
        apr_basis_points=2_499,
        annual_fee=9_500,
        late_fee=4_000,
        returned_payment_fee=2_900,
        foreign_transaction_fee_basis_points=300,
        validity_years=4,
        per_transaction_limit=100_000,
        daily_limit=200_000,
        monthly_limit=1_000_000,
        is_atm_enabled=False,
        blocked_mccs=["7995", "6051", "7995"],
        blocked_countries=["kp", "IR"],
    )

    stored = CardProduct.objects.get(pk=product.pk)
    assert stored.name == "Classic"
    assert stored.currency == "USD"
    assert stored.default_credit_limit == 500_000
    assert stored.apr_basis_points == 2_499
    assert (stored.annual_fee, stored.late_fee, stored.returned_payment_fee) == (
        9_500,
        4_000,
        2_900,
    )
    assert stored.foreign_transaction_fee_basis_points == 300
    assert stored.validity_years == 4
    assert (stored.per_transaction_limit, stored.daily_limit, stored.monthly_limit) == (
        100_000,
        200_000,
        1_000_000,
    )
    assert (
        stored.is_ecommerce_enabled,
        stored.is_atm_enabled,
        stored.is_contactless_enabled,
    ) == (True, False, True)
    assert stored.blocked_mccs == ["6051", "7995"]
    assert stored.blocked_countries == ["IR", "KP"]
    assert stored.public_id is not None


def test_card_product_limits_default_to_no_limit():
    product = card_product_create(
        name="Plain", bin=BinFactory(), default_credit_limit=1, apr_basis_points=0
    )

    assert (product.per_transaction_limit, product.daily_limit) == (None, None)
    assert product.monthly_limit is None
    assert product.blocked_mccs == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"currency": "EUR"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"default_credit_limit": 0}, "default_credit_limit"),
        ({"default_credit_limit": -1}, "default_credit_limit"),
        ({"default_credit_limit": 12.5}, "default_credit_limit"),
        ({"default_credit_limit": True}, "default_credit_limit"),
        ({"apr_basis_points": -1}, "apr_basis_points"),
        ({"apr_basis_points": 10_001}, "apr_basis_points"),
        ({"annual_fee": -1}, "annual_fee"),
        ({"late_fee": -100}, "late_fee"),
        ({"returned_payment_fee": "29"}, "returned_payment_fee"),
        (
            {"foreign_transaction_fee_basis_points": 10_001},
            "foreign_transaction_fee_basis_points",
        ),
        ({"validity_years": 0}, "validity_years"),
        ({"validity_years": 11}, "validity_years"),
        ({"per_transaction_limit": 0}, "per_transaction_limit"),
        ({"daily_limit": -5}, "daily_limit"),
        ({"monthly_limit": 0}, "monthly_limit"),
        (
            {"per_transaction_limit": 300, "daily_limit": 200},
            "per_transaction_limit",
        ),
        ({"daily_limit": 300, "monthly_limit": 200}, "daily_limit"),
        ({"blocked_mccs": ["799"]}, "blocked_mccs"),
        ({"blocked_mccs": "7995"}, "blocked_mccs"),
        ({"blocked_countries": ["USA"]}, "blocked_countries"),
        ({"blocked_countries": [1]}, "blocked_countries"),
    ],
)
def test_card_product_create_names_the_bad_field_and_writes_nothing(overrides, field):
    bin_ = BinFactory()
    args = {
        "name": "Classic",
        "bin": bin_,
        "default_credit_limit": 500_000,
        "apr_basis_points": 2_499,
    } | overrides

    with pytest.raises(InvalidInput) as raised:
        card_product_create(**args)

    assert list(raised.value.fields) == [field]
    assert raised.value.fields[field] == [raised.value.message]
    assert CardProduct.objects.count() == 0


def test_a_product_name_is_unique():
    existing = CardProductFactory(name="Classic")

    with pytest.raises(InvalidInput) as raised:
        card_product_create(
            name="Classic",
            bin=existing.bin,
            default_credit_limit=1_000,
            apr_basis_points=100,
        )

    assert list(raised.value.fields) == ["name"]
    assert CardProduct.objects.count() == 1


def test_a_product_cannot_be_created_on_an_inactive_bin():
    with pytest.raises(InvalidInput) as raised:
        card_product_create(
            name="Classic",
            bin=BinFactory(is_active=False),
            default_credit_limit=1_000,
            apr_basis_points=100,
        )

    assert list(raised.value.fields) == ["bin"]
    assert CardProduct.objects.count() == 0


def _violates(constraint: str, queryset, **values) -> None:
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        queryset.update(**values)
    assert constraint in str(raised.value)


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"prefix": "41111"}, "cards_bin_prefix_6_to_8_digits"),
        ({"prefix": "4111a1"}, "cards_bin_prefix_6_to_8_digits"),
        ({"pan_length": 14}, "cards_bin_pan_length_15_to_19"),
        ({"pan_length": 20}, "cards_bin_pan_length_15_to_19"),
        ({"network": "diners"}, "cards_bin_network_known"),
        ({"currency": "usd"}, "cards_bin_currency_iso4217"),
    ],
)
def test_the_database_holds_the_bin_rules(values, constraint):
    """Going around the services, the database still refuses bad BINs."""
    bin_ = BinFactory(prefix="411111")

    _violates(constraint, Bin.objects.filter(pk=bin_.pk), **values)

    assert Bin.objects.get(pk=bin_.pk).prefix == "411111"


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"currency": "us1"}, "cards_cardproduct_currency_iso4217"),
        (
            {"default_credit_limit": 0},
            "cards_cardproduct_default_credit_limit_positive",
        ),
        ({"apr_basis_points": 10_001}, "cards_cardproduct_apr_basis_points_range"),
        ({"annual_fee": -1}, "cards_cardproduct_annual_fee_not_negative"),
        ({"late_fee": -1}, "cards_cardproduct_late_fee_not_negative"),
        (
            {"returned_payment_fee": -1},
            "cards_cardproduct_returned_payment_fee_not_negative",
        ),
        (
            {"foreign_transaction_fee_basis_points": 10_001},
            "cards_cardproduct_foreign_transaction_fee_range",
        ),
        ({"validity_years": 0}, "cards_cardproduct_validity_years_range"),
        ({"validity_years": 11}, "cards_cardproduct_validity_years_range"),
        (
            {"per_transaction_limit": 0},
            "cards_cardproduct_per_transaction_limit_positive",
        ),
        ({"daily_limit": -1}, "cards_cardproduct_daily_limit_positive"),
        ({"monthly_limit": 0}, "cards_cardproduct_monthly_limit_positive"),
        (
            {"daily_limit": 300, "monthly_limit": 200},
            "cards_cardproduct_daily_within_monthly",
        ),
    ],
)
def test_the_database_holds_the_card_product_rules(values, constraint):
    product = CardProductFactory(default_credit_limit=500_000)

    _violates(constraint, CardProduct.objects.filter(pk=product.pk), **values)

    assert CardProduct.objects.get(pk=product.pk).default_credit_limit == 500_000

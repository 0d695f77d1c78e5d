"""The catalogue admin lists, filters, and applies the services' rules."""

import pytest

from cards.models import Bin, CardProduct
from cards.tests.factories import BinFactory, CardProductFactory

pytestmark = pytest.mark.django_db


def test_the_changelists_list_filter_and_search(admin_client):
    product = CardProductFactory(name="Gold", bin=BinFactory(prefix="42424242"))

    bins = admin_client.get("/admin/cards/bin/", {"q": "424242", "network": "visa"})
    products = admin_client.get("/admin/cards/cardproduct/", {"q": "Gold"})

    assert bins.status_code == 200
    assert "42424242" in bins.content.decode()
    assert products.status_code == 200
    assert product.name in products.content.decode()


def test_adding_a_bin_in_admin_applies_the_service_rules(admin_client):
    BinFactory(prefix="411111")

    overlapping = admin_client.post(
        "/admin/cards/bin/add/",
        {"prefix": "41111122", "network": "visa", "pan_length": 16, "currency": "USD"},
    )
    wrong_network = admin_client.post(
        "/admin/cards/bin/add/",
        {"prefix": "555555", "network": "visa", "pan_length": 16, "currency": "USD"},
    )

    assert overlapping.status_code == 200
    assert "overlaps existing BIN 411111" in overlapping.content.decode()
    assert wrong_network.status_code == 200
    assert "not in the visa number range" in wrong_network.content.decode()
    assert list(Bin.objects.values_list("prefix", flat=True)) == ["411111"]


def _product_form(bin_pk: int, **overrides: object) -> dict[str, object]:
    return {
        "name": "Platinum",
        "bin": bin_pk,
        "currency": "USD",
        "is_active": "on",
        "default_credit_limit": 1_000_000,
        "apr_basis_points": 1_999,
        "annual_fee": 0,
        "late_fee": 0,
        "returned_payment_fee": 0,
        "foreign_transaction_fee_basis_points": 0,
        "validity_years": 3,
        "per_transaction_limit": "",
        "daily_limit": 50_000,
        "monthly_limit": 40_000,
        "blocked_mccs": '["7995"]',
        "blocked_countries": '["kp"]',
    } | overrides


def test_adding_a_product_in_admin_applies_the_service_rules(admin_client):
    bin_ = BinFactory(prefix="424242")

    response = admin_client.post(
        "/admin/cards/cardproduct/add/", _product_form(bin_.pk, monthly_limit=40_000)
    )

    assert response.status_code == 200
    assert "daily limit cannot exceed the monthly limit" in response.content.decode()
    assert CardProduct.objects.count() == 0


def test_adding_a_product_in_admin_stores_it_normalized(admin_client):
    bin_ = BinFactory(prefix="424242")

    response = admin_client.post(
        "/admin/cards/cardproduct/add/", _product_form(bin_.pk, monthly_limit=90_000)
    )

    assert response.status_code == 302
    product = CardProduct.objects.get()
    assert product.blocked_countries == ["KP"]
    assert (product.daily_limit, product.monthly_limit) == (50_000, 90_000)
    assert product.per_transaction_limit is None

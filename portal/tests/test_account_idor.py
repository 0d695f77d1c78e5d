"""Every account page with another cardholder's ids is not found (404), and
posting to it changes nothing."""

import uuid

import pytest

from accounts.models import CreditAccount, Payment
from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db

PAGES = [
    "/portal/statements/{statement}/",
    "/portal/statements/{statement}/statement.pdf",
    "/portal/statements/{statement}/statement.csv",
    "/portal/accounts/{account}/pay/",
    "/portal/accounts/{account}/autopay/",
]


@pytest.fixture
def two_holders():
    return billed_holder("ann"), billed_holder("bob")


def urls(holder):
    return [
        page.format(
            statement=holder.statement.public_id, account=holder.account.public_id
        )
        for page in PAGES
    ]


@pytest.mark.parametrize("index", range(len(PAGES)))
def test_the_owner_reaches_the_page(cardholder_client, two_holders, index):
    ann, _ = two_holders

    assert cardholder_client(ann.user).get(urls(ann)[index]).status_code == 200


@pytest.mark.parametrize("index", range(len(PAGES)))
def test_another_cardholders_ids_are_not_found(cardholder_client, two_holders, index):
    ann, bob = two_holders

    assert cardholder_client(ann.user).get(urls(bob)[index]).status_code == 404


def test_paying_on_another_cardholders_account_is_not_found(
    cardholder_client, two_holders
):
    ann, bob = two_holders

    response = cardholder_client(ann.user).post(
        f"/portal/accounts/{bob.account.public_id}/pay/",
        {"choice": "minimum", "token": str(uuid.uuid4())},
    )

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_setting_autopay_on_another_cardholders_account_is_not_found(
    cardholder_client, two_holders
):
    ann, bob = two_holders

    response = cardholder_client(ann.user).post(
        f"/portal/accounts/{bob.account.public_id}/autopay/", {"autopay": "full"}
    )

    assert response.status_code == 404
    bob.account.refresh_from_db()
    assert bob.account.autopay == CreditAccount.Autopay.OFF


def test_lists_show_only_the_cardholders_own(cardholder_client, two_holders):
    ann, bob = two_holders
    client = cardholder_client(ann.user)

    statements = client.get("/portal/statements/").content.decode()
    payments = client.get("/portal/payments/").content.decode()

    assert str(ann.statement.public_id) in statements
    assert str(bob.statement.public_id) not in statements
    assert str(ann.account.public_id) in payments
    assert str(bob.account.public_id) not in payments


@pytest.mark.parametrize("index", range(len(PAGES)))
def test_signed_out_visitors_go_to_sign_in(client, two_holders, index):
    ann, _ = two_holders

    response = client.get(urls(ann)[index])

    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")

"""Paying from the portal: the minimum, the statement balance or another
amount, once per page however often it is submitted; the history; autopay."""

import uuid

import pytest

from accounts.models import CreditAccount, Payment
from accounts.selectors import credit_account_balance
from portal.tests.billing_world import PURCHASE, billed_holder

pytestmark = pytest.mark.django_db


def pay(client, holder, **data):
    return client.post(
        f"/portal/accounts/{holder.account.public_id}/pay/",
        {"token": str(uuid.uuid4()), **data},
    )


def test_the_pay_page_offers_what_is_due(cardholder_client):
    holder = billed_holder("ann")

    html = (
        cardholder_client(holder.user)
        .get(f"/portal/accounts/{holder.account.public_id}/pay/")
        .content.decode()
    )

    assert "Minimum payment: 25.00 USD" in html
    assert "Statement balance: 1,234.56 USD" in html
    assert 'name="token"' in html


@pytest.mark.parametrize(
    ("data", "amount"),
    [
        ({"choice": "minimum"}, 2_500),
        ({"choice": "statement_balance"}, PURCHASE),
        ({"choice": "other", "other_amount": "100.10"}, 10_010),
    ],
)
def test_paying_credits_the_account(cardholder_client, data, amount):
    holder = billed_holder("ann")

    response = pay(cardholder_client(holder.user), holder, **data)

    assert response.status_code == 302
    assert response["Location"] == "/portal/payments/"
    payment = Payment.objects.get(account=holder.account)
    assert (payment.amount, payment.source) == (amount, Payment.Source.PORTAL)
    balance = credit_account_balance(account=holder.account)
    assert balance.posted_balance == PURCHASE - amount


def test_submitting_the_same_page_twice_pays_once(cardholder_client):
    holder = billed_holder("ann")
    client = cardholder_client(holder.user)
    token = str(uuid.uuid4())

    for _ in range(2):
        pay(client, holder, choice="minimum", token=token)

    assert Payment.objects.filter(account=holder.account).count() == 1
    assert credit_account_balance(account=holder.account).posted_balance == (
        PURCHASE - 2_500
    )


def test_what_is_due_shrinks_by_what_was_paid(cardholder_client):
    holder = billed_holder("ann")
    client = cardholder_client(holder.user)

    pay(client, holder, choice="other", other_amount="10.00")
    html = client.get("/portal/payments/").content.decode()

    assert 'data-figure="minimum-remaining">15.00 USD' in html
    assert 'data-figure="statement-remaining">1,224.56 USD' in html
    assert "Cardholder portal" in html  # the history's source column
    assert "10.00 USD" in html


@pytest.mark.parametrize(
    ("other_amount", "error"),
    [
        ("", "Enter the amount to pay."),
        ("1.234", "has more than 2 decimals for USD"),
        ("0", "Ensure this value is greater than or equal to 0.01."),
    ],
)
def test_a_bad_other_amount_pays_nothing(cardholder_client, other_amount, error):
    holder = billed_holder("ann")

    response = pay(
        cardholder_client(holder.user),
        holder,
        choice="other",
        other_amount=other_amount,
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Payment.objects.exists()


def test_a_payment_without_its_page_token_pays_nothing(cardholder_client):
    holder = billed_holder("ann")

    response = cardholder_client(holder.user).post(
        f"/portal/accounts/{holder.account.public_id}/pay/", {"choice": "minimum"}
    )

    assert response.status_code == 200
    assert not Payment.objects.exists()


def test_autopay_is_set_from_the_portal(cardholder_client):
    holder = billed_holder("ann")
    client = cardholder_client(holder.user)
    url = f"/portal/accounts/{holder.account.public_id}/autopay/"

    response = client.post(url, {"autopay": "statement_balance"}, follow=True)

    holder.account.refresh_from_db()
    assert holder.account.autopay == CreditAccount.Autopay.STATEMENT_BALANCE
    html = response.content.decode()
    assert "Autopay is now: Statement balance." in html
    assert 'data-figure="autopay">Statement balance<' in html


def test_an_unknown_autopay_choice_changes_nothing(cardholder_client):
    holder = billed_holder("ann")

    response = cardholder_client(holder.user).post(
        f"/portal/accounts/{holder.account.public_id}/autopay/", {"autopay": "twice"}
    )

    assert response.status_code == 200
    holder.account.refresh_from_db()
    assert holder.account.autopay == CreditAccount.Autopay.OFF

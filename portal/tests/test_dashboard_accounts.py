"""The overview's account figures: what is still due, spending by category,
and declines with what to do next."""

import pytest

from accounts.services.payments import credit_account_payment_post
from cards.services.authorizations import DECLINES, authorization_create
from cards.tests.conftest import authorization_request
from portal.decline_help import GENERIC_NEXT_STEP, NEXT_STEPS, decline_next_step
from portal.spending import OTHER, mcc_category
from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db


def merchant(mcc: str, name: str = "Shop") -> dict[str, str]:
    return {"id": f"m-{mcc}", "name": name, "mcc": mcc, "country": "US"}


def test_the_payment_due_is_the_minimum_less_what_was_paid(cardholder_client):
    holder = billed_holder("ann")
    credit_account_payment_post(
        account=holder.account, amount=1_000, idempotency_key="pay-ten"
    )

    html = cardholder_client(holder.user).get("/portal/").content.decode()

    assert (
        'Payment due Oct 25</span><span class="value" data-figure="minimum">15.00 USD'
        in html
    )


def test_spending_is_grouped_by_category_largest_first(
    test_card, cardholder_user, cardholder_client
):
    for amount, mcc in ((4_000, "5411"), (1_500, "5812"), (2_000, "5499")):
        authorization = authorization_create(
            request=authorization_request(
                test_card, amount=amount, merchant=merchant(mcc)
            ),
            partner=None,
        )
        assert authorization.status == "approved", authorization.reason

    html = (
        cardholder_client(cardholder_user(test_card)).get("/portal/").content.decode()
    )

    groceries = html.index('data-category="Groceries"')
    dining = html.index('data-category="Dining"')
    assert groceries < dining
    assert (
        '<th scope="row">Groceries</th>\n        <td class="amount">60.00 USD' in html
    )
    assert 'style="width: 100%"' in html
    assert 'style="width: 25%"' in html  # dining's 15.00 against groceries' 60.00


def test_a_decline_shows_its_reason_and_what_to_do(
    test_card, cardholder_user, cardholder_client
):
    authorization = authorization_create(
        request=authorization_request(test_card, amount=500_000), partner=None
    )
    assert authorization.reason == DECLINES["insufficient_credit"].reason

    html = (
        cardholder_client(cardholder_user(test_card)).get("/portal/").content.decode()
    )

    assert 'Declined<span class="decline">: Not enough available credit.</span>' in html
    assert "Make a payment to free up credit, then try again." in html


def test_every_decline_reason_has_a_next_step():
    assert set(NEXT_STEPS) == set(DECLINES)
    assert decline_next_step(reason=DECLINES["frozen"].reason) == NEXT_STEPS["frozen"]
    assert decline_next_step(reason="Something new.") == GENERIC_NEXT_STEP


@pytest.mark.parametrize(
    ("mcc", "category"),
    [
        ("5411", "Groceries"),
        ("5812", "Dining"),
        ("5542", "Fuel"),
        ("6011", "Cash"),
        ("3010", "Travel"),
        ("4111", "Transport"),
        ("5732", "Shopping"),
        ("7832", "Entertainment"),
        ("8011", "Health"),
        ("9399", OTHER),
        ("x", OTHER),
    ],
)
def test_merchant_codes_fall_in_their_category(mcc, category):
    assert mcc_category(mcc) == category

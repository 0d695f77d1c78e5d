"""Payments are bounded and earn their availability (docs/money-bounds.md).

A payment is at most what is owed plus the credit-balance allowance, in every
front door (API, portal, admin); it is posted at once but spendable only once
it settles; a return takes back exactly what it made available.
"""

import datetime
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Payment
from accounts.roles import SUPPORT_AGENT
from accounts.selectors import credit_account_balance
from accounts.services.payments import (
    credit_account_payment_post,
    payment_return,
    payments_settle_due,
)
from accounts.tests.factories import account_opened_on, purchase_post
from cards.services.authorizations import authorization_create
from cards.tests.conftest import authorization_body, authorization_request
from issuer.kernel.errors import InvalidInput
from ledger.models import UnsettledCredit
from ledger.verification import ledger_breaches
from portal.tests.billing_world import portal_user_for

pytestmark = pytest.mark.django_db

API = "/api/v1"
LATER = timezone.now() + datetime.timedelta(days=30)


@pytest.fixture(autouse=True)
def _bounds(settings):
    settings.PAYMENT_SETTLEMENT_DAYS = 3
    settings.PAYMENT_CREDIT_BALANCE_ALLOWANCE = 10_000


def _spend(account, amount: int) -> None:
    purchase_post(account, amount, timezone.now(), key=f"spend:{uuid.uuid4()}")


def _state(account):
    balance = credit_account_balance(account=account)
    return (balance.posted_balance, balance.pending_credits, balance.available)


def test_a_partner_payment_of_100x_the_limit_is_refused_and_then_50x_is_declined(
    partner_client, test_card
):
    """Hostile: pay 100x the limit, then try to spend 50x it."""
    account = test_card.issued.card.account
    limit = account.credit_limit

    paid = partner_client.post(
        f"{API}/accounts/{account.public_id}/payments",
        {"amount": 100 * limit},
        format="json",
    )
    spent = partner_client.post(
        f"{API}/authorizations",
        authorization_body(test_card, amount=50 * limit),
        format="json",
    )

    assert paid.status_code == 400
    assert paid.json()["error"]["code"] == "payment_above_balance"
    assert list(paid.json()["error"]["fields"]) == ["amount"]
    assert Payment.objects.count() == 0
    assert (spent.status_code, spent.json()["status"]) == (201, "declined")
    assert spent.json()["response_code"] == "51"
    assert _state(account) == (0, 0, limit)
    assert list(ledger_breaches()) == []


def test_a_payment_up_to_the_balance_plus_the_allowance_is_taken(test_card):
    account = test_card.issued.card.account
    _spend(account, 30_000)

    with pytest.raises(InvalidInput) as refused:
        credit_account_payment_post(
            account=account, amount=40_001, idempotency_key="over"
        )
    payment = credit_account_payment_post(
        account=account, amount=40_000, idempotency_key="at-ceiling"
    )

    assert refused.value.fields == {"amount": [refused.value.message]}
    assert payment.amount == 40_000
    assert Payment.objects.count() == 1


def test_pending_payments_count_against_the_next_payment(test_card):
    """Two payments of the full balance: the second finds nothing owed."""
    account = test_card.issued.card.account
    _spend(account, 30_000)
    credit_account_payment_post(account=account, amount=30_000, idempotency_key="a")

    with pytest.raises(InvalidInput):
        credit_account_payment_post(account=account, amount=30_000, idempotency_key="b")
    assert Payment.objects.count() == 1


def test_a_payment_is_spendable_only_once_it_settles(partner_client, test_card):
    account = test_card.issued.card.account  # limit 100,000
    _spend(account, 100_000)

    paid = partner_client.post(
        f"{API}/accounts/{account.public_id}/payments",
        {"amount": 60_000},
        format="json",
    )
    shown = partner_client.get(f"{API}/accounts/{account.public_id}").json()
    before = authorization_create(
        request=authorization_request(test_card, amount=100), partner=None
    )
    settles_at = Payment.objects.get().settles_at
    payments_settle_due(as_of=settles_at - datetime.timedelta(seconds=1))
    still_pending = _state(account)
    payments_settle_due(as_of=settles_at)
    after = authorization_create(
        request=authorization_request(test_card, amount=60_000), partner=None
    )

    assert paid.status_code == 201
    assert (shown["posted_balance"], shown["pending_credits"], shown["available"]) == (
        40_000,
        60_000,
        0,
    )
    assert (before.status, before.response_code) == ("declined", "51")
    assert still_pending == (40_000, 60_000, 0)
    assert after.status == "approved"
    assert Payment.objects.get().settled_at == settles_at
    assert list(ledger_breaches()) == []


def test_settlement_is_idempotent_and_the_command_settles_as_of_a_time(test_card):
    account = test_card.issued.card.account
    _spend(account, 50_000)
    credit_account_payment_post(account=account, amount=20_000, idempotency_key="p")
    out = StringIO()

    call_command("settle_payments", "--as-of", LATER.isoformat(), stdout=out)
    again = payments_settle_due(as_of=LATER)

    assert out.getvalue().strip() == "payments settled: 1"
    assert again == 0
    assert _state(account) == (30_000, 0, 70_000)
    assert UnsettledCredit.objects.get().status == "settled"
    assert list(ledger_breaches()) == []


def test_a_payment_returned_before_it_settles_takes_back_nothing_available(
    test_card,
):
    account = test_card.issued.card.account
    account.returned_payment_fee = 0
    account.save(update_fields=["returned_payment_fee"])
    _spend(account, 50_000)
    payment = credit_account_payment_post(
        account=account, amount=20_000, idempotency_key="p"
    )
    before = _state(account)

    payment_return(payment=payment, reason="R01")
    payments_settle_due(as_of=LATER)

    assert before == (30_000, 20_000, 50_000)
    assert _state(account) == (50_000, 0, 50_000)
    assert UnsettledCredit.objects.get().status == "withdrawn"
    assert list(ledger_breaches()) == []


def test_a_payment_returned_after_it_settles_takes_back_exactly_its_amount(
    test_card,
):
    account = test_card.issued.card.account
    account.returned_payment_fee = 0
    account.save(update_fields=["returned_payment_fee"])
    _spend(account, 50_000)
    payment = credit_account_payment_post(
        account=account, amount=20_000, idempotency_key="p"
    )
    payments_settle_due(as_of=LATER)
    settled = _state(account)

    payment_return(payment=payment, reason="R01")

    assert settled == (30_000, 0, 70_000)
    assert _state(account) == (50_000, 0, 50_000)
    assert list(ledger_breaches()) == []


def test_with_no_settlement_window_a_payment_is_spendable_at_once(test_card, settings):
    settings.PAYMENT_SETTLEMENT_DAYS = 0
    account = test_card.issued.card.account
    _spend(account, 50_000)

    payment = credit_account_payment_post(
        account=account, amount=20_000, idempotency_key="p"
    )

    assert payment.settled_at == payment.received_at
    assert _state(account) == (30_000, 0, 70_000)
    assert UnsettledCredit.objects.count() == 0


def test_the_ledger_refuses_to_spend_an_unsettled_credit_even_unchecked(test_card):
    """The bound lives in the ledger's guarded update, not only in the check:
    a hold that skipped the available-credit check is still refused."""
    from accounts.chart import MERCHANT_SETTLEMENT, program_account
    from ledger.errors import BoundExceeded
    from ledger.services.holds import hold_create

    account = test_card.issued.card.account
    _spend(account, 100_000)
    credit_account_payment_post(account=account, amount=60_000, idempotency_key="p")

    with pytest.raises(BoundExceeded):
        hold_create(
            debit_account=account.receivable,
            credit_account=program_account(MERCHANT_SETTLEMENT, "USD"),
            amount=1,
            idempotency_key="sneak",
            expires_at=LATER,
        )
    assert _state(account) == (40_000, 60_000, 0)


def test_a_portal_payment_of_a_million_on_a_5000_line_is_refused(cardholder_client):
    """Hostile: 1,000,000.00 from the portal on a 5,000.00 line."""
    account = account_opened_on(datetime.date(2026, 9, 1), credit_limit=500_000)
    _spend(account, 120_000)
    client = cardholder_client(portal_user_for(account.cardholder, "ann"))

    response = client.post(
        f"/portal/accounts/{account.public_id}/pay/",
        {
            "token": str(uuid.uuid4()),
            "choice": "other",
            "other_amount": "1000000.00",
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["other_amount"]
    assert "at most 1,300.00 USD" in errors["other_amount"][0]
    assert Payment.objects.count() == 0
    assert _state(account) == (120_000, 0, 380_000)


def test_a_pending_payment_shows_in_the_portal(cardholder_client):
    account = account_opened_on(datetime.date(2026, 9, 1), credit_limit=500_000)
    _spend(account, 120_000)
    client = cardholder_client(portal_user_for(account.cardholder, "ann"))

    paid = client.post(
        f"/portal/accounts/{account.public_id}/pay/",
        {"token": str(uuid.uuid4()), "choice": "other", "other_amount": "200.00"},
        follow=True,
    )
    dashboard = client.get("/portal/").content.decode()

    html = paid.content.decode()
    assert "becomes available credit on" in html
    assert "Pending: available" in html
    assert 'data-figure="pending-credits">200.00' in dashboard.replace("\n", "")


def test_a_staff_payment_above_the_balance_is_refused_naming_the_amount(
    make_staff, staff_client
):
    account = account_opened_on(datetime.date(2026, 9, 1), credit_limit=500_000)
    _spend(account, 1_000)
    client = staff_client(make_staff("phone-desk", SUPPORT_AGENT))

    response = client.post(
        "/admin/accounts/creditaccount/",
        {
            "action": "record_payment",
            "_selected_action": [account.pk],
            "apply": "1",
            "amount": "500.00",
            "reference": "r-1",
        },
    )

    assert response.status_code == 400
    assert list(response.context_data["form"].errors) == ["amount"]
    assert "at most 110.00 USD" in response.content.decode()
    assert Payment.objects.count() == 0

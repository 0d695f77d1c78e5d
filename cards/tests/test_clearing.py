"""Captures, reversals, refunds and expiry, with the unusual paths flagged."""

import datetime

import pytest
from django.utils import timezone

from accounts.selectors import credit_account_balance
from cards.errors import NothingHeld
from cards.models import Authorization, Capture
from cards.services.authorizations import authorization_create
from cards.services.clearing import (
    authorization_capture,
    authorization_reverse,
    force_capture,
    refund_create,
    stale_holds_expire,
)
from cards.tests.conftest import authorization_request
from issuer.kernel.errors import InvalidInput
from issuer.kernel.models import OutboxEvent
from ledger.models import LedgerHold
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(test_card) -> Authorization:
    authorization = authorization_create(
        request=authorization_request(test_card, amount=10_000), partner=None
    )
    assert authorization.status == "approved"
    return authorization


def _balance(test_card):
    return credit_account_balance(account=test_card.issued.card.account)


def test_a_full_capture_posts_and_releases_the_hold(approved, test_card):
    capture = authorization_capture(authorization=approved)

    assert capture.amount == 10_000
    assert not capture.is_unusual
    balance = _balance(test_card)
    assert (balance.posted_balance, balance.pending) == (10_000, 0)
    assert Authorization.objects.get(pk=approved.pk).captured_amount == 10_000
    assert list(ledger_breaches()) == []


def test_partial_then_repeated_captures(approved, test_card):
    authorization_capture(authorization=approved, amount=3_000)
    authorization_capture(authorization=approved, amount=2_000)

    balance = _balance(test_card)
    assert (balance.posted_balance, balance.pending) == (5_000, 5_000)
    assert Authorization.objects.get(pk=approved.pk).captured_amount == 5_000
    assert list(ledger_breaches()) == []


def test_a_final_partial_capture_releases_the_rest(approved, test_card):
    authorization_capture(authorization=approved, amount=3_000, final=True)

    assert _balance(test_card).pending == 0
    assert LedgerHold.objects.get(pk=approved.hold_id).status == "posted"


def test_an_over_capture_within_the_tolerance_posts_and_is_flagged(approved, test_card):
    """The default product tolerance is 10 %: 11,000 on a 10,000 authorization."""
    capture = authorization_capture(authorization=approved, amount=11_000)

    assert capture.is_over_capture
    assert _balance(test_card).posted_balance == 11_000
    assert list(ledger_breaches()) == []


def test_an_over_capture_beyond_the_limit_is_forced(issue_card):
    test_card = issue_card(limit=10_000)
    authorization = authorization_create(
        request=authorization_request(test_card, amount=9_500), partner=None
    )

    capture = authorization_capture(authorization=authorization, amount=10_450)

    assert capture.is_over_capture and capture.entry.is_forced
    assert _balance(test_card).available == -450
    assert list(ledger_breaches()) == []


def test_a_capture_after_expiry_is_force_posted_and_flagged(approved, test_card):
    LedgerHold.objects.filter(pk=approved.hold_id).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert stale_holds_expire() == 1
    assert _balance(test_card).pending == 0

    capture = authorization_capture(authorization=approved, amount=10_000, force=True)

    assert capture.is_after_expiry and not capture.is_over_capture
    assert capture.is_forced_post and capture.entry.is_forced
    assert _balance(test_card).posted_balance == 10_000
    assert list(ledger_breaches()) == []


def test_a_capture_without_authorization_is_force_posted(test_card):
    capture = force_capture(
        card=test_card.issued.card,
        amount=4_200,
        currency="USD",
        merchant_id="m-9",
        merchant_name="Late Clearer",
        partner=None,
    )

    assert capture.is_without_authorization and capture.authorization is None
    assert _balance(test_card).posted_balance == 4_200
    assert list(ledger_breaches()) == []


def test_a_declined_authorization_cannot_be_captured(issue_card):
    test_card = issue_card(limit=100)
    declined = authorization_create(
        request=authorization_request(test_card, amount=500), partner=None
    )

    with pytest.raises(InvalidInput):
        authorization_capture(authorization=declined)
    assert Capture.objects.count() == 0


def test_partial_and_full_reversal(approved, test_card):
    authorization_reverse(authorization=approved, amount=4_000)
    assert _balance(test_card).pending == 6_000

    authorization_reverse(authorization=approved)

    assert _balance(test_card).pending == 0
    assert Authorization.objects.get(pk=approved.pk).reversed_amount == 10_000
    with pytest.raises(NothingHeld):
        authorization_reverse(authorization=approved)
    assert list(ledger_breaches()) == []


def test_reversing_more_than_is_held_names_the_amount(approved, test_card):
    with pytest.raises(InvalidInput) as error:
        authorization_reverse(authorization=approved, amount=10_001)

    assert "amount" in error.value.fields
    assert _balance(test_card).pending == 10_000


def test_a_linked_refund_is_capped_at_what_was_captured(approved, test_card):
    authorization_capture(authorization=approved, amount=6_000)

    refund_create(
        card=test_card.issued.card,
        authorization=approved,
        amount=2_500,
        currency="USD",
        partner=None,
    )
    with pytest.raises(InvalidInput) as error:
        refund_create(
            card=test_card.issued.card,
            authorization=approved,
            amount=3_501,
            currency="USD",
            partner=None,
        )

    assert "amount" in error.value.fields
    assert _balance(test_card).posted_balance == 3_500
    assert list(ledger_breaches()) == []


def test_an_unlinked_refund_credits_the_account(test_card):
    refund_create(
        card=test_card.issued.card,
        amount=1_999,
        currency="USD",
        partner=None,
        merchant_id="m-2",
        merchant_name="Returns Desk",
    )

    assert _balance(test_card).posted_balance == -1_999
    assert list(ledger_breaches()) == []


def test_expiry_leaves_fresh_holds_alone(approved, test_card):
    assert stale_holds_expire() == 0
    assert _balance(test_card).pending == 10_000
    assert stale_holds_expire(now=timezone.now() + datetime.timedelta(days=8)) == 1
    assert _balance(test_card).pending == 0
    expired = OutboxEvent.objects.get(type="authorization.expired")
    assert expired.payload["amount"] == 10_000


def test_a_reversal_publishes_what_it_released(approved):
    authorization_reverse(authorization=approved, amount=2_500)

    event = OutboxEvent.objects.get(type="authorization.reversed")
    assert event.payload["amount"] == 2_500
    assert event.aggregate_id == str(approved.public_id)

"""Card-data keys made at run time, so no test depends on the dev defaults."""

import base64
import secrets

import pytest


def new_key() -> str:
    """Return a fresh base64 32-byte key."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def card_keys(settings):
    """Install a fresh key ring `k1`, fingerprint key and CVV key."""
    settings.CARD_DATA_KEYS = f"k1:{new_key()}"
    settings.CARD_FINGERPRINT_KEY = new_key()
    settings.CARD_CVV_KEY = new_key()
    return settings


def authorization_body(test_card, **overrides):
    """A valid authorization request body for `test_card`."""
    body = {
        "pan": test_card.issued.pan,
        "expiry": test_card.issued.card.expiry,
        "cvv": test_card.cvv,
        "amount": 1_250,
        "currency": "USD",
        "merchant": {
            "id": "m-1",
            "name": "Corner Shop",
            "mcc": "5411",
            "country": "US",
        },
        "channel": "pos",
    }
    body.update(overrides)
    return body


def authorization_request(test_card, **overrides):
    from cards.services.authorizations import AuthorizationRequest

    body = authorization_body(test_card, **overrides)
    merchant = body.pop("merchant")
    return AuthorizationRequest(
        merchant_id=merchant["id"],
        merchant_name=merchant["name"],
        mcc=merchant["mcc"],
        merchant_country=merchant["country"],
        **body,
    )


def cleared_capture(test_card, amount: int = 10_000, **overrides):
    """Authorize `amount` on the sandbox card and capture it all: a cleared
    transaction a cardholder may dispute."""
    from cards.services.authorizations import authorization_create
    from cards.services.clearing import authorization_capture

    authorization = authorization_create(
        request=authorization_request(test_card, amount=amount, **overrides),
        partner=None,
    )
    assert authorization.status == "approved", authorization.reason
    return authorization_capture(authorization=authorization)


def capture_posted_at(account, amount: int, at):
    """A cleared transaction on `account` dated `at` (for tests that travel in
    time): a card is issued on the account if it has none, the clearing is
    force-posted, and the capture, its entry and postings are dated back."""
    from cards.models import Capture, Card, CardStatusChange
    from cards.services.clearing import force_capture
    from cards.services.lifecycle import Actor, card_issue
    from cards.services.sandbox import sandbox_product
    from ledger.models import JournalEntry, Posting

    card = Card.objects.filter(account=account).first() or (
        card_issue(
            account=account,
            product=sandbox_product(currency=account.currency),
            actor=Actor(channel=CardStatusChange.Channel.SYSTEM),
            activate=True,
        ).card
    )
    capture = force_capture(
        card=card,
        amount=amount,
        currency=account.currency,
        merchant_id="m-travel",
        merchant_name="Time Travel Goods",
        partner=None,
    )
    Capture.objects.filter(pk=capture.pk).update(created_at=at)
    JournalEntry.objects.filter(pk=capture.entry_id).update(effective_at=at)
    Posting.objects.filter(entry_id=capture.entry_id).update(effective_at=at)
    capture.refresh_from_db()
    return capture


def security_staff_actor(username: str = "security-staff"):
    """An admin actor who may lift any block (a superuser), for tests that
    need a block lifted and are not about who may lift it."""
    from accounts.models import User
    from cards.models import CardStatusChange
    from cards.services.lifecycle import Actor

    user = User.objects.filter(username=username).first() or (
        User.objects.create_user(username=username, is_staff=True, is_superuser=True)
    )
    return Actor(channel=CardStatusChange.Channel.ADMIN, user=user)

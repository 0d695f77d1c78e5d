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

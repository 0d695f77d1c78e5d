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

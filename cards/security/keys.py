"""Card-data keys, read from settings at call time.

- `CARD_DATA_KEYS`: the PAN encryption key ring, `id1:base64key,id2:base64key`.
  The first entry is the current key (new encryptions); the others stay
  only to decrypt until every row is re-encrypted. Keys are 32 bytes
  (AES-256).
- `CARD_FINGERPRINT_KEY`: base64, at least 32 bytes; keys the HMAC-SHA256
  PAN fingerprint. It is not rotated with the encryption keys, so look-ups
  keep working across a rotation.
- `CARD_CVV_KEY`: base64, at least 32 bytes; keys the CVV derivation.

Parsing is cached per setting value, so a changed setting (a test's
`override_settings`) is picked up on the next call.
"""

import base64
import binascii
import functools
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from cards.security.errors import KeyConfigurationError

ENCRYPTION_KEY_BYTES = 32
MAC_KEY_MIN_BYTES = 32
KEY_ID_MAX_LENGTH = 32
_KEY_ID_SHAPE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True)
class KeyRing:
    """The encryption keys by id; `current_key_id` encrypts, all decrypt."""

    current_key_id: str
    ciphers: dict[str, AESGCM] = field(repr=False)


def _decode(value: str, *, setting: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigurationError(
            f"{setting} holds a key that is not base64."
        ) from None


def _setting(name: str) -> str:
    value = getattr(settings, name, "")
    if not isinstance(value, str) or not value.strip():
        raise KeyConfigurationError(f"The {name} setting is not configured.")
    return value


@functools.lru_cache(maxsize=8)
def _parse_key_ring(raw: str) -> KeyRing:
    ciphers: dict[str, AESGCM] = {}
    order: list[str] = []
    for position, entry in enumerate(raw.split(","), start=1):
        key_id, separator, encoded = entry.strip().partition(":")
        if not separator or not _KEY_ID_SHAPE.match(key_id):
            raise KeyConfigurationError(
                f"CARD_DATA_KEYS entry {position} must be 'key_id:base64key' with a "
                f"key id of 1-{KEY_ID_MAX_LENGTH} letters, digits, '_', '.' or '-'."
            )
        if key_id in ciphers:
            raise KeyConfigurationError(
                f"CARD_DATA_KEYS names key id {key_id!r} twice."
            )
        key = _decode(encoded, setting="CARD_DATA_KEYS")
        if len(key) != ENCRYPTION_KEY_BYTES:
            raise KeyConfigurationError(
                f"CARD_DATA_KEYS key {key_id!r} must be {ENCRYPTION_KEY_BYTES} bytes."
            )
        ciphers[key_id] = AESGCM(key)
        order.append(key_id)
    return KeyRing(current_key_id=order[0], ciphers=ciphers)


@functools.lru_cache(maxsize=8)
def _parse_mac_key(raw: str, setting: str) -> bytes:
    key = _decode(raw, setting=setting)
    if len(key) < MAC_KEY_MIN_BYTES:
        raise KeyConfigurationError(
            f"{setting} must be at least {MAC_KEY_MIN_BYTES} bytes."
        )
    return key


def encryption_key_ring() -> KeyRing:
    """Return the PAN encryption key ring from `CARD_DATA_KEYS`."""
    return _parse_key_ring(_setting("CARD_DATA_KEYS"))


def fingerprint_key() -> bytes:
    """Return the PAN fingerprint HMAC key from `CARD_FINGERPRINT_KEY`."""
    return _parse_mac_key(_setting("CARD_FINGERPRINT_KEY"), "CARD_FINGERPRINT_KEY")


def cvv_key() -> bytes:
    """Return the CVV derivation key from `CARD_CVV_KEY`."""
    return _parse_mac_key(_setting("CARD_CVV_KEY"), "CARD_CVV_KEY")

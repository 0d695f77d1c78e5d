"""Keyed request fingerprints for idempotency: nothing to brute-force.

An `Idempotency-Key` is answered from a stored record only when the new
request is the same as the first; the record keeps a fingerprint of the
first to compare. That fingerprint is derived data, kept as long as the
record: an unkeyed hash of the raw body would let anyone holding a database
copy try every card number and CVV until the hash matched. So it is
- over a canonical form of the request (method, path, parsed body as JSON
  with sorted keys and no whitespace) with every card-data field (`pan`,
  `cvv`, `expiry` and their aliases, at any depth) removed, and
- an HMAC-SHA256 under a server key from `IDEMPOTENCY_FINGERPRINT_KEYS`,
  a key ring `id1:base64key,id2:base64key`: the first key makes new
  fingerprints, the others still verify fingerprints made before a
  rotation. The key id is stored beside each MAC.

A fingerprint made under a key no longer in the ring never matches: the
retried request is refused (409), never replayed or applied twice.

Parsing is cached per setting value, so `override_settings` is picked up
on the next call.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING = "IDEMPOTENCY_FINGERPRINT_KEYS"
MAC_KEY_MIN_BYTES = 32
_KEY_ID_SHAPE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
# Field names that carry card data in any request body; removed before the MAC.
CARD_DATA_FIELDS = frozenset(
    {
        "pan",
        "card_number",
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "csc",
        "security_code",
        "expiry",
        "expiry_month",
        "expiry_year",
        "exp_month",
        "exp_year",
        "track",
        "track2",
    }
)


@dataclass(frozen=True)
class RequestFingerprint:
    key_id: str
    mac: str


@dataclass(frozen=True)
class _KeyRing:
    current_key_id: str
    keys: Mapping[str, bytes]


@functools.lru_cache(maxsize=8)
def _parse(raw: str) -> _KeyRing:
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(raw.split(","), start=1):
        key_id, separator, encoded = entry.strip().partition(":")
        if not separator or not _KEY_ID_SHAPE.match(key_id):
            raise ImproperlyConfigured(
                f"{SETTING} entry {position} must be 'key_id:base64key' with a key "
                "id of 1-32 letters, digits, '_', '.' or '-'."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{SETTING} names key id {key_id!r} twice.")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                f"{SETTING} key {key_id!r} is not base64."
            ) from None
        if len(key) < MAC_KEY_MIN_BYTES:
            raise ImproperlyConfigured(
                f"{SETTING} key {key_id!r} must be at least {MAC_KEY_MIN_BYTES} bytes."
            )
        keys[key_id] = key
    return _KeyRing(current_key_id=next(iter(keys)), keys=keys)


def _key_ring() -> _KeyRing:
    raw = getattr(settings, SETTING, "")
    if not isinstance(raw, str) or not raw.strip():
        raise ImproperlyConfigured(f"The {SETTING} setting is not configured.")
    return _parse(raw)


def card_data_removed(value: Any) -> Any:
    """Return `value` with every card-data field removed, at any depth."""
    if isinstance(value, Mapping):
        return {
            str(name): card_data_removed(item)
            for name, item in value.items()
            if str(name).lower() not in CARD_DATA_FIELDS
        }
    if isinstance(value, list | tuple):
        return [card_data_removed(item) for item in value]
    return value


def request_canonical(*, method: str, path: str, data: Any) -> bytes:
    """The request as canonical JSON (sorted keys, no whitespace), card data out."""
    document = {"method": method.upper(), "path": path, "body": card_data_removed(data)}
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def _mac(key: bytes, canonical: bytes) -> str:
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def request_fingerprint(*, method: str, path: str, data: Any) -> RequestFingerprint:
    """The keyed fingerprint of a request, under the current key."""
    ring = _key_ring()
    canonical = request_canonical(method=method, path=path, data=data)
    key_id = ring.current_key_id
    return RequestFingerprint(key_id=key_id, mac=_mac(ring.keys[key_id], canonical))


def request_fingerprint_matches(
    *, stored: RequestFingerprint, method: str, path: str, data: Any
) -> bool:
    """Whether a request is the one `stored` was made from (constant time)."""
    key = _key_ring().keys.get(stored.key_id)
    if key is None or not stored.mac:
        return False
    canonical = request_canonical(method=method, path=path, data=data)
    return hmac.compare_digest(_mac(key, canonical), stored.mac)

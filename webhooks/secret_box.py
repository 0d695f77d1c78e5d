"""Webhook signing secrets sealed at rest (AES-256-GCM, the data key ring).

The associated data binds a ciphertext to this purpose, its key id and the
secret's row, so a sealed secret copied elsewhere does not open.
"""

import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag

from cards.security.errors import DecryptionFailed, UnknownKeyId
from cards.security.keys import encryption_key_ring

NONCE_BYTES = 12
SECRET_PREFIX = "whsec_"  # noqa: S105 - a label, not a secret
_PURPOSE = b"issuer/webhooks/secret/v1"


@dataclass(frozen=True, slots=True)
class SealedSecret:
    key_id: str
    ciphertext: bytes = field(repr=False)


def secret_generate() -> str:
    """A new signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _associated_data(*, key_id: str, context: str) -> bytes:
    return b"\x00".join((_PURPOSE, key_id.encode(), context.encode()))


def secret_seal(*, secret: str, context: str) -> SealedSecret:
    ring = encryption_key_ring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = ring.ciphers[ring.current_key_id].encrypt(
        nonce,
        secret.encode(),
        _associated_data(key_id=ring.current_key_id, context=context),
    )
    return SealedSecret(key_id=ring.current_key_id, ciphertext=nonce + sealed)


def secret_open(*, sealed: SealedSecret, context: str) -> str:
    cipher = encryption_key_ring().ciphers.get(sealed.key_id)
    if cipher is None:
        raise UnknownKeyId(f"No data key with id {sealed.key_id!r} is configured.")
    blob = bytes(sealed.ciphertext)
    try:
        plain = cipher.decrypt(
            blob[:NONCE_BYTES],
            blob[NONCE_BYTES:],
            _associated_data(key_id=sealed.key_id, context=context),
        )
    except InvalidTag:
        raise DecryptionFailed("The webhook secret failed authentication.") from None
    return plain.decode()

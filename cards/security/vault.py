"""PAN encryption at rest (AES-256-GCM) and the keyed PAN fingerprint.

Each ciphertext is stored with the id of the key that sealed it, so keys can
rotate: new encryptions use the current key, old rows stay readable while a
re-encryption job moves them over (`pan_reencrypt`; select rows whose key id
is not `vault_current_key_id()`).

The associated data binds a ciphertext to its purpose (a card PAN), to its
key id and, optionally, to a caller `context` (for example the card's public
id), so a ciphertext copied to another purpose or row fails to decrypt.

The fingerprint is HMAC-SHA256 under a separate key: equal PANs give equal
fingerprints whatever the encryption key, so it serves unique constraints and
look-ups by PAN without decrypting anything.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag

from cards.security.errors import DecryptionFailed, UnknownKeyId
from cards.security.keys import encryption_key_ring, fingerprint_key
from cards.security.pan import pan_validate

NONCE_BYTES = 12
TAG_BYTES = 16
FINGERPRINT_LENGTH = 64  # hex characters of HMAC-SHA256
_PURPOSE = b"issuer/cards/pan/v1"


@dataclass(frozen=True, slots=True)
class EncryptedPan:
    """A sealed PAN: the key id and nonce (12 bytes) + ciphertext + GCM tag.

    Store both; `ciphertext` is at most 12 + 19 + 16 = 47 bytes.
    """

    key_id: str
    ciphertext: bytes = field(repr=False)

    def __post_init__(self) -> None:
        # Database drivers may hand back memoryview or bytearray.
        if not isinstance(self.ciphertext, bytes):
            object.__setattr__(self, "ciphertext", bytes(self.ciphertext))


def _associated_data(*, key_id: str, context: str) -> bytes:
    return b"\x00".join((_PURPOSE, key_id.encode(), context.encode()))


def vault_current_key_id() -> str:
    """Return the id of the key new encryptions use."""
    return encryption_key_ring().current_key_id


def pan_encrypt(*, pan: str, context: str = "") -> EncryptedPan:
    """Seal `pan` under the current key; `context` must be given again to open it."""
    pan_validate(pan, require_luhn=False)
    ring = encryption_key_ring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = ring.ciphers[ring.current_key_id].encrypt(
        nonce,
        pan.encode("ascii"),
        _associated_data(key_id=ring.current_key_id, context=context),
    )
    return EncryptedPan(key_id=ring.current_key_id, ciphertext=nonce + sealed)


def pan_decrypt(*, encrypted: EncryptedPan, context: str = "") -> str:
    """Open a sealed PAN with the key its id names.

    Raises `UnknownKeyId` when that key is not in the ring, and
    `DecryptionFailed` when the ciphertext or its binding was altered.
    """
    ring = encryption_key_ring()
    cipher = ring.ciphers.get(encrypted.key_id)
    if cipher is None:
        raise UnknownKeyId(
            f"No card-data key with id {encrypted.key_id!r} is configured in "
            "CARD_DATA_KEYS; restore it to read data sealed under it."
        )
    blob = encrypted.ciphertext
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed("The PAN ciphertext is truncated.")
    try:
        plain = cipher.decrypt(
            blob[:NONCE_BYTES],
            blob[NONCE_BYTES:],
            _associated_data(key_id=encrypted.key_id, context=context),
        )
    except InvalidTag:
        raise DecryptionFailed(
            "The PAN ciphertext failed authentication (altered, or bound to "
            "another context)."
        ) from None
    return plain.decode("ascii")


def pan_reencrypt(*, encrypted: EncryptedPan, context: str = "") -> EncryptedPan:
    """Return `encrypted` sealed again under the current key (for rotation)."""
    return pan_encrypt(
        pan=pan_decrypt(encrypted=encrypted, context=context), context=context
    )


def pan_fingerprint(*, pan: str) -> str:
    """Return the keyed fingerprint of `pan`: 64 hex characters of HMAC-SHA256."""
    pan_validate(pan, require_luhn=False)
    return hmac.new(fingerprint_key(), pan.encode("ascii"), hashlib.sha256).hexdigest()

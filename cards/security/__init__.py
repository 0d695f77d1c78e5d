"""Card-data security primitives: Luhn, PAN generation and masking, the PAN
vault (AES-GCM encryption at rest, keyed fingerprint) and CVV derivation.

Pure Python and `cryptography`; keys come from settings at call time. No
function here logs, and no error message carries a PAN, CVV or key.
"""

from cards.security.cvv import cvv_generate, cvv_verify, expiry_mmyy
from cards.security.errors import (
    CardDataError,
    DecryptionFailed,
    InvalidCardData,
    KeyConfigurationError,
    UnknownKeyId,
)
from cards.security.luhn import is_luhn_valid, luhn_check_digit
from cards.security.pan import pan_display, pan_generate, pan_last_four, pan_validate
from cards.security.vault import (
    EncryptedPan,
    pan_decrypt,
    pan_encrypt,
    pan_fingerprint,
    pan_reencrypt,
    vault_current_key_id,
)

__all__ = [
    "CardDataError",
    "DecryptionFailed",
    "EncryptedPan",
    "InvalidCardData",
    "KeyConfigurationError",
    "UnknownKeyId",
    "cvv_generate",
    "cvv_verify",
    "expiry_mmyy",
    "is_luhn_valid",
    "luhn_check_digit",
    "pan_decrypt",
    "pan_display",
    "pan_encrypt",
    "pan_fingerprint",
    "pan_generate",
    "pan_last_four",
    "pan_reencrypt",
    "pan_validate",
    "vault_current_key_id",
]

"""Errors of the card-data primitives.

Their messages name what was wrong, never the value: no PAN, CVV, key or
ciphertext ever reaches an exception's text, repr or a traceback's chain.
"""


class CardDataError(Exception):
    """Base class; the message is safe to log."""


class InvalidCardData(CardDataError, ValueError):
    """A PAN, expiry, CVV, BIN or service code that is not well formed."""


class KeyConfigurationError(CardDataError):
    """A card-data key setting is missing or malformed."""


class UnknownKeyId(CardDataError):
    """A ciphertext names a key id that is not in the key ring."""


class DecryptionFailed(CardDataError):
    """A ciphertext failed authentication: tampered, truncated or misbound."""

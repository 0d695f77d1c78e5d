"""Card verification values, derived from a secret key and never stored.

CVV = HMAC-SHA256(CARD_CVV_KEY, PAN | expiry MMYY | service code), reduced
to three decimal digits. The 256-bit MAC taken modulo 1000 has no bias worth
the name (2**256 mod 1000 / 2**256). Changing `CARD_CVV_KEY` changes every
card's CVV, so it is rotated only together with card reissue.
"""

import hashlib
import hmac

from cards.security.errors import InvalidCardData
from cards.security.keys import cvv_key
from cards.security.pan import pan_validate
from issuer.kernel.fields import is_ascii_digits

DEFAULT_SERVICE_CODE = "101"
CVV_LENGTH = 3
_PURPOSE = b"issuer/cards/cvv/v1"


def expiry_mmyy(*, month: int, year: int) -> str:
    """Return the MMYY form of an expiry month and four-digit (or two-digit) year."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InvalidCardData("An expiry month is between 1 and 12.")
    if isinstance(year, bool) or not isinstance(year, int) or year < 0:
        raise InvalidCardData("An expiry year is a positive integer.")
    return f"{month:02d}{year % 100:02d}"


def _validated_inputs(*, pan: str, expiry: str, service_code: str) -> bytes:
    pan_validate(pan, require_luhn=False)
    if (
        not isinstance(expiry, str)
        or len(expiry) != 4
        or not is_ascii_digits(expiry)
        or not 1 <= int(expiry[:2]) <= 12
    ):
        raise InvalidCardData("The expiry must be MMYY.")
    if (
        not isinstance(service_code, str)
        or len(service_code) != 3
        or not is_ascii_digits(service_code)
    ):
        raise InvalidCardData("The service code must be three digits.")
    return b"|".join((_PURPOSE, pan.encode(), expiry.encode(), service_code.encode()))


def cvv_generate(
    *, pan: str, expiry: str, service_code: str = DEFAULT_SERVICE_CODE
) -> str:
    """Return the three-digit CVV of a card; show it once, never store it."""
    message = _validated_inputs(pan=pan, expiry=expiry, service_code=service_code)
    mac = hmac.new(cvv_key(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(mac, 'big') % 10**CVV_LENGTH:0{CVV_LENGTH}d}"


def cvv_verify(
    *, pan: str, expiry: str, cvv: str, service_code: str = DEFAULT_SERVICE_CODE
) -> bool:
    """Tell whether `cvv` is the card's CVV, comparing in constant time.

    A malformed `cvv` (wrong length, not digits) is simply not a match.
    """
    expected = cvv_generate(pan=pan, expiry=expiry, service_code=service_code)
    supplied = cvv.encode("utf-8", "replace") if isinstance(cvv, str) else b""
    return hmac.compare_digest(expected.encode("ascii"), supplied)

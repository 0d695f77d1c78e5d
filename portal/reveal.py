"""Reveal grants: the right to see one card's full number and CVV, given
for 60 seconds after the cardholder re-enters their password.

The grant lives in the session, signed with a timestamp, so it is refused
server-side once it is older than REVEAL_SECONDS whatever the browser does.
The card data itself is never stored: it is decrypted for each response.

Wrong passwords at the re-entry are counted per user across every web
process (issuer/kernel/throttle.py): after REVEAL_PASSWORD_FAILURE_LIMIT the
user may not reveal any card for REVEAL_PASSWORD_LOCKOUT_SECONDS, even with
the right password; the lockout and every refusal are audited.
"""

from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest

from cards.models import Card
from cards.security import EncryptedPan, cvv_generate, expiry_mmyy, pan_decrypt
from issuer.kernel.throttle import FailureThrottle

REVEAL_SECONDS = 60
_SESSION_KEY = "portal_reveal_grant"
_SALT = "portal.reveal"
REVEAL_PASSWORD_THROTTLE = FailureThrottle(
    scope="portal-reveal-password",
    limit_setting="REVEAL_PASSWORD_FAILURE_LIMIT",
    lockout_setting="REVEAL_PASSWORD_LOCKOUT_SECONDS",
)


@dataclass(frozen=True)
class RevealedCard:
    pan: str
    cvv: str

    def __repr__(self) -> str:
        return "RevealedCard(pan=…, cvv=…)"


def reveal_grant(request: HttpRequest, *, card: Card) -> None:
    """Let this session see `card`'s number for REVEAL_SECONDS from now."""
    request.session[_SESSION_KEY] = signing.TimestampSigner(salt=_SALT).sign(
        str(card.public_id)
    )


def reveal_is_granted(request: HttpRequest, *, card: Card) -> bool:
    """Whether this session holds a grant for `card` younger than REVEAL_SECONDS."""
    grant = request.session.get(_SESSION_KEY)
    if not grant:
        return False
    try:
        card_id = signing.TimestampSigner(salt=_SALT).unsign(
            grant, max_age=REVEAL_SECONDS
        )
    except signing.BadSignature:  # SignatureExpired is one
        request.session.pop(_SESSION_KEY, None)
        return False
    return card_id == str(card.public_id)


def card_reveal(*, card: Card) -> RevealedCard:
    """Decrypt the card's number and derive its CVV, for one response."""
    pan = pan_decrypt(
        encrypted=EncryptedPan(key_id=card.pan_key_id, ciphertext=card.pan_ciphertext),
        context=str(card.public_id),
    )
    expiry = expiry_mmyy(month=card.expiry_month, year=card.expiry_year)
    return RevealedCard(pan=pan, cvv=cvv_generate(pan=pan, expiry=expiry))

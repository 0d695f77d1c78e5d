"""The `Webhook-Signature` header (CONTRACTS.md).

`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; while a
rotated-out secret is still in its overlap window the header carries one
`v1=` per live secret, newest first, and a receiver accepts the delivery
when any of them matches its secret.
"""

import hashlib
import hmac
from collections.abc import Iterable

HEADER = "Webhook-Signature"


def signature_of(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    signatures = [
        f"v1={signature_of(secret=secret, timestamp=timestamp, body=body)}"
        for secret in secrets
    ]
    return ",".join([f"t={timestamp}", *signatures])

"""Writing the audit trail: who did what, to what, when, from where, outcome.

`audit_record` is the one way in. Details are made JSON-safe and scrubbed on
the way: values of secret-looking fields are replaced by "[redacted]" and
anything shaped like a card number is masked to its last four, so a caller's
mistake cannot put card data or a password hash in the trail.
"""

import json
from collections.abc import Mapping
from typing import Any

from axes.helpers import get_client_ip_address
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest

from issuer.kernel.logging import mask_card_numbers
from issuer.kernel.models import AuditEvent

REDACTED = "[redacted]"
# Words that mark a field whose values never enter the trail (only the fact
# of a change): `password`, `password2`, `pan_ciphertext`, `pan_key_id`, ...
_SECRET_WORDS = (
    "password",
    "secret",
    "token",
    "key",
    "cvv",
    "cipher",
    "hash",
    "fingerprint",
    "otp",
)
_REPR_LENGTH = AuditEvent._meta.get_field("target_repr").max_length or 200
_AGENT_LENGTH = AuditEvent._meta.get_field("user_agent").max_length or 255


def is_secret_field(name: str) -> bool:
    """Say whether a field's values must be redacted (passwords, keys, card data).

    A name is secret when one of its words starts with a secret word, or it
    is `pan` itself (`pan_length` is a BIN's setting, not card data).
    """
    words = name.lower().split("_")
    if words == ["pan"]:
        return True
    return any(word.startswith(_SECRET_WORDS) for word in words)


def audit_record(
    *,
    action: AuditEvent.Action,
    outcome: AuditEvent.Outcome = AuditEvent.Outcome.SUCCEEDED,
    actor: Any = None,
    actor_username: str = "",
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail and return it.

    `actor` defaults to the request's authenticated user; `actor_username`
    to the actor's username (pass it for failed logins, which have no actor).
    `target` fills the target type, id and description from a model instance.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not actor_username:
        actor_username = actor.get_username()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_repr = target_repr or str(target)
    return AuditEvent.objects.create(
        actor_id=actor.pk if actor is not None else None,
        actor_username=actor_username[:150],
        action=action,
        outcome=outcome,
        target_type=target_type,
        target_id=str(target_id)[:64],
        target_repr=mask_card_numbers(target_repr)[:_REPR_LENGTH],
        ip_address=_client_ip(request),
        user_agent=_user_agent(request),
        details=audit_details_clean(details or {}),
    )


class _DetailsEncoder(DjangoJSONEncoder):
    """Dates, decimals and UUIDs as Django encodes them; binary as its size;
    anything else as its text, so no model field can break a record."""

    def default(self, o: Any) -> Any:
        if isinstance(o, bytes | bytearray | memoryview):
            return f"<{len(o)} bytes>"
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def audit_details_clean(details: Mapping[str, Any]) -> dict[str, Any]:
    """Return `details` as plain JSON with secrets redacted and PANs masked."""
    plain = json.loads(json.dumps(details, cls=_DetailsEncoder))
    return _scrub(plain)


def _scrub(value: Any, secret: bool = False) -> Any:
    if isinstance(value, dict):
        return {
            key: _scrub(item, secret or is_secret_field(str(key)))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, secret) for item in value]
    if secret:
        return REDACTED
    if isinstance(value, str):
        return mask_card_numbers(value)
    return value


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(
        request
    )
    return address or None


def _user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("HTTP_USER_AGENT", ""))[:_AGENT_LENGTH]

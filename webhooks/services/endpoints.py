"""Partners' webhook endpoints: create, change, rotate the secret, enable,
disable (by hand, or for failing) and delete.

The signing secret is returned once, when made; it is stored sealed.
"""

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from accounts.models import Partner
from issuer.kernel.errors import InvalidInput
from webhooks.catalogue import PUBLIC_EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSecret
from webhooks.secret_box import secret_generate, secret_seal
from webhooks.url_policy import url_check

logger = logging.getLogger(__name__)

MAX_ENDPOINTS_PER_PARTNER = 16
MAX_OVERLAP_SECONDS = 7 * 24 * 60 * 60


def _event_types(event_types: Sequence[str]) -> list[str]:
    if not isinstance(event_types, list | tuple) or not event_types:
        raise InvalidInput.for_field("events", "Give at least one event type.")
    known = set(SUBSCRIBABLE_EVENT_TYPES)
    unknown = sorted({str(t) for t in event_types} - known)
    if unknown:
        raise InvalidInput.for_field(
            "events",
            f"Unknown event type(s): {', '.join(unknown)}. "
            f"Known: {', '.join(PUBLIC_EVENT_TYPES)} (or * for all).",
        )
    return sorted(set(event_types))


def _alert_email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            EmailValidator()(value)
        except ValidationError:
            raise InvalidInput.for_field(
                "alert_email", "Enter a valid email address."
            ) from None
    return value


def _secret_add(endpoint: WebhookEndpoint) -> str:
    secret = secret_generate()
    row = WebhookSecret(endpoint=endpoint, key_id="", ciphertext=b"")
    sealed = secret_seal(secret=secret, context=str(row.public_id))
    row.key_id, row.ciphertext = sealed.key_id, sealed.ciphertext
    row.save()
    return secret


def webhook_endpoint_create(
    *,
    partner: Partner,
    url: str,
    event_types: Sequence[str],
    description: str = "",
    alert_email: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; return it and its signing secret (shown once)."""
    url = url_check(url)
    types = _event_types(event_types)
    alert_email = _alert_email(alert_email)
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=partner.pk)
        if partner.webhook_endpoints.count() >= MAX_ENDPOINTS_PER_PARTNER:
            raise InvalidInput.for_field(
                "url",
                f"A partner may have at most {MAX_ENDPOINTS_PER_PARTNER} endpoints.",
            )
        endpoint = WebhookEndpoint.objects.create(
            partner=partner,
            url=url,
            event_types=types,
            description=description.strip(),
            alert_email=alert_email,
        )
        secret = _secret_add(endpoint)
    return endpoint, secret


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    alert_email: str | None = None,
) -> WebhookEndpoint:
    """Change what is given; every field is checked before anything is saved."""
    changes: dict[str, object] = {}
    if url is not None:
        changes["url"] = url_check(url)
    if event_types is not None:
        changes["event_types"] = _event_types(event_types)
    if description is not None:
        changes["description"] = description.strip()
    if alert_email is not None:
        changes["alert_email"] = _alert_email(alert_email)
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if changes:
        endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint


def webhook_secret_rotate(
    *, endpoint: WebhookEndpoint, overlap_seconds: int | None = None
) -> tuple[str, datetime.datetime]:
    """Make a new current secret; the old ones keep signing (beside it) for
    `overlap_seconds`. Return the new secret and when the old ones stop."""
    if overlap_seconds is None:
        overlap_seconds = settings.WEBHOOK_SECRET_OVERLAP_SECONDS
    if (
        isinstance(overlap_seconds, bool)
        or not isinstance(overlap_seconds, int)
        or not 0 <= overlap_seconds <= MAX_OVERLAP_SECONDS
    ):
        raise InvalidInput.for_field(
            "overlap_seconds",
            f"Give a whole number of seconds from 0 to {MAX_OVERLAP_SECONDS}.",
        )
    old_expire_at = timezone.now() + datetime.timedelta(seconds=overlap_seconds)
    with transaction.atomic():
        WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        WebhookSecret.objects.filter(endpoint=endpoint, expires_at__isnull=True).update(
            expires_at=old_expire_at
        )
        WebhookSecret.objects.filter(
            endpoint=endpoint, expires_at__gt=old_expire_at
        ).update(expires_at=old_expire_at)
        secret = _secret_add(endpoint)
    return secret, old_expire_at


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Enable again: its failure streak starts over and the deliveries still
    pending get a fresh retry window."""
    now = timezone.now()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            status=WebhookEndpoint.Status.ENABLED,
            disabled_reason="",
            disabled_at=None,
            failing_since=None,
            consecutive_failures=0,
            updated_at=now,
        )
        WebhookDelivery.objects.filter(
            endpoint=endpoint, status=WebhookDelivery.Status.PENDING
        ).update(
            retry_until=now
            + datetime.timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS),
            next_attempt_at=now,
        )
    endpoint.refresh_from_db()
    return endpoint


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Disable an enabled endpoint; return whether this call disabled it."""
    now = timezone.now()
    changed = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, status=WebhookEndpoint.Status.ENABLED
    ).update(
        status=WebhookEndpoint.Status.DISABLED,
        disabled_reason=reason[:200],
        disabled_at=now,
        updated_at=now,
    )
    endpoint.refresh_from_db()
    return bool(changed)


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its secrets and delivery log."""
    endpoint.delete()


def webhook_endpoint_failure_check(*, endpoint: WebhookEndpoint) -> bool:
    """Disable an endpoint that has failed persistently and alert its
    partner and the issuer's operations; return whether it was disabled.

    Persistent: every attempt for WEBHOOK_DISABLE_AFTER_SECONDS has failed,
    at least WEBHOOK_DISABLE_AFTER_FAILURES of them in a row.
    """
    since = endpoint.failing_since
    if (
        since is None
        or endpoint.consecutive_failures < settings.WEBHOOK_DISABLE_AFTER_FAILURES
        or timezone.now() - since
        < datetime.timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    ):
        return False
    reason = (
        f"Disabled after {endpoint.consecutive_failures} failed attempts in a row "
        f"since {since:%Y-%m-%d %H:%M} UTC."
    )
    if not webhook_endpoint_disable(endpoint=endpoint, reason=reason):
        return False
    logger.error(
        "webhook endpoint %s of partner %s disabled: %s",
        endpoint.public_id,
        endpoint.partner_id,
        reason,
    )
    recipients = [*settings.WEBHOOK_ALERT_EMAILS]
    if endpoint.alert_email:
        recipients.append(endpoint.alert_email)
    if recipients:
        send_mail(
            subject=f"Webhook endpoint disabled: {endpoint.url}",
            message=(
                f"The webhook endpoint {endpoint.url} (id {endpoint.public_id}) "
                f"of {endpoint.partner} was disabled. {reason}\n\n"
                "Events are kept; fix the endpoint, enable it again and "
                "replay the deliveries that failed."
            ),
            from_email=None,
            recipient_list=recipients,
        )
    return True

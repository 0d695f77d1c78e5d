"""Reads of webhook endpoints and deliveries."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Partner
from webhooks.catalogue import ALL_EVENTS, PUBLIC_EVENT_TYPES
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSecret
from webhooks.secret_box import SealedSecret, secret_open


def webhook_endpoints_for_partner(*, partner: Partner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(partner=partner)


def webhook_deliveries_for_partner(*, partner: Partner) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(endpoint__partner=partner)
        .select_related("endpoint", "event")
        .prefetch_related("attempts")
    )


def webhook_event_types_wanted() -> frozenset[str]:
    """Every public event type some endpoint subscribes to ("*": all), so
    events nobody wants are not rendered at all."""
    wanted = {
        event_type
        for event_types in WebhookEndpoint.objects.values_list("event_types", flat=True)
        for event_type in event_types
    }
    return frozenset(PUBLIC_EVENT_TYPES) if ALL_EVENTS in wanted else frozenset(wanted)


def webhook_endpoints_subscribed(
    *, partner_ids: frozenset[int], event_type: str, occurred_at: datetime.datetime
) -> list[WebhookEndpoint]:
    """The endpoints of these partners that want this event type and already
    existed when it happened. Disabled ones are included: their deliveries
    are held until they are enabled again, not dropped."""
    endpoints = WebhookEndpoint.objects.filter(
        partner_id__in=partner_ids,
        created_at__lte=occurred_at,
        partner__is_active=True,
    )
    return [
        endpoint
        for endpoint in endpoints
        if event_type in endpoint.event_types or ALL_EVENTS in endpoint.event_types
    ]


def webhook_signing_secrets(
    *, endpoint: WebhookEndpoint, now: datetime.datetime
) -> list[str]:
    """The secrets that sign a delivery now: the current one first, then any
    rotated-out one still in its overlap window."""
    live = WebhookSecret.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now), endpoint=endpoint
    ).order_by("-created_at", "-pk")
    return [
        secret_open(
            sealed=SealedSecret(key_id=secret.key_id, ciphertext=secret.ciphertext),
            context=str(secret.public_id),
        )
        for secret in live
    ]


def _earlier_pending() -> Exists:
    return Exists(
        WebhookDelivery.objects.filter(
            endpoint_id=OuterRef("endpoint_id"),
            object_key=OuterRef("object_key"),
            status=WebhookDelivery.Status.PENDING,
            sequence__lt=OuterRef("sequence"),
        )
    )


def webhook_delivery_is_blocked(*, delivery: WebhookDelivery) -> bool:
    """Whether an earlier event about the same object is still pending for
    the same endpoint (deliveries of one object keep their order)."""
    return WebhookDelivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        object_key=delivery.object_key,
        status=WebhookDelivery.Status.PENDING,
        sequence__lt=delivery.sequence,
    ).exists()


def webhook_deliveries_due(
    *, now: datetime.datetime, limit: int
) -> QuerySet[WebhookDelivery]:
    """Pending deliveries to enabled endpoints whose time has come, whose
    lease (if any) has lapsed and which no earlier event of their object is
    holding back; oldest first."""
    return (
        WebhookDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__status=WebhookEndpoint.Status.ENABLED,
        )
        .exclude(_earlier_pending())
        .order_by("next_attempt_at", "pk")[:limit]
    )


def webhook_next_in_line(*, delivery: WebhookDelivery) -> WebhookDelivery | None:
    """The next pending delivery of the same object to the same endpoint."""
    return (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            object_key=delivery.object_key,
            status=WebhookDelivery.Status.PENDING,
            sequence__gt=delivery.sequence,
        )
        .order_by("sequence")
        .first()
    )

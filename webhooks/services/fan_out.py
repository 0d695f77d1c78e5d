"""Outbox events to webhook deliveries.

Each public event is rendered once into the JSON body every delivery of it
sends; one delivery is recorded per subscribed endpoint. Both are behind
unique keys (the event id; endpoint and event), so a redelivered outbox
event finds what the first delivery made and adds nothing.
"""

import datetime
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from issuer.kernel.models import OutboxEvent
from webhooks.catalogue import PublicEvent, public_event_of
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.selectors import webhook_endpoints_subscribed


def event_body(*, event: OutboxEvent, public: PublicEvent) -> str:
    """The JSON partners receive: id, type, created and the object."""
    return json.dumps(
        {
            "id": str(event.event_id),
            "type": public.type,
            "created": int(event.created_at.timestamp()),
            "data": public.data,
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        sort_keys=True,
    )


def webhook_deliveries_create(*, event: OutboxEvent) -> list[WebhookDelivery]:
    """Record the deliveries an outbox event makes (none when no endpoint
    wants it); return the pending ones, new or found."""
    public = public_event_of(event)
    if public is None or not public.partner_ids:
        return []
    endpoints = webhook_endpoints_subscribed(
        partner_ids=public.partner_ids,
        event_type=public.type,
        occurred_at=event.created_at,
    )
    if not endpoints:
        return []
    now = timezone.now()
    retry_until = now + datetime.timedelta(
        seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS
    )
    with transaction.atomic():
        webhook_event, _ = WebhookEvent.objects.get_or_create(
            event_id=event.event_id,
            defaults={
                "type": public.type,
                "object_key": public.object_key,
                "sequence": event.pk,
                "created_at": event.created_at,
                "body": event_body(event=event, public=public),
            },
        )
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    endpoint=endpoint,
                    event=webhook_event,
                    object_key=webhook_event.object_key,
                    sequence=webhook_event.sequence,
                    next_attempt_at=now,
                    retry_until=retry_until,
                )
                for endpoint in endpoints
            ],
            ignore_conflicts=True,
        )
    return list(
        WebhookDelivery.objects.filter(
            event=webhook_event, status=WebhookDelivery.Status.PENDING
        )
    )

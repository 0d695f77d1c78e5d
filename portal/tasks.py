"""The portal's Celery task: cardholder notifications from outbox events.

Thin: event ids in, each event's notifications recorded (once per event,
cardholder and kind) and emailed when the cardholder wants that kind
emailed. A redelivered event finds its notification and sends no second
email.
"""

import logging

from celery import shared_task
from django.db import OperationalError

from accounts.services.notifications import (
    notification_email_send,
    notification_record,
)
from issuer.kernel.models import OutboxEvent
from portal.notification_events import notifications_for_events

logger = logging.getLogger(__name__)


@shared_task(
    name="portal.notify_cardholders",
    queue="default",
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def notify_cardholders(event_ids: list[int]) -> int:
    """Notify the cardholders the events concern; return the notifications
    recorded (new or found from an earlier delivery)."""
    recorded = 0
    events = list(OutboxEvent.objects.filter(pk__in=event_ids).order_by("pk"))
    for event, made in notifications_for_events(events=events):
        for addressed in made:
            notification, _ = notification_record(
                cardholder=addressed.cardholder,
                source_event_id=event.event_id,
                content=addressed.content,
            )
            notification_email_send(notification=notification)
            recorded += 1
    return recorded

"""The portal's Celery tasks: cardholder notifications.

`portal.notify_cardholders` consumes outbox events: thin, event ids in, each
event's notifications recorded (once per event, cardholder and kind) and
emailed when the cardholder wants that kind emailed. A redelivered event
finds its notification and sends no second email.

`portal.remind_payment_due` (beat, daily) queues the statements whose
payment-due reminder may be due today in batches of pks;
`portal.remind_payment_due_batch` reminds each (once per statement).
"""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from accounts.services.notifications import (
    notification_email_send,
    notification_record,
)
from issuer.kernel.models import OutboxEvent
from issuer.kernel.task_options import AT_LEAST_ONCE
from portal.notification_events import notifications_for_events
from portal.payment_reminders import (
    payment_due_reminders_send,
    payment_due_statement_batches,
)

logger = logging.getLogger(__name__)


@shared_task(
    name="portal.notify_cardholders",
    queue="default",
    soft_time_limit=60,
    time_limit=90,
    **AT_LEAST_ONCE,
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


@shared_task(
    name="portal.remind_payment_due",
    queue="default",
    soft_time_limit=240,
    time_limit=300,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def remind_payment_due(run_date: str | None = None) -> int:
    """Queue today's (or `run_date`'s, an ISO date) candidate statements for
    their reminders in batches of pks; return how many batches were queued."""
    today = datetime.date.fromisoformat(run_date) if run_date else timezone.now().date()
    batches = 0
    for statement_ids in payment_due_statement_batches(today=today):
        remind_payment_due_batch.delay(statement_ids)
        batches += 1
    return batches


@shared_task(
    name="portal.remind_payment_due_batch",
    queue="default",
    soft_time_limit=240,
    time_limit=300,
    **AT_LEAST_ONCE,
)
def remind_payment_due_batch(statement_ids: list[int]) -> int:
    """Remind the cardholders of these statements; return reminders recorded."""
    return payment_due_reminders_send(statement_ids=statement_ids)

"""Webhook Celery tasks, thin: ids in, a service call.

`fan_out` receives outbox event ids (a consumer of the outbox relay) and
records deliveries; `deliver` makes one attempt of one delivery; the beat
task `sweep_deliveries` hands over whatever is due and was not sent.
Messages carry ids only: bodies are read from the database.
"""

import logging

from celery import shared_task

from issuer.kernel.models import OutboxEvent
from issuer.kernel.task_options import AT_LEAST_ONCE
from webhooks.catalogue import public_type_of
from webhooks.dispatch import deliveries_enqueue
from webhooks.selectors import webhook_event_types_wanted
from webhooks.services.delivery import (
    webhook_deliveries_sweep,
    webhook_delivery_attempt,
)
from webhooks.services.fan_out import webhook_deliveries_create

logger = logging.getLogger(__name__)


@shared_task(
    name="webhooks.fan_out",
    queue="webhooks",
    soft_time_limit=60,
    time_limit=90,
    **AT_LEAST_ONCE,
)
def fan_out(event_ids: list[int]) -> int:
    """Record the deliveries these events make and send them; return how many."""
    wanted = webhook_event_types_wanted()
    pending: list[int] = []
    for event in OutboxEvent.objects.filter(pk__in=event_ids).order_by("pk"):
        if public_type_of(event.type) in wanted:
            pending.extend(d.pk for d in webhook_deliveries_create(event=event))
    deliveries_enqueue(pending)
    return len(pending)


@shared_task(
    name="webhooks.deliver",
    queue="webhooks",
    soft_time_limit=120,
    time_limit=150,
    **AT_LEAST_ONCE,
)
def deliver(delivery_id: int) -> str:
    """One attempt of one delivery; return its outcome."""
    return webhook_delivery_attempt(delivery_id=delivery_id).value


@shared_task(
    name="webhooks.sweep_deliveries",
    queue="webhooks",
    soft_time_limit=60,
    time_limit=90,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def sweep_deliveries() -> int:
    return webhook_deliveries_sweep()

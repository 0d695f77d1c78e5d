"""Kernel tasks: liveness ping and the outbox relay."""

import logging
import socket
from collections import defaultdict
from datetime import timedelta

from celery import current_app, shared_task
from django.db import transaction
from django.utils import timezone

from issuer.kernel.models import OutboxEvent
from issuer.kernel.outbox import consumers_for

logger = logging.getLogger(__name__)
SWEEP_BATCH = 500
SWEEP_GRACE = timedelta(seconds=10)


@shared_task(name="kernel.ping", queue="default", soft_time_limit=5, time_limit=10)
def ping() -> str:
    """Answer from the worker that ran it (a liveness probe for the task path)."""
    return f"pong from {socket.gethostname()}"


@shared_task(
    name="kernel.relay_outbox", queue="default", soft_time_limit=20, time_limit=30
)
def relay_outbox(event_ids: list[int]) -> int:
    """Send each undispatched event to its consumers, then mark it dispatched.

    Consumers are idempotent, so a relay interrupted between sending and
    marking only causes a harmless redelivery.
    """
    relayed = 0
    with transaction.atomic():
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk__in=event_ids, dispatched_at__isnull=True)
            .order_by("pk")
        )
        batches: dict[str, list[int]] = defaultdict(list)
        for event in events:
            for consumer in consumers_for(event.type):
                if consumer.batch:
                    batches[consumer.task_name].append(event.pk)
                else:
                    current_app.tasks[consumer.task_name].apply_async(args=[event.pk])
            relayed += 1
        for task_name, event_ids in batches.items():
            current_app.tasks[task_name].apply_async(args=[event_ids])
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            dispatched_at=timezone.now()
        )
    return relayed


@shared_task(
    name="kernel.sweep_outbox",
    queue="default",
    soft_time_limit=50,
    time_limit=60,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def sweep_outbox(grace_seconds: float = SWEEP_GRACE.total_seconds()) -> int:
    """Relay events that on-commit relaying missed (e.g. the broker was down).

    Events younger than `grace_seconds` are left to their on-commit relay.
    """
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    total = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(
                dispatched_at__isnull=True, created_at__lt=cutoff
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not ids:
            return total
        relayed = relay_outbox(ids)
        total += relayed
        if relayed == 0:
            return total

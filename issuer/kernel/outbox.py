"""Publishing domain events through the transactional outbox.

`event_publish` writes an OutboxEvent inside the caller's transaction and,
once that commits, asks Celery to relay it. If the broker is down the event
simply waits: the beat sweeper (`kernel.sweep_outbox`) relays it later.

Consumers (fraud scoring, webhooks, notifications) live in higher apps and
register a Celery task name for the event types they want; the kernel never
imports them. Each consumer is idempotent, so at-least-once relay gives
exactly-once effects.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction

from issuer.kernel.models import OutboxEvent

logger = logging.getLogger(__name__)

_consumers: dict[str, list[str]] = defaultdict(list)


def consumer_register(*, event_types: Iterable[str], task_name: str) -> None:
    """Have `task_name` (called with one event id) receive these event types."""
    for event_type in event_types:
        if task_name not in _consumers[event_type]:
            _consumers[event_type].append(task_name)


def consumers_for(event_type: str) -> list[str]:
    return list(_consumers.get(event_type, ())) + list(_consumers.get("*", ()))


def event_publish(
    *, type: str, aggregate_type: str, aggregate_id: str, payload: dict[str, Any]
) -> OutboxEvent:
    """Record an event in the current transaction; relay it after commit."""
    event = OutboxEvent.objects.create(
        type=type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        payload=payload,
    )
    transaction.on_commit(partial(relay_soon, [event.pk]))
    return event


def relay_soon(event_ids: list[int]) -> None:
    """Hand events to the relay task; a broker outage is logged, not raised."""
    from issuer.kernel.tasks import relay_outbox

    try:
        relay_outbox.apply_async(args=[event_ids], retry=False)
    except Exception as exc:  # noqa: BLE001 - the sweeper will relay them later
        logger.warning("outbox relay deferred for %d event(s): %s", len(event_ids), exc)

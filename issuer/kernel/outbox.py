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
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

from issuer.kernel.models import OutboxEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Consumer:
    """A Celery task receiving events: one event id per call, or (batch) the
    list of ids a relay pass hands over."""

    task_name: str
    batch: bool = False


_consumers: dict[str, list[Consumer]] = defaultdict(list)


def consumer_register(
    *, event_types: Iterable[str], task_name: str, batch: bool = False
) -> None:
    """Have `task_name` receive these event types (`batch`: a list of ids)."""
    consumer = Consumer(task_name=task_name, batch=batch)
    for event_type in event_types:
        if consumer not in _consumers[event_type]:
            _consumers[event_type].append(consumer)


def consumers_for(event_type: str) -> list[Consumer]:
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
    """Hand committed events to the relay.

    In-process (eager) mode relays at once. With a broker, ids are batched
    per process for OUTBOX_RELAY_BATCH_MS and sent as one task: one broker
    message per batch instead of one per authorization. Ids still in the
    buffer when a process dies are relayed by the sweeper.
    """
    from issuer.kernel.tasks import relay_outbox

    if relay_outbox.app.conf.task_always_eager or not settings.OUTBOX_RELAY_BATCH_MS:
        _publish(event_ids)
        return
    _buffer.add(event_ids)


def _publish(event_ids: list[int]) -> None:
    from issuer.kernel.tasks import relay_outbox

    try:
        relay_outbox.apply_async(args=[event_ids], retry=False)
    except Exception as exc:  # noqa: BLE001 - the sweeper will relay them later
        logger.warning("outbox relay deferred for %d event(s): %s", len(event_ids), exc)


class _RelayBuffer:
    """Event ids waiting to be relayed, flushed by one daemon thread."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def add(self, event_ids: list[int]) -> None:
        with self._lock:
            self._ids.extend(event_ids)
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()  # a forked child needs its own thread
                self._thread = threading.Thread(
                    target=self._run, name="outbox-relay", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(settings.OUTBOX_RELAY_BATCH_MS / 1000)
            with self._lock:
                batch, self._ids = self._ids, []
                self._wake.clear()
            if batch:
                _publish(batch)


_buffer = _RelayBuffer()

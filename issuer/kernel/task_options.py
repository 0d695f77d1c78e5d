"""Celery options of the tasks that consume outbox events.

At least once: the message is acknowledged only after the task ran, and
one whose worker died is handed out again (the broker's visibility timeout
and restore sweep bound how soon). A database that is briefly out of reach
(a restart, a failover) is retried with backoff for about five minutes
rather than dropping the work; the consumers are idempotent, so a retry or
a second hand-out never doubles an effect.
"""

from typing import Any

from django.db import InterfaceError, OperationalError

AT_LEAST_ONCE: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "max_retries": 12,
    "retry_backoff": True,
    "retry_backoff_max": 30,
}

"""Handing deliveries to the `webhooks` Celery queue.

After the caller's transaction commits; a broker that is down only delays
the work, as the sweeper (`webhooks.sweep_deliveries`) finds every due
delivery again.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def _send(delivery_ids: list[int], countdown: float | None) -> None:
    from webhooks.tasks import deliver

    for delivery_id in delivery_ids:
        try:
            deliver.apply_async(args=[delivery_id], countdown=countdown, retry=False)
        except Exception as exc:  # noqa: BLE001 - the sweeper sends it later
            logger.warning("webhook delivery %s deferred: %s", delivery_id, exc)


def deliveries_enqueue(
    delivery_ids: list[int], *, countdown: float | None = None
) -> None:
    """Send these deliveries to a worker once the current transaction commits."""
    if delivery_ids:
        transaction.on_commit(partial(_send, list(delivery_ids), countdown))

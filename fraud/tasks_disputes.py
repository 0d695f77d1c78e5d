"""Fraud's consumer of dispute events: thin, an event id in."""

import logging

from celery import shared_task

from cards.models import Dispute
from fraud.services.dispute_labels import dispute_label_record
from issuer.kernel.models import OutboxEvent
from issuer.kernel.task_options import AT_LEAST_ONCE

logger = logging.getLogger(__name__)


@shared_task(
    name="fraud.label_dispute_event",
    queue="fraud",
    soft_time_limit=20,
    time_limit=30,
    **AT_LEAST_ONCE,
)
def label_dispute_event(event_id: int) -> bool | None:
    """Label the transaction a dispute event is about (see dispute_labels)."""
    event = OutboxEvent.objects.filter(pk=event_id).first()
    dispute = (
        Dispute.objects.select_related("capture__authorization__card")
        .filter(public_id=event.aggregate_id)
        .first()
        if event is not None
        else None
    )
    if event is None or dispute is None:
        logger.warning("dispute event %s or its dispute not found; skipped", event_id)
        return None
    return dispute_label_record(dispute=dispute, event_type=event.type)

"""Fraud tasks: thin, ids in."""

import logging

from celery import shared_task

from cards.models import Authorization
from fraud.models import BatchScoringJob
from fraud.services.batches import batch_scoring_job_run
from fraud.services.live_batch import (
    authorizations_backlog,
    authorizations_score_batch,
    tier_actions_finish,
)
from issuer.kernel.models import OutboxEvent
from issuer.kernel.task_options import AT_LEAST_ONCE

logger = logging.getLogger(__name__)


@shared_task(
    name="fraud.score_authorization_event",
    queue="fraud",
    soft_time_limit=20,
    time_limit=30,
    **AT_LEAST_ONCE,
)
def score_authorization_event(event_id: int) -> int:
    """Score the authorization one outbox event reports (a batch of one)."""
    return score_authorization_events(event_ids=[event_id])


@shared_task(
    name="fraud.batch_score",
    queue="fraud",
    soft_time_limit=1_800,
    time_limit=1_860,
    acks_late=True,
    reject_on_worker_lost=True,
)
def batch_score(job_id: int) -> str:
    """Score an uploaded batch file; return the job's final status."""
    job = BatchScoringJob.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("batch scoring job %s not found; skipped", job_id)
        return "missing"
    return batch_scoring_job_run(job=job).status


@shared_task(
    name="fraud.score_authorizations_batch",
    queue="fraud",
    soft_time_limit=60,
    time_limit=90,
    **AT_LEAST_ONCE,
)
def score_authorizations_batch(authorization_ids: list[int]) -> int:
    """Score many authorizations at once (offline path); return scores stored."""
    return authorizations_score_batch(authorization_ids=authorization_ids)


@shared_task(
    name="fraud.score_authorization_events",
    queue="fraud",
    soft_time_limit=60,
    time_limit=90,
    **AT_LEAST_ONCE,
)
def score_authorization_events(event_ids: list[int]) -> int:
    """Score the authorizations a relay pass reported, with whatever else is
    waiting, as one batch. A pass whose authorizations an earlier batch
    already scored only finishes their actions."""
    public_ids = OutboxEvent.objects.filter(pk__in=event_ids).values_list(
        "aggregate_id", flat=True
    )
    authorizations = list(
        Authorization.objects.select_related("card").filter(
            public_id__in=list(public_ids)
        )
    )
    if len(authorizations) < len(event_ids):
        logger.warning(
            "%d of %d events had no authorization; skipped",
            len(event_ids) - len(authorizations),
            len(event_ids),
        )
    waiting = authorizations_backlog(authorizations=authorizations)
    if not waiting:
        for authorization in authorizations:
            tier_actions_finish(authorization=authorization)
        return 0
    return authorizations_score_batch(authorization_ids=waiting)

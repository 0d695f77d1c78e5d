"""Fraud tasks: thin, ids in."""

import logging

from celery import shared_task

from cards.models import Authorization
from fraud.models import BatchScoringJob
from fraud.services.batches import batch_scoring_job_run
from fraud.services.live import authorization_score
from fraud.services.live_batch import (
    authorization_backlog,
    authorizations_backlog,
    authorizations_score_batch,
    tier_actions_finish,
)
from issuer.kernel.models import OutboxEvent

logger = logging.getLogger(__name__)


@shared_task(
    name="fraud.score_authorization_event",
    queue="fraud",
    soft_time_limit=20,
    time_limit=30,
    acks_late=True,
    reject_on_worker_lost=True,
)
def score_authorization_event(event_id: int) -> int:
    """Score the authorization an outbox event reports; return scores stored."""
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None:
        logger.warning("outbox event %s not found; skipped", event_id)
        return 0
    authorization = (
        Authorization.objects.select_related("card", "account")
        .filter(public_id=event.aggregate_id)
        .first()
    )
    if authorization is None:
        logger.warning("authorization of event %s not found; skipped", event_id)
        return 0
    backlog = authorization_backlog(authorization=authorization)
    if not backlog:  # scored already: only finish the tier's actions, if any
        tier_actions_finish(authorization=authorization)
        return 0
    if len(backlog) > 1:  # behind: score everything waiting in one batch
        return authorizations_score_batch(authorization_ids=backlog)
    return len(
        authorization_score(
            authorization=authorization, event_created_at=event.created_at
        )
    )


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
    acks_late=True,
    reject_on_worker_lost=True,
)
def score_authorizations_batch(authorization_ids: list[int]) -> int:
    """Score many authorizations at once (offline path); return scores stored."""
    return authorizations_score_batch(authorization_ids=authorization_ids)


@shared_task(
    name="fraud.score_authorization_events",
    queue="fraud",
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
    reject_on_worker_lost=True,
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

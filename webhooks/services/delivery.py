"""Sending a delivery: claim it, POST it signed, record the attempt, and
decide what comes next (done, retry later, or failed for good).

At least once: a delivery is claimed with a lease before the POST and its
outcome is recorded after; a worker killed in between leaves the lease to
lapse, and the sweeper hands the delivery to another worker, which sends
the same bytes (same event id) again. The POST is never made inside a
database transaction.
"""

import datetime
import enum
import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from webhooks.dispatch import deliveries_enqueue
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.retry_policy import RetryPolicy, is_retryable, is_success
from webhooks.selectors import (
    webhook_deliveries_due,
    webhook_delivery_is_blocked,
    webhook_next_in_line,
    webhook_signing_secrets,
)
from webhooks.services.endpoints import webhook_endpoint_failure_check
from webhooks.signing import HEADER, signature_header
from webhooks.transport import PostResult, post_signed
from webhooks.url_policy import UrlRefused, url_resolve_checked

logger = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 5
USER_AGENT = "IssuerWebhooks/1.0"


class AttemptOutcome(enum.StrEnum):
    SUCCEEDED = "succeeded"
    WILL_RETRY = "will_retry"
    FAILED = "failed"
    NOT_DUE = "not_due"  # done already, not yet due, or another worker has it
    WAITING = "waiting"  # an earlier event of its object goes first
    ENDPOINT_DISABLED = "endpoint_disabled"
    LEASE_LOST = "lease_lost"  # took longer than the lease; another worker took over


def retry_policy() -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.WEBHOOK_RETRY_BASE_SECONDS,
        max_delay_seconds=settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS,
        jitter=settings.WEBHOOK_RETRY_JITTER,
    )


def _claim(delivery_id: int, now: datetime.datetime) -> uuid.UUID | None:
    token = uuid.uuid4()
    lease = now + datetime.timedelta(
        seconds=settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS
    )
    claimed = WebhookDelivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(claimed_until=lease, claim_token=token)
    return token if claimed else None


def _release(delivery: WebhookDelivery, token: uuid.UUID) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, claim_token=token).update(
        claimed_until=None, claim_token=None
    )


def _send(delivery: WebhookDelivery) -> PostResult:
    endpoint = delivery.endpoint
    try:
        target = url_resolve_checked(endpoint.url)
    except UrlRefused as exc:
        return PostResult(None, f"refused: {exc.message}", "", 0)
    body = delivery.event.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": str(delivery.event.event_id),
        HEADER: signature_header(
            secrets=webhook_signing_secrets(endpoint=endpoint, now=timezone.now()),
            timestamp=int(time.time()),
            body=body,
        ),
    }
    return post_signed(
        target=target,
        body=body,
        headers=headers,
        timeout_seconds=settings.WEBHOOK_TIMEOUT_SECONDS,
    )


def _decide(
    delivery: WebhookDelivery, result: PostResult, now: datetime.datetime
) -> tuple[AttemptOutcome, datetime.datetime | None]:
    """The attempt's outcome and, for a retry, when it happens."""
    if result.status_code is not None and is_success(result.status_code):
        return AttemptOutcome.SUCCEEDED, None
    refused = result.error.startswith("refused:")
    if refused or not is_retryable(result.status_code):
        return AttemptOutcome.FAILED, None
    delay = retry_policy().delay(delivery.attempt_count + 1)
    next_at = now + datetime.timedelta(seconds=delay)
    if next_at > delivery.retry_until:
        return AttemptOutcome.FAILED, None
    return AttemptOutcome.WILL_RETRY, next_at


def _record(
    delivery: WebhookDelivery,
    token: uuid.UUID,
    result: PostResult,
    started_at: datetime.datetime,
) -> tuple[AttemptOutcome, datetime.datetime | None]:
    now = timezone.now()
    outcome, next_at = _decide(delivery, result, now)
    status = {
        AttemptOutcome.SUCCEEDED: WebhookDelivery.Status.SUCCEEDED,
        AttemptOutcome.FAILED: WebhookDelivery.Status.FAILED,
    }.get(outcome, WebhookDelivery.Status.PENDING)
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, claim_token=token, status=WebhookDelivery.Status.PENDING
        ).update(
            status=status,
            attempt_count=F("attempt_count") + 1,
            next_attempt_at=next_at or delivery.next_attempt_at,
            claimed_until=None,
            claim_token=None,
            delivered_at=now if outcome == AttemptOutcome.SUCCEEDED else None,
            last_status_code=result.status_code,
            last_error=result.error[:200],
        )
        if not updated:
            return AttemptOutcome.LEASE_LOST, None
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempt_count + 1,
            started_at=started_at,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            error=result.error[:200],
            response_snippet=result.snippet,
            outcome=outcome.value,
        )
        endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
        if outcome == AttemptOutcome.SUCCEEDED:
            endpoints.update(
                consecutive_failures=0, failing_since=None, last_success_at=now
            )
        else:
            endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
            endpoints.filter(failing_since__isnull=True).update(failing_since=now)
    return outcome, next_at


def webhook_delivery_attempt(*, delivery_id: int) -> AttemptOutcome:
    """Make the next attempt of a delivery if it is due and first in line."""
    now = timezone.now()
    token = _claim(delivery_id, now)
    if token is None:
        return AttemptOutcome.NOT_DUE
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(
        pk=delivery_id
    )
    if not delivery.endpoint.is_enabled:
        _release(delivery, token)
        return AttemptOutcome.ENDPOINT_DISABLED
    if webhook_delivery_is_blocked(delivery=delivery):
        _release(delivery, token)
        return AttemptOutcome.WAITING
    result = _send(delivery)
    outcome, next_at = _record(delivery, token, result, started_at=now)
    logger.info(
        "webhook delivery %s attempt %d: %s (%s)",
        delivery.public_id,
        delivery.attempt_count + 1,
        outcome.value,
        result.status_code or result.error,
    )
    if outcome in (AttemptOutcome.SUCCEEDED, AttemptOutcome.FAILED):
        following = webhook_next_in_line(delivery=delivery)
        if following is not None:
            deliveries_enqueue([following.pk])
    elif outcome == AttemptOutcome.WILL_RETRY and next_at is not None:
        delay = (next_at - timezone.now()).total_seconds()
        if delay <= settings.WEBHOOK_ETA_MAX_SECONDS:
            deliveries_enqueue([delivery.pk], countdown=max(delay, 0))
    if outcome != AttemptOutcome.SUCCEEDED:
        delivery.endpoint.refresh_from_db()
        webhook_endpoint_failure_check(endpoint=delivery.endpoint)
    return outcome


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with the same event id and body, and a new
    day of retries; a delivery already pending is only brought forward."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at=now,
        retry_until=now
        + datetime.timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS),
        delivered_at=None,
    )
    deliveries_enqueue([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def webhook_deliveries_sweep(*, limit: int = 500) -> int:
    """Hand every due, unblocked delivery to a worker (retries that were too
    far off for a countdown, lapsed leases, sends lost to a broker outage);
    return how many."""
    ids = list(
        webhook_deliveries_due(now=timezone.now(), limit=limit).values_list(
            "pk", flat=True
        )
    )
    deliveries_enqueue(ids)
    return len(ids)

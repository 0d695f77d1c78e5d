"""Accounts' Celery tasks: thin, ids in, they call services.

`accounts.run_billing` (beat, hourly) brings every account's billing up to
now. `accounts.recalculate_credit_scores` consumes the outbox events that change
an account's behaviour (one task per relay pass, with the pass's event ids);
the nightly beat task fans out every open account in batches of pks.
"""

import logging
import uuid
from collections import defaultdict
from datetime import UTC, datetime, time

from celery import shared_task
from django.utils import timezone

from accounts.credit_score_selectors import open_credit_account_batches
from accounts.models import CreditAccount
from accounts.services.billing import billing_batch_run
from accounts.services.credit_scores import ScoreRequest, credit_scores_recalculate
from accounts.services.payments import payments_settle_due
from issuer.kernel.models import OutboxEvent
from issuer.kernel.task_options import AT_LEAST_ONCE

logger = logging.getLogger(__name__)

SCORED_EVENTS = (
    "payment.received",
    "payment.returned",
    "statement.closed",
    "credit.delinquency_changed",
)
NIGHTLY_TRIGGER = "nightly"
NIGHTLY_BATCH = 500


@shared_task(
    name="accounts.run_billing",
    queue="default",
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def run_billing() -> int:
    """Bring every account's billing up to now; idempotent.

    A cycle closes at the first run after its last day has ended in the
    account's billing time zone, never earlier (docs/billing.md).
    """
    return billing_batch_run(now=timezone.now()).statements


@shared_task(
    name="accounts.settle_payments",
    queue="default",
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def settle_payments() -> int:
    """Make payments past their settlement window spendable; idempotent."""
    return payments_settle_due(as_of=timezone.now())


@shared_task(
    name="accounts.recalculate_credit_scores",
    queue="credit",
    soft_time_limit=60,
    time_limit=90,
    **AT_LEAST_ONCE,
)
def recalculate_credit_scores(event_ids: list[int]) -> int:
    """Rescore the account each event is about, once per event; return how
    many events were scored (or already had been).

    An event whose payload has `as_of` (an ISO date or date-time: a billing
    batch run for another day) is scored as of then.
    """
    events = list(
        OutboxEvent.objects.filter(pk__in=event_ids).values_list(
            "event_id", "type", "aggregate_id", "payload"
        )
    )
    named = {}
    for event_id, event_type, aggregate_id, payload in events:
        public_id = _uuid(payload.get("account_id", aggregate_id))
        if public_id is None:
            logger.warning("event %s (%s) names no account", event_id, event_type)
            continue
        named[event_id] = (public_id, event_type, payload.get("as_of"))
    accounts = dict(
        CreditAccount.objects.filter(
            public_id__in={public_id for public_id, _, _ in named.values()}
        ).values_list("public_id", "pk")
    )
    by_moment: dict[str | None, list[ScoreRequest]] = defaultdict(list)
    for event_id, (public_id, event_type, as_of) in named.items():
        if public_id not in accounts:
            logger.warning("event %s: credit account %s not found", event_id, public_id)
            continue
        by_moment[as_of].append(
            ScoreRequest(
                account_id=accounts[public_id],
                trigger=event_type,
                event_id=str(event_id),
            )
        )
    return sum(
        len(credit_scores_recalculate(requests=requests, as_of=as_of_parse(as_of)))
        for as_of, requests in by_moment.items()
    )


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def as_of_parse(value: str | None) -> datetime | None:
    """An ISO date means the end of that day; a naive date-time means UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        logger.warning("unreadable as_of %r; scoring as of now", value)
        return None
    if len(value) == 10:  # a date alone
        return datetime.combine(
            moment.date(), time.max, tzinfo=timezone.get_current_timezone()
        )
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


@shared_task(
    name="accounts.recalculate_credit_scores_nightly",
    queue="credit",
    soft_time_limit=240,
    time_limit=300,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def recalculate_credit_scores_nightly(
    batch_size: int = NIGHTLY_BATCH, run_date: str | None = None
) -> int:
    """Queue every open account for the night's score, in batches of pks;
    return how many batches were queued. `run_date` (ISO date, default
    today) scores as of the end of that day."""
    run_date = run_date or timezone.localdate().isoformat()
    batches = 0
    for account_ids in open_credit_account_batches(batch_size=batch_size):
        recalculate_account_credit_scores.delay(account_ids, run_date)
        batches += 1
    return batches


@shared_task(
    name="accounts.recalculate_account_credit_scores",
    queue="credit",
    soft_time_limit=120,
    time_limit=150,
    **AT_LEAST_ONCE,
)
def recalculate_account_credit_scores(account_ids: list[int], run_date: str) -> int:
    """Give each account its score of the nightly run of `run_date` (once)."""
    requests = [
        ScoreRequest(
            account_id=account_id,
            trigger=NIGHTLY_TRIGGER,
            event_id=f"{NIGHTLY_TRIGGER}:{run_date}",
        )
        for account_id in account_ids
    ]
    as_of = None if run_date == timezone.localdate().isoformat() else run_date
    return len(credit_scores_recalculate(requests=requests, as_of=as_of_parse(as_of)))

"""Reads for the review queue: the queue itself, its counts, and what an
analyst needs on one case (score, explanation, rules fired, the card's
recent timeline)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from cards.models import Authorization, CardStatusChange
from fraud.models import FraudAlert, ReviewCase, RuleHit

TIMELINE_LENGTH = 25


def review_case_queue(*, analyst: User | None = None) -> QuerySet[ReviewCase]:
    """Cases not yet closed, most urgent and soonest due first.

    With `analyst`, only the cases they hold or could claim.
    """
    cases = ReviewCase.objects.exclude(status=ReviewCase.Status.CLOSED)
    if analyst is not None:
        cases = cases.filter(Q(assigned_to=analyst) | Q(assigned_to__isnull=True))
    return cases.select_related(
        "authorization", "card", "score__model_version", "assigned_to"
    ).order_by("-is_escalated", "priority", "sla_due_at", "pk")


@dataclass(frozen=True)
class QueueCounts:
    open: int
    in_review: int
    escalated: int
    overdue: int
    closed_today: int


def review_case_counts(*, now: datetime | None = None) -> QueueCounts:
    """How many cases wait, are being worked, are escalated or overdue, in one query."""
    now = now or timezone.now()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    not_closed = ~Q(status=ReviewCase.Status.CLOSED)
    counts = ReviewCase.objects.aggregate(
        open=Count("pk", filter=Q(status=ReviewCase.Status.OPEN)),
        in_review=Count("pk", filter=Q(status=ReviewCase.Status.IN_REVIEW)),
        escalated=Count("pk", filter=not_closed & Q(is_escalated=True)),
        overdue=Count("pk", filter=not_closed & Q(sla_due_at__lt=now)),
        closed_today=Count(
            "pk",
            filter=Q(status=ReviewCase.Status.CLOSED, closed_at__gte=start_of_day),
        ),
    )
    return QueueCounts(**counts)


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    text: str
    authorization: Authorization | None = None


def card_timeline(*, card_id: int, limit: int = TIMELINE_LENGTH) -> list[TimelineItem]:
    """The card's latest authorizations, status changes and alerts, newest first."""
    items = [
        TimelineItem(
            at=authorization.created_at,
            kind="authorization",
            text=(
                f"{authorization.status} {authorization.response_code} · "
                f"{authorization.merchant_name or authorization.merchant_id} "
                f"({authorization.mcc}, {authorization.merchant_country}, "
                f"{authorization.channel})"
            ),
            authorization=authorization,
        )
        for authorization in Authorization.objects.filter(card_id=card_id).order_by(
            "-created_at", "-pk"
        )[:limit]
    ]
    items += [
        TimelineItem(
            at=change.created_at,
            kind="status",
            text=(
                f"{change.from_status or 'new'} → {change.to_status} "
                f"({change.get_reason_display()}, {change.get_channel_display()})"
            ),
        )
        for change in CardStatusChange.objects.filter(card_id=card_id).order_by(
            "-created_at", "-pk"
        )[:limit]
    ]
    items += [
        TimelineItem(
            at=alert.answered_at or alert.created_at,
            kind="alert",
            text=f"“Was this you?” {alert.get_status_display()}",
        )
        for alert in FraudAlert.objects.filter(card_id=card_id).order_by(
            "-created_at", "-pk"
        )[:limit]
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def review_case_rule_hits(*, case: ReviewCase) -> QuerySet[RuleHit]:
    """The rules that matched the case's authorization (shadow ones too)."""
    return (
        RuleHit.objects.filter(authorization_id=case.authorization_id)
        .select_related("rule")
        .order_by("is_shadow", "rule__name")
    )

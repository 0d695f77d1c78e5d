"""Reads for the dashboards: each panel is a few aggregate queries bucketed in
SQL (Trunc and ExtractHour, the same on SQLite and MariaDB, in UTC), so
the number of queries does not grow with the traffic (labelled
authorizations, a small share of it, are read LABELS_PER_QUERY to a query);
`arithmetic` turns the counts into rates, model quality and money.

The panels read the replica when one is configured (`reporting_rows`, see
issuer/kernel/db_router.py): a few seconds of replication lag do not matter
on a chart, and their scans stay off the primary that authorizes. The
impact assumptions staff edit are read on the primary, so the page shows
what was just saved.

Labels are fraud's history rows of live authorizations (`source=live`,
`transaction_id` "auth-<authorization UUID>"): analysts' verdicts,
cardholders' answers and any later label all land there.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractHour, Trunc

from cards.models import Authorization
from fraud.dashboards import arithmetic
from fraud.dashboards.models import SINGLETON_PK, ImpactAssumptions
from fraud.models import (
    FraudAction,
    FraudScore,
    HistoricalTransaction,
    ModelVersion,
    ReviewCase,
)
from fraud.scoring.model import HIGH, TIERS
from issuer.kernel.db_router import reporting_rows
from issuer.kernel.errors import InvalidInput

WINDOWS: dict[str, tuple[timedelta, str, str]] = {
    "1h": (timedelta(hours=1), "minute", "Last hour"),
    "24h": (timedelta(hours=24), "hour", "Last 24 hours"),
    "7d": (timedelta(days=7), "day", "Last 7 days"),
    "30d": (timedelta(days=30), "day", "Last 30 days"),
}
DEFAULT_WINDOW = "24h"
LATEST_AUTHORIZATIONS = 20
# Fraud scores crowd near 0 (fraud is rare): bins widen by about 3x each.
HISTOGRAM_EDGES = (0.0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
# Actions that touch the cardholder or the card; a flag only draws attention.
ACTING_KINDS = (
    FraudAction.Kind.ASK_CARDHOLDER,
    FraudAction.Kind.OPEN_CASE,
    FraudAction.Kind.FREEZE_CARD,
    FraudAction.Kind.DECLINE_NEXT,
)
LIVE_PREFIX = "auth-"  # fraud.services.live.live_transaction_id
LABELS_PER_QUERY = 5_000


@dataclass(frozen=True)
class DashboardWindow:
    key: str
    label: str
    unit: str
    buckets: list[datetime]

    @property
    def start(self) -> datetime:
        return self.buckets[0]

    @property
    def end(self) -> datetime:
        return self.buckets[-1] + arithmetic.STEPS[self.unit]

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "start": self.start,
            "end": self.end,
            "buckets": self.buckets,
            "labels": [arithmetic.bucket_label(b, self.unit) for b in self.buckets],
        }


def dashboard_window(*, key: str | None, now: datetime) -> DashboardWindow:
    """The window a dashboard shows: `key` one of WINDOWS, ending now."""
    key = key or DEFAULT_WINDOW
    if key not in WINDOWS:
        raise InvalidInput.for_field("window", f"Choose one of {', '.join(WINDOWS)}.")
    span, unit, label = WINDOWS[key]
    buckets = arithmetic.bucket_starts(end=now, span=span, unit=unit)
    return DashboardWindow(key=key, label=label, unit=unit, buckets=buckets)


def _bucket(field: str, window: DashboardWindow) -> Trunc:
    return Trunc(field, window.unit, tzinfo=UTC)


def _bucketed_counts(
    rows: QuerySet[Any], field: str, window: DashboardWindow
) -> dict[datetime, int]:
    counted = (
        rows.annotate(bucket=_bucket(field, window))
        .values("bucket")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["bucket"]: row["count"] for row in counted}


def _authorizations(window: DashboardWindow) -> QuerySet[Authorization]:
    return reporting_rows(Authorization).filter(
        created_at__gte=window.start, created_at__lt=window.end
    )


def _live_history(window: DashboardWindow) -> QuerySet[HistoricalTransaction]:
    return reporting_rows(HistoricalTransaction).filter(
        source=HistoricalTransaction.Source.LIVE,
        timestamp__gte=window.start,
        timestamp__lt=window.end,
    )


def _labels(window: DashboardWindow) -> dict[bool, list[UUID]]:
    """The UUIDs of the window's labelled live authorizations, by label
    (one index range scan; labelled rows are few beside the traffic)."""
    by_label: dict[bool, list[UUID]] = {True: [], False: []}
    rows = (
        _live_history(window)
        .filter(is_fraud__isnull=False)
        .order_by()
        .values_list("transaction_id", "is_fraud")
    )
    for transaction_id, is_fraud in rows:
        try:
            by_label[bool(is_fraud)].append(
                UUID(transaction_id.removeprefix(LIVE_PREFIX))
            )
        except ValueError:
            continue  # not a live authorization's id
    return by_label


def _chunks(ids: list[UUID]) -> Iterator[list[UUID]]:
    for start in range(0, len(ids), LABELS_PER_QUERY):
        yield ids[start : start + LABELS_PER_QUERY]


# Overview ---------------------------------------------------------------


def authorizations_latest(*, limit: int = LATEST_AUTHORIZATIONS) -> list[dict]:
    """The newest authorizations with the active model's score and tier."""
    active = FraudScore.objects.filter(
        authorization=OuterRef("pk"), is_shadow=False
    ).order_by("-scored_at", "-pk")
    rows = (
        reporting_rows(Authorization)
        .order_by("-created_at", "-pk")
        .annotate(
            score=Subquery(active.values("score")[:1]),
            tier=Subquery(active.values("tier")[:1]),
        )
        .values(
            "public_id",
            "created_at",
            "card__last_four",
            "merchant_name",
            "merchant_id",
            "amount",
            "currency",
            "status",
            "response_code",
            "score",
            "tier",
        )[:limit]
    )
    return [
        {
            "id": row["public_id"],
            "created_at": row["created_at"],
            "card_last_four": row["card__last_four"] or "",
            "merchant": row["merchant_name"] or row["merchant_id"],
            "amount": row["amount"],
            "currency": row["currency"],
            "status": row["status"],
            "response_code": row["response_code"],
            "score": row["score"],
            "tier": row["tier"],
        }
        for row in rows
    ]


def authorization_volume(*, window: DashboardWindow) -> dict[str, Any]:
    """Approved and declined authorizations and confirmed fraud per bucket,
    with the decline and fraud rates (fraud among all authorizations)."""
    by_status: dict[str, dict[datetime, int]] = defaultdict(dict)
    rows = (
        _authorizations(window)
        .annotate(bucket=_bucket("created_at", window))
        .values("bucket", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        by_status[row["status"]][row["bucket"]] = row["count"]
    buckets = window.buckets
    approved = arithmetic.series(buckets, by_status[Authorization.Status.APPROVED])
    declined = arithmetic.series(buckets, by_status[Authorization.Status.DECLINED])
    fraud = arithmetic.series(
        buckets,
        _bucketed_counts(
            _live_history(window).filter(is_fraud=True), "timestamp", window
        ),
    )
    totals = [a + d for a, d in zip(approved, declined, strict=True)]
    total = sum(totals)
    return {
        "totals": {
            "authorizations": total,
            "approved": sum(approved),
            "declined": sum(declined),
            "decline_rate": arithmetic.rate(sum(declined), total),
            "confirmed_fraud": sum(fraud),
            "fraud_rate": arithmetic.rate(sum(fraud), total),
        },
        "approved": approved,
        "declined": declined,
        "decline_rate": arithmetic.rates(declined, totals),
        "fraud": fraud,
        "fraud_rate": arithmetic.rates(fraud, totals),
    }


def _active_scores(window: DashboardWindow) -> QuerySet[FraudScore]:
    return reporting_rows(FraudScore).filter(
        is_shadow=False,
        authorization__created_at__gte=window.start,
        authorization__created_at__lt=window.end,
    )


def tier_distribution(*, window: DashboardWindow) -> dict[str, Any]:
    """Scores by the model that acts on them, per tier, low to critical."""
    counts = dict(
        _active_scores(window)
        .values("tier")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("tier", "count")
    )
    return {"tiers": list(TIERS), "counts": [counts.get(tier, 0) for tier in TIERS]}


def score_histogram(
    *, window: DashboardWindow, edges: tuple[float, ...] = HISTOGRAM_EDGES
) -> dict[str, Any]:
    """Active scores per bin [edge, next edge); the last bin includes 1."""
    bin_of = Case(
        *(
            When(score__lt=upper, then=Value(number))
            for number, upper in enumerate(edges[1:-1])
        ),
        default=Value(len(edges) - 2),
        output_field=IntegerField(),
    )
    counts = dict(
        _active_scores(window)
        .annotate(bin=bin_of)
        .values("bin")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("bin", "count")
    )
    return {
        "labels": arithmetic.histogram_labels(edges),
        "counts": [counts.get(number, 0) for number in range(len(edges) - 1)],
    }


def fraud_by_hour(*, window: DashboardWindow) -> dict[str, Any]:
    """Authorizations and confirmed fraud by hour of day (UTC), and the rate."""
    totals = dict(
        _authorizations(window)
        .annotate(hour=ExtractHour("created_at", tzinfo=UTC))
        .values("hour")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("hour", "count")
    )
    frauds = dict(
        _live_history(window)
        .filter(is_fraud=True)
        .annotate(hour=ExtractHour("timestamp", tzinfo=UTC))
        .values("hour")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("hour", "count")
    )
    hours = list(range(24))
    authorizations = [totals.get(hour, 0) for hour in hours]
    fraud = [frauds.get(hour, 0) for hour in hours]
    return {
        "hours": hours,
        "authorizations": authorizations,
        "fraud": fraud,
        "fraud_rate": arithmetic.rates(fraud, authorizations),
    }


def queue_health(*, window: DashboardWindow, now: datetime) -> dict[str, Any]:
    """Open and in-review cases, those past their SLA deadline or escalated,
    and cases opened and closed (per analyst, on time or late)."""
    cases = reporting_rows(ReviewCase)
    pending = cases.exclude(status=ReviewCase.Status.CLOSED).aggregate(
        open=Count("pk", filter=Q(status=ReviewCase.Status.OPEN)),
        in_review=Count("pk", filter=Q(status=ReviewCase.Status.IN_REVIEW)),
        overdue=Count("pk", filter=Q(sla_due_at__lt=now)),
        escalated=Count("pk", filter=Q(is_escalated=True)),
        oldest=Min("created_at"),
    )
    closed = cases.filter(
        status=ReviewCase.Status.CLOSED,
        closed_at__gte=window.start,
        closed_at__lt=window.end,
    )
    per_analyst = list(
        closed.values("assigned_to__username")
        .annotate(
            closed=Count("pk"),
            late=Count("pk", filter=Q(closed_at__gt=F("sla_due_at"))),
            confirmed_fraud=Count(
                "pk", filter=Q(outcome=ReviewCase.Outcome.CONFIRMED_FRAUD)
            ),
            legitimate=Count("pk", filter=Q(outcome=ReviewCase.Outcome.LEGITIMATE)),
            inconclusive=Count("pk", filter=Q(outcome=ReviewCase.Outcome.INCONCLUSIVE)),
        )
        .order_by("-closed", "assigned_to__username")
    )
    opened = _bucketed_counts(
        cases.filter(created_at__gte=window.start, created_at__lt=window.end),
        "created_at",
        window,
    )
    closed_per_bucket = _bucketed_counts(closed, "closed_at", window)

    def total(key: str) -> int:
        return sum(row[key] for row in per_analyst)

    return {
        "open": pending["open"],
        "in_review": pending["in_review"],
        "overdue": pending["overdue"],
        "escalated": pending["escalated"],
        "oldest_pending_at": pending["oldest"],
        "opened": sum(opened.values()),
        "closed": total("closed"),
        "closed_late": total("late"),
        "outcomes": {
            "confirmed_fraud": total("confirmed_fraud"),
            "legitimate": total("legitimate"),
            "inconclusive": total("inconclusive"),
        },
        "opened_series": arithmetic.series(window.buckets, opened),
        "closed_series": arithmetic.series(window.buckets, closed_per_bucket),
        "throughput": [
            {
                "analyst": row["assigned_to__username"] or "(unassigned)",
                "closed": row["closed"],
                "late": row["late"],
            }
            for row in per_analyst
        ],
    }


# Model performance --------------------------------------------------------


def _version_json(version: ModelVersion) -> dict[str, Any]:
    return {
        "id": version.public_id,
        "name": f"{version.kind} {str(version.public_id)[:8]}",
        "kind": version.kind,
        "status": version.status,
        "thresholds": version.tier_thresholds,
        "expected": expected_tier_volumes(version=version),
    }


def expected_tier_volumes(*, version: ModelVersion) -> dict[str, dict[str, float]]:
    """Per tier, what training expects at or above its threshold: transactions
    a day and the precision there (on the most recent validation window)."""
    report = version.metrics.get("tiers", {})
    return {
        tier: {
            "per_day": figures["per_day"],
            "precision": figures.get("precision", 0.0),
        }
        for tier, figures in report.items()
        if "per_day" in figures
    }


def _quality_json(quality: arithmetic.ModelQuality) -> dict[str, Any]:
    return {
        "labelled": quality.labelled,
        "frauds": quality.frauds,
        "average_precision": quality.average_precision,
        "at_thresholds": [
            {
                "tier": point.tier,
                "threshold": point.threshold,
                "flagged": point.flagged,
                "true_positives": point.true_positives,
                "precision": point.precision,
                "recall": point.recall,
            }
            for point in quality.at_thresholds
        ],
    }


def model_performance(*, window: DashboardWindow) -> dict[str, Any]:
    """Each version's quality on the window's labelled authorizations:
    precision and recall at its tier thresholds and AP, overall and per
    bucket; the active version and those in shadow are always listed."""
    labelled: dict[int, dict[datetime | None, tuple[list, list]]] = defaultdict(
        lambda: defaultdict(lambda: ([], []))
    )
    for is_fraud, ids in _labels(window).items():
        for chunk in _chunks(ids):
            rows = (
                reporting_rows(FraudScore)
                .filter(
                    authorization__public_id__in=chunk,
                    authorization__created_at__gte=window.start,
                    authorization__created_at__lt=window.end,
                )
                .annotate(bucket=_bucket("authorization__created_at", window))
                .order_by()
                .values_list("model_version_id", "bucket", "score")
            )
            for version_id, bucket, score in rows:
                for key in (None, bucket):  # None: the whole window
                    labels, scores = labelled[version_id][key]
                    labels.append(is_fraud)
                    scores.append(score)
    versions = reporting_rows(ModelVersion).filter(
        Q(pk__in=list(labelled))
        | Q(status__in=[ModelVersion.Status.ACTIVE, ModelVersion.Status.SHADOW])
    )
    order: dict[str, int] = {
        ModelVersion.Status.ACTIVE: 0,
        ModelVersion.Status.SHADOW: 1,
    }
    result = []
    for version in sorted(
        versions, key=lambda v: (order.get(v.status, 2), -v.created_at.timestamp())
    ):
        per_bucket = labelled.get(version.pk, {})
        qualities = {
            key: _quality(per_bucket.get(key), version.tier_thresholds)
            for key in [None, *window.buckets]
        }
        result.append(
            {
                **_version_json(version),
                **_quality_json(qualities[None]),
                "series": _quality_series(
                    [qualities[bucket] for bucket in window.buckets]
                ),
            }
        )
    return {"versions": result}


def _quality(
    samples: tuple[list[bool], list[float]] | None, thresholds: dict[str, float]
) -> arithmetic.ModelQuality:
    labels, scores = samples or ([], [])
    return arithmetic.model_quality(labels=labels, scores=scores, thresholds=thresholds)


def _quality_series(series: list[arithmetic.ModelQuality]) -> dict[str, list]:
    return {
        "labelled": [point.labelled for point in series],
        "average_precision": [point.average_precision for point in series],
        "precision_at_high": [_at(point, HIGH, "precision") for point in series],
        "recall_at_high": [_at(point, HIGH, "recall") for point in series],
    }


def _at(quality: arithmetic.ModelQuality, tier: str, measure: str) -> float | None:
    for point in quality.at_thresholds:
        if point.tier == tier:
            value: float | None = getattr(point, measure)
            return value
    return None


# Business impact ------------------------------------------------------------


def impact_assumptions_get() -> ImpactAssumptions:
    """The stored assumptions, or the defaults when none are stored."""
    stored = ImpactAssumptions.objects.select_related("updated_by")
    return stored.filter(pk=SINGLETON_PK).first() or (ImpactAssumptions())


def _impact_counts(
    rows: Iterable[dict[str, Any]], cases_opened: int
) -> arithmetic.ImpactCounts:
    caught = caught_amount = missed = missed_amount = false_positives = 0
    for row in rows:
        if row["is_fraud"] and row["acted"]:
            caught += row["count"]
            caught_amount += row["amount"]
        elif row["is_fraud"] and row["status"] == Authorization.Status.APPROVED:
            missed += row["count"]
            missed_amount += row["amount"]
        elif not row["is_fraud"] and row["acted"]:
            false_positives += row["count"]
    return arithmetic.ImpactCounts(
        caught_fraud=caught,
        caught_fraud_amount=caught_amount,
        missed_fraud=missed,
        missed_fraud_amount=missed_amount,
        false_positives=false_positives,
        cases_opened=cases_opened,
    )


def business_impact(
    *, window: DashboardWindow, assumptions: ImpactAssumptions
) -> dict[str, Any]:
    """Fraud prevented, losses, review and false-positive cost under the
    assumptions, over the window and per bucket (see `arithmetic.impact`)."""
    rows: list[dict[str, Any]] = []
    for is_fraud, ids in _labels(window).items():
        for chunk in _chunks(ids):
            grouped = (
                _authorizations(window)
                .filter(public_id__in=chunk)
                .annotate(
                    acted=Exists(
                        FraudAction.objects.filter(
                            authorization=OuterRef("pk"), kind__in=ACTING_KINDS
                        )
                    ),
                    bucket=_bucket("created_at", window),
                )
                .values("bucket", "currency", "status", "acted")
                .annotate(count=Count("pk"), amount=Sum("amount"))
                .order_by()
            )
            rows.extend({**row, "is_fraud": is_fraud} for row in grouped)
    in_currency = [row for row in rows if row["currency"] == assumptions.currency]
    cases = _bucketed_counts(
        reporting_rows(ReviewCase).filter(
            created_at__gte=window.start, created_at__lt=window.end
        ),
        "created_at",
        window,
    )
    figures = arithmetic.Assumptions(
        currency=assumptions.currency,
        review_cost_per_case=assumptions.review_cost_per_case,
        false_positive_cost=assumptions.false_positive_cost,
        chargeback_recovery_basis_points=assumptions.chargeback_recovery_basis_points,
    )
    counts = _impact_counts(in_currency, sum(cases.values()))
    per_bucket = [
        arithmetic.impact(
            counts=_impact_counts(
                (row for row in in_currency if row["bucket"] == bucket),
                cases.get(bucket, 0),
            ),
            assumptions=figures,
        )
        for bucket in window.buckets
    ]
    return {
        "counts": counts,
        "totals": arithmetic.impact(counts=counts, assumptions=figures),
        "series": per_bucket,
        "other_currency_transactions": sum(
            row["count"] for row in rows if row["currency"] != assumptions.currency
        ),
    }

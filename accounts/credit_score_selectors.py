"""Reads for credit scoring: the scorecard's inputs and the limit review's facts.

Both read many accounts in a fixed number of queries (two for the inputs,
one for the review facts), so scoring one account after an event and
scoring a nightly batch of hundreds cost the same number of round trips.
"""

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.limit_policy import Direction
from accounts.models import CreditAccount, CreditLimitProposal, CreditScore, Payment
from accounts.models.billing import Statement
from accounts.scorecard import ScoreInputs, utilisation_bps
from ledger.models import LedgerBalance, Posting, Side

PAYMENT_HISTORY_DAYS = 365
PAID_IN_FULL_STATEMENTS = 6
RECENT_ACTIVITY_DAYS = 30
OPEN_STATUSES = (CreditAccount.Status.ACTIVE, CreditAccount.Status.SUSPENDED)


@dataclass(frozen=True)
class AccountScoreInputs:
    """One account's scorecard inputs, with the account facts read beside them."""

    account_id: int
    status: str
    currency: str
    credit_limit: int
    owed: int
    delinquent_since: date | None
    inputs: ScoreInputs


def credit_score_inputs(
    *, account_ids: Collection[int], as_of: datetime
) -> dict[int, AccountScoreInputs]:
    """The scorecard's inputs of each account as of `as_of`, by account pk.

    Two queries whatever the number of accounts: the accounts with their
    balance, returned payments and recent purchases; then their assessed
    statements due in the last 12 months. An account without statements or
    payments (a new one) simply has none.
    """
    if not account_ids:
        return {}
    today = timezone.localdate(as_of)
    history = _statement_history(account_ids=account_ids, today=today)
    inputs = {}
    for row in _account_rows(account_ids=account_ids, as_of=as_of):
        statements = history.get(row["pk"], [])
        owed = int(row["owed"])
        with_minimum = [s for s in statements if s.minimum_payment > 0]
        billed = [s for s in statements if s.new_balance > 0][:PAID_IN_FULL_STATEMENTS]
        delinquent_since = row["delinquent_since"]
        inputs[row["pk"]] = AccountScoreInputs(
            account_id=row["pk"],
            status=row["status"],
            currency=row["currency"],
            credit_limit=row["credit_limit"],
            owed=owed,
            delinquent_since=delinquent_since,
            inputs=ScoreInputs(
                utilisation_bps=utilisation_bps(
                    owed=owed, credit_limit=row["credit_limit"]
                ),
                on_time_payments_12m=sum(s.is_minimum_met for s in with_minimum),
                missed_payments_12m=sum(not s.is_minimum_met for s in with_minimum),
                days_past_due=days_past_due(
                    delinquent_since=delinquent_since, today=today
                ),
                account_age_months=months_between(
                    timezone.localdate(row["opened_at"]), today
                ),
                billed_statements_6=len(billed),
                paid_in_full_6=sum(s.paid_by_due_date >= s.new_balance for s in billed),
                returned_payments_12m=int(row["returned_payments"]),
                purchases_30d=int(row["purchases"]),
            ),
        )
    return inputs


@dataclass(frozen=True)
class _AssessedStatement:
    new_balance: int
    minimum_payment: int
    is_minimum_met: bool
    paid_by_due_date: int


def _statement_history(
    *, account_ids: Collection[int], today: date
) -> dict[int, list[_AssessedStatement]]:
    """Assessed statements due in the last 12 months, newest first, by account."""
    rows = (
        Statement.objects.filter(
            account_id__in=account_ids,
            due_date__gt=today - timedelta(days=PAYMENT_HISTORY_DAYS),
            due_date__lte=today,
            assessment__isnull=False,
        )
        .order_by("account_id", "-period_end")
        .values_list(
            "account_id",
            "new_balance",
            "minimum_payment",
            "assessment__is_minimum_met",
            "assessment__paid_by_due_date",
        )
    )
    history: dict[int, list[_AssessedStatement]] = {}
    for account_id, new_balance, minimum, is_met, paid in rows:
        history.setdefault(account_id, []).append(
            _AssessedStatement(new_balance, minimum, bool(is_met), paid)
        )
    return history


def _account_rows(*, account_ids: Collection[int], as_of: datetime):  # type: ignore[no-untyped-def]
    owed = (
        LedgerBalance.objects.filter(account_id=OuterRef("receivable_id"))
        .values("account_id")
        .annotate(
            total=Sum(
                F("debits_posted")
                - F("credits_posted")
                + F("debits_pending")
                - F("credits_pending")
            )
        )
        .values("total")[:1]
    )
    returned = (
        Payment.objects.filter(
            account_id=OuterRef("pk"),
            status=Payment.Status.RETURNED,
            returned_at__gt=as_of - timedelta(days=PAYMENT_HISTORY_DAYS),
            returned_at__lte=as_of,
        )
        .values("account_id")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    purchases = (
        Posting.objects.filter(
            account_id=OuterRef("receivable_id"),
            side=Side.DEBIT,
            effective_at__gt=as_of - timedelta(days=RECENT_ACTIVITY_DAYS),
            effective_at__lte=as_of,
            entry__kind="purchase",
        )
        .values("account_id")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    return (
        CreditAccount.objects.filter(pk__in=account_ids)
        .annotate(
            owed=Coalesce(Subquery(owed, output_field=BigIntegerField()), 0),
            returned_payments=Coalesce(
                Subquery(returned, output_field=IntegerField()), 0
            ),
            purchases=Coalesce(Subquery(purchases, output_field=IntegerField()), 0),
        )
        .values(
            "pk",
            "status",
            "currency",
            "credit_limit",
            "opened_at",
            "delinquent_since",
            "owed",
            "returned_payments",
            "purchases",
        )
    )


def days_past_due(*, delinquent_since: date | None, today: date) -> int:
    """Days since the oldest unpaid due date; at least 1 while one is unpaid."""
    if delinquent_since is None:
        return 0
    return max((today - delinquent_since).days, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (0 when `end` is not after it)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class LimitReviewFacts:
    """What the limit review needs beyond the score: the last review's score,
    the pending proposal's direction, and whether a decrease was already
    proposed since the account fell behind."""

    reference_score: int | None
    pending_direction: Direction | None
    is_delinquency_decrease_proposed: bool


def limit_review_facts(*, account_ids: Collection[int]) -> dict[int, LimitReviewFacts]:
    """The limit review's facts of each account, by pk (one query, plus one
    per account whose last proposal carries no score)."""
    if not account_ids:
        return {}
    latest = CreditLimitProposal.objects.filter(account_id=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    first_score = CreditScore.objects.filter(account_id=OuterRef("pk")).order_by(
        "computed_at", "pk"
    )
    decrease_since_delinquent = CreditLimitProposal.objects.filter(
        account_id=OuterRef("pk"),
        proposed_limit__lt=F("current_limit"),
        created_at__date__gte=OuterRef("delinquent_since"),
    )
    rows = (
        CreditAccount.objects.filter(pk__in=account_ids)
        .annotate(
            last_created_at=Subquery(latest.values("created_at")[:1]),
            last_status=Subquery(latest.values("status")[:1]),
            last_current_limit=Subquery(latest.values("current_limit")[:1]),
            last_proposed_limit=Subquery(latest.values("proposed_limit")[:1]),
            last_score=Subquery(latest.values("score__score")[:1]),
            first_score=Subquery(first_score.values("score")[:1]),
            decreased=Exists(decrease_since_delinquent),
        )
        .values(
            "pk",
            "last_created_at",
            "last_status",
            "last_current_limit",
            "last_proposed_limit",
            "last_score",
            "first_score",
            "decreased",
        )
    )
    facts = {}
    for row in rows:
        if row["last_created_at"] is None:
            reference = row["first_score"]
        elif row["last_score"] is not None:
            reference = row["last_score"]
        else:  # a proposal made without a score: the score current at the time
            reference = (
                CreditScore.objects.filter(
                    account_id=row["pk"], computed_at__lte=row["last_created_at"]
                )
                .order_by("-computed_at", "-pk")
                .values_list("score", flat=True)
                .first()
            )
        pending = None
        if row["last_status"] == CreditLimitProposal.Status.PENDING:
            pending = (
                Direction.INCREASE
                if row["last_proposed_limit"] > row["last_current_limit"]
                else Direction.DECREASE
            )
        facts[row["pk"]] = LimitReviewFacts(
            reference_score=reference,
            pending_direction=pending,
            is_delinquency_decrease_proposed=bool(row["decreased"]),
        )
    return facts


def open_credit_account_batches(*, batch_size: int) -> Iterator[list[int]]:
    """Pks of every open (active or suspended) account, in batches, by pk."""
    last = 0
    while True:
        batch = list(
            CreditAccount.objects.filter(pk__gt=last, status__in=OPEN_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]

"""Fraud alerts, transactions and disputes of one cardholder."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Cardholder
from cards.models import Authorization, Capture, Dispute, Refund
from fraud.models import FraudAlert
from ledger.models import LedgerHold
from portal.selectors import cardholder_authorizations

# What a cardholder can do about each decline, by ISO 8583 response code.
DECLINE_NEXT_STEPS = {
    "14": "Check the card number you typed, or use the card in your wallet.",
    "46": "This card is closed. Use your replacement card.",
    "62": "Unfreeze or activate the card from its page, then try again.",
    "54": "Check the expiry date; if the card has expired, use your new card.",
    "N7": "Check the 3-digit code on the back of the card and try again.",
    "57": "Change the card's spending controls if you want to allow this.",
    "61": "Wait for the limit to reset or raise it in the spending controls.",
    "65": "Wait a few minutes before trying again.",
    "59": "Answer the fraud alert on your Alerts page; the card works again "
    "once you confirm it was you.",
    "51": "Make a payment to free up credit, then try again.",
}


def cardholder_pending_alerts(*, cardholder: Cardholder) -> QuerySet[FraudAlert]:
    """ "Was this you?" questions still waiting for the cardholder."""
    return (
        FraudAlert.objects.filter(
            card__account__cardholder=cardholder, status=FraudAlert.Status.PENDING
        )
        .select_related("authorization", "card")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class TransactionFilter:
    merchant: str = ""
    status: str = ""
    card_id: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def cardholder_transactions(
    *, cardholder: Cardholder, filters: TransactionFilter
) -> QuerySet[Authorization]:
    """The cardholder's authorizations matching `filters` (dates in UTC, inclusive)."""
    found = cardholder_authorizations(cardholder=cardholder)
    if filters.merchant:
        found = found.filter(merchant_name__icontains=filters.merchant)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.card_id:
        found = found.filter(card__public_id=filters.card_id)
    if filters.date_from:
        found = found.filter(
            created_at__gte=datetime.datetime.combine(
                filters.date_from, datetime.time.min, tzinfo=datetime.UTC
            )
        )
    if filters.date_to:
        found = found.filter(
            created_at__lt=datetime.datetime.combine(
                filters.date_to + datetime.timedelta(days=1),
                datetime.time.min,
                tzinfo=datetime.UTC,
            )
        )
    return found


@dataclass(frozen=True)
class TimelineStep:
    at: datetime.datetime
    label: str
    amount: int


def authorization_timeline(*, authorization: Authorization) -> list[TimelineStep]:
    """Authorized, then each capture and refund in time order, then what is
    still held, reversed or expired."""
    steps = [
        TimelineStep(
            at=authorization.created_at,
            label="Authorized"
            if authorization.status == Authorization.Status.APPROVED
            else "Declined",
            amount=authorization.amount,
        )
    ]
    moves: list[TimelineStep] = [
        TimelineStep(at=capture.created_at, label="Captured", amount=capture.amount)
        for capture in Capture.objects.filter(authorization=authorization)
    ] + [
        TimelineStep(at=refund.created_at, label="Refunded", amount=refund.amount)
        for refund in Refund.objects.filter(authorization=authorization)
    ]
    steps += sorted(moves, key=lambda step: step.at)
    hold = authorization.hold
    if hold is None:
        return steps
    last = steps[-1].at
    if hold.status == LedgerHold.Status.EXPIRED:
        steps.append(
            TimelineStep(
                at=hold.closed_at or last,
                label="Expired",
                amount=authorization.amount - authorization.captured_amount,
            )
        )
    elif authorization.reversed_amount:
        steps.append(
            TimelineStep(
                at=hold.closed_at or last,
                label="Reversed",
                amount=authorization.reversed_amount,
            )
        )
    return steps


def cardholder_captures(*, cardholder: Cardholder) -> QuerySet[Capture]:
    return Capture.objects.filter(card__account__cardholder=cardholder).select_related(
        "authorization", "card"
    )


def cardholder_disputes(*, cardholder: Cardholder) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(account__cardholder=cardholder)
        .select_related("capture", "capture__authorization", "capture__card")
        .order_by("-filed_at", "-pk")
    )

"""Outcomes of fraud decisions become labels: the cardholder's answer to
"was this you?" and an analyst's verdict on a review case. Each labels the
authorization's live history row, and moves the card: a genuine answer lifts
a fraud freeze; fraud closes the card as compromised and orders a new one.

Confirmed fraud also marks the captures of the case's authorization and of
the transactions attached to it for dispute. The queue work before a
verdict (claim, assign, notes, escalation) is in `fraud.services.cases`.
"""

from datetime import datetime

from django.utils import timezone

from accounts.models import User
from cards.models import Authorization, Card, CardStatusChange
from cards.services.disputes import captures_fraud_dispute_mark
from cards.services.lifecycle import (
    Actor,
    card_fraud_freeze_release,
    card_replace,
)
from fraud.models import FraudAlert, ReviewCase, ReviewCaseTransaction
from fraud.services.cases import ASSIGN_PERMISSION, WORK_PERMISSION
from fraud.services.history import historical_transaction_label
from fraud.services.live import live_transaction_record
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import Conflict, Forbidden, InvalidInput
from issuer.kernel.outbox import event_publish

CASE_LABELS: dict[str, bool | None] = {
    ReviewCase.Outcome.CONFIRMED_FRAUD: True,
    ReviewCase.Outcome.LEGITIMATE: False,
    ReviewCase.Outcome.INCONCLUSIVE: None,
}


def _label(
    *, authorization: Authorization, is_fraud: bool, label_time: datetime
) -> None:
    record = live_transaction_record(authorization=authorization)
    historical_transaction_label(
        transaction_id=record.transaction_id, is_fraud=is_fraud, label_time=label_time
    )


def _card_release(*, card_id: int, actor: Actor, case_id: str = "") -> None:
    """Clear the review flag; a review case decided legitimate (`case_id`)
    also lifts fraud detection's freeze. A cardholder's answer to an alert
    lifts no freeze: fraud's freeze is lifted only by fraud's side (see
    `cards.services.lifecycle.LIFT_RULES`), and any other owner's stays."""
    card = Card.objects.select_related("account__cardholder").get(pk=card_id)
    is_fraud_frozen = (
        card.status == Card.Status.FROZEN and card.block_owner == Card.BlockOwner.FRAUD
    )
    if is_fraud_frozen and not case_id:
        return  # the analyst deciding the case lifts it, and the review
    if is_fraud_frozen:
        card_fraud_freeze_release(card=card, actor=actor, case_id=case_id)
    Card.objects.filter(pk=card_id).update(is_under_fraud_review=False)


def _card_compromised(*, card_id: int, actor: Actor) -> None:
    """Close the card as compromised and order its replacement (once)."""
    card = Card.objects.select_related("account", "product").get(pk=card_id)
    if hasattr(card, "replaced_by"):
        return  # an earlier decision already replaced it
    card_replace(card=card, reason=CardStatusChange.Reason.COMPROMISED, actor=actor)


@atomic_with_retry
def fraud_alert_answer(
    *, alert: FraudAlert, was_cardholder: bool, actor_user: User | None = None
) -> FraudAlert:
    """Record the cardholder's answer to "was this you?", once.

    The answer labels the transaction (fraud when it was not the
    cardholder); "it was me" lifts a fraud freeze and the review flag, "not
    me" closes the card as compromised and orders a replacement.
    """
    locked = (
        FraudAlert.objects.select_for_update()
        .select_related("authorization__card")
        .get(pk=alert.pk)
    )
    if locked.status != FraudAlert.Status.PENDING:
        raise Conflict(
            "This alert was already answered.",
            fields={"status": [f"The alert is {locked.status}."]},
        )
    now = timezone.now()
    locked.status = (
        FraudAlert.Status.GENUINE if was_cardholder else FraudAlert.Status.FRAUD
    )
    locked.answered_at = now
    locked.save(update_fields=["status", "answered_at"])
    authorization = locked.authorization
    _label(authorization=authorization, is_fraud=not was_cardholder, label_time=now)
    actor = Actor(
        channel=CardStatusChange.Channel.PORTAL
        if actor_user
        else CardStatusChange.Channel.SYSTEM,
        user=actor_user,
    )
    if was_cardholder:
        _card_release(card_id=locked.card_id, actor=actor)
    else:
        _card_compromised(card_id=locked.card_id, actor=actor)
    event_publish(
        type="fraud.alert_answered",
        aggregate_type="card",
        aggregate_id=str(locked.card.public_id),
        payload={
            "authorization_id": str(authorization.public_id),
            "card_id": str(locked.card.public_id),
            "was_cardholder": was_cardholder,
        },
    )
    alert.status, alert.answered_at = locked.status, locked.answered_at
    return alert


@atomic_with_retry
def review_case_close(
    *, case: ReviewCase, outcome: str, reason: str, analyst: User
) -> ReviewCase:
    """Decide a case: its outcome becomes the transaction's label.

    Confirmed fraud labels it and the transactions attached to the case
    fraud, marks their captures for dispute and closes and replaces the card;
    legitimate labels it genuine and lifts a fraud freeze and the review
    flag; inconclusive records no label and leaves the card as it is.
    """
    if outcome not in CASE_LABELS:
        raise InvalidInput.for_field(
            "outcome", f"Choose one of {list(ReviewCase.Outcome.values)}."
        )
    reason = reason.strip()
    if not reason:
        raise InvalidInput.for_field("reason", "Say why.")
    if not analyst.has_perm(WORK_PERMISSION):
        raise Forbidden("Only fraud analysts decide review cases.")
    locked = (
        ReviewCase.objects.select_for_update()
        .select_related("authorization__card", "card")
        .get(pk=case.pk)
    )
    if locked.status == ReviewCase.Status.CLOSED:
        raise Conflict(
            "This case is already closed.",
            fields={"status": [f"Closed as {locked.outcome}."]},
        )
    if locked.assigned_to_id not in (None, analyst.pk) and not analyst.has_perm(
        ASSIGN_PERMISSION
    ):
        raise Forbidden("This case is assigned to another analyst.")
    now = timezone.now()
    locked.status = ReviewCase.Status.CLOSED
    locked.outcome = outcome
    locked.outcome_reason = reason[:255]
    locked.closed_at = now
    if locked.assigned_to_id is None:
        locked.assigned_to = analyst
    locked.save(
        update_fields=[
            "status",
            "outcome",
            "outcome_reason",
            "closed_at",
            "assigned_to",
        ]
    )
    label = CASE_LABELS[outcome]
    if label is not None:
        _label(authorization=locked.authorization, is_fraud=label, label_time=now)
    actor = Actor(channel=CardStatusChange.Channel.ADMIN, user=analyst)
    if outcome == ReviewCase.Outcome.CONFIRMED_FRAUD:
        attached = Authorization.objects.filter(
            pk__in=ReviewCaseTransaction.objects.filter(case=locked).values(
                "authorization_id"
            )
        )
        for authorization in attached:
            _label(authorization=authorization, is_fraud=True, label_time=now)
        captures_fraud_dispute_mark(
            authorization_ids=[locked.authorization_id, *(a.pk for a in attached)]
        )
        _card_compromised(card_id=locked.card_id, actor=actor)
    elif outcome == ReviewCase.Outcome.LEGITIMATE:
        _card_release(
            card_id=locked.card_id, actor=actor, case_id=str(locked.public_id)
        )
    event_publish(
        type="fraud.case_resolved",
        aggregate_type="review_case",
        aggregate_id=str(locked.public_id),
        payload={
            "case_id": str(locked.public_id),
            "authorization_id": str(locked.authorization.public_id),
            "card_id": str(locked.card.public_id),
            "outcome": outcome,
        },
    )
    return locked

"""What a tier does: Low nothing; Medium asks the cardholder; High opens a
review case; Critical opens a case, freezes the card and alerts. Each action
is recorded with the score that caused it and happens at most once."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cards.models import Card, CardStatusChange
from cards.services.lifecycle import Actor, card_freeze
from fraud.models import FraudAction, FraudAlert, FraudScore, ReviewCase
from fraud.scoring.model import CRITICAL, HIGH, MEDIUM
from issuer.kernel.outbox import event_publish

FRAUD_SYSTEM = Actor(channel=CardStatusChange.Channel.SYSTEM)
ACTIONS_BY_TIER = {
    MEDIUM: [FraudAction.Kind.ASK_CARDHOLDER],
    HIGH: [FraudAction.Kind.OPEN_CASE],
    CRITICAL: [
        FraudAction.Kind.OPEN_CASE,
        FraudAction.Kind.FREEZE_CARD,
        FraudAction.Kind.ALERT,
    ],
}
CASE_PRIORITY = {CRITICAL: 1, HIGH: 2}
CASE_SLA = {CRITICAL: datetime.timedelta(hours=1), HIGH: datetime.timedelta(hours=8)}


def tier_actions_apply(*, score: FraudScore) -> list[FraudAction]:
    """Take the actions of the score's tier that were not taken yet."""
    authorization = score.authorization
    if authorization.card is None or score.is_shadow:
        return []
    taken = []
    for kind in ACTIONS_BY_TIER.get(score.tier, []):
        try:
            with transaction.atomic():
                action = FraudAction.objects.create(
                    authorization=authorization, kind=kind, score=score
                )
                _perform(kind, score)
        except IntegrityError:
            continue  # already taken by an earlier delivery
        taken.append(action)
    return taken


def _perform(kind: str, score: FraudScore) -> None:
    authorization = score.authorization
    card = authorization.card
    assert card is not None
    if kind == FraudAction.Kind.ASK_CARDHOLDER:
        FraudAlert.objects.create(authorization=authorization, card=card)
    elif kind == FraudAction.Kind.OPEN_CASE:
        case = ReviewCase.objects.create(
            authorization=authorization,
            card=card,
            score=score,
            tier=score.tier,
            priority=CASE_PRIORITY[score.tier],
            sla_due_at=timezone.now() + CASE_SLA[score.tier],
        )
        event_publish(
            type="fraud.case_opened",
            aggregate_type="review_case",
            aggregate_id=str(case.public_id),
            payload={
                "case_id": str(case.public_id),
                "authorization_id": str(authorization.public_id),
                "card_id": str(card.public_id),
                "tier": score.tier,
                "score": score.score,
            },
        )
    elif kind == FraudAction.Kind.FREEZE_CARD:
        Card.objects.filter(pk=card.pk).update(is_under_fraud_review=True)
        fresh = Card.objects.select_related("account").get(pk=card.pk)
        if fresh.status == Card.Status.ACTIVE:
            card_freeze(
                card=fresh,
                reason=CardStatusChange.Reason.SUSPICIOUS_ACTIVITY,
                actor=FRAUD_SYSTEM,
            )
    elif kind == FraudAction.Kind.ALERT:
        FraudAlert.objects.get_or_create(authorization=authorization, card=card)
        event_publish(
            type="fraud.alert",
            aggregate_type="card",
            aggregate_id=str(card.public_id),
            payload={
                "authorization_id": str(authorization.public_id),
                "card_id": str(card.public_id),
                "tier": score.tier,
                "score": score.score,
            },
        )

"""What a tier does: Low nothing; Medium asks the cardholder; High opens a
review case; Critical opens a case, freezes the card and alerts. Active
staff rules take the same kinds of action (plus flag and decline-next). Each
action is recorded with the score (and rule) that caused it and happens at
most once per authorization, whoever asks for it."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cards.models import Authorization, Card, CardStatusChange
from cards.services.lifecycle import Actor, card_freeze
from fraud.models import FraudAction, FraudAlert, FraudScore, ReviewCase, Rule
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
RULE_CASE_PRIORITY = 2  # a rule's case on a lower-tier score: as urgent as High


def tier_actions_apply(*, score: FraudScore) -> list[FraudAction]:
    """Take the actions of the score's tier that were not taken yet."""
    if score.authorization.card is None or score.is_shadow:
        return []
    taken = []
    for kind in ACTIONS_BY_TIER.get(score.tier, []):
        action = fraud_action_take(score=score, kind=kind)
        if action is not None:
            taken.append(action)
    return taken


def fraud_action_take(
    *, score: FraudScore, kind: str, rule: Rule | None = None
) -> FraudAction | None:
    """Take one action on the score's authorization unless it was taken before
    (by an earlier delivery, the model's tier or another rule); None then."""
    if score.authorization.card is None:
        return None
    try:
        with transaction.atomic():
            action = FraudAction.objects.create(
                authorization=score.authorization, kind=kind, score=score, rule=rule
            )
            _perform(kind, score)
    except IntegrityError:
        return None  # already taken
    return action


def _perform(kind: str, score: FraudScore) -> None:
    authorization = score.authorization
    card = authorization.card
    assert card is not None
    if kind == FraudAction.Kind.ASK_CARDHOLDER:
        FraudAlert.objects.create(authorization=authorization, card=card)
        _publish_alert(authorization=authorization, card=card, score=score)
    elif kind == FraudAction.Kind.OPEN_CASE:
        case = ReviewCase.objects.create(
            authorization=authorization,
            card=card,
            score=score,
            tier=score.tier,
            priority=CASE_PRIORITY.get(score.tier, RULE_CASE_PRIORITY),
            sla_due_at=timezone.now() + CASE_SLA.get(score.tier, CASE_SLA[HIGH]),
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
        fresh = Card.objects.select_related("account__cardholder").get(pk=card.pk)
        # Only an active card takes fraud's freeze. A card another side froze
        # (or security blocked) keeps that freeze, so a case decided
        # legitimate never lifts it; the review flag declines (59) meanwhile.
        if fresh.status == Card.Status.ACTIVE:
            card_freeze(
                card=fresh,
                reason=CardStatusChange.Reason.SUSPICIOUS_ACTIVITY,
                actor=FRAUD_SYSTEM,
                owner=Card.BlockOwner.FRAUD,
            )
    elif kind == FraudAction.Kind.DECLINE_NEXT:
        Card.objects.filter(pk=card.pk).update(is_under_fraud_review=True)
    elif kind == FraudAction.Kind.FLAG:
        event_publish(
            type="fraud.flagged",
            aggregate_type="card",
            aggregate_id=str(card.public_id),
            payload={
                "authorization_id": str(authorization.public_id),
                "card_id": str(card.public_id),
            },
        )
    elif kind == FraudAction.Kind.ALERT:
        FraudAlert.objects.get_or_create(authorization=authorization, card=card)
        _publish_alert(authorization=authorization, card=card, score=score)


def _publish_alert(
    *, authorization: Authorization, card: Card, score: FraudScore
) -> None:
    """Tell the cardholder's side (notifications, webhooks) about an alert."""
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

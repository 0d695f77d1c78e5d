"""Fraud detection freezes only an active card: a card another side froze
keeps that freeze (and its owner), so a case later decided legitimate never
lifts a freeze fraud did not place."""

from cards.models import Card, CardStatusChange
from cards.services.lifecycle import Actor, card_freeze
from fraud.models import FraudAction, FraudScore
from fraud.services.actions import fraud_action_take
from fraud.services.outcomes import _card_release
from fraud.tests.conftest import authorize


def test_a_cardholders_freeze_stays_theirs_through_a_fraud_review(
    test_card, active_model, cardholder_user
):
    card = test_card.issued.card
    authorization = authorize(test_card, 100)
    holder = Actor(
        channel=CardStatusChange.Channel.PORTAL, user=cardholder_user(test_card)
    )
    card_freeze(
        card=card, reason=CardStatusChange.Reason.CARDHOLDER_REQUEST, actor=holder
    )
    score = FraudScore.objects.create(
        authorization=authorization,
        model_version=active_model,
        score=0.99,
        tier="critical",
    )

    fraud_action_take(score=score, kind=FraudAction.Kind.FREEZE_CARD)
    frozen = Card.objects.get(pk=card.pk)
    _card_release(card_id=card.pk, actor=Actor(channel="admin"), case_id="case-1")
    after = Card.objects.get(pk=card.pk)

    assert (frozen.status, frozen.block_owner, frozen.is_under_fraud_review) == (
        Card.Status.FROZEN,
        Card.BlockOwner.CARDHOLDER,
        True,
    )
    assert (after.status, after.block_owner) == (
        Card.Status.FROZEN,
        Card.BlockOwner.CARDHOLDER,
    )

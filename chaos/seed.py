"""What the stack needs before traffic: an active fraud model and cards."""

from datetime import timedelta

from django.utils import timezone

from cards.services.sandbox import sandbox_cards_issue
from chaos.traffic import CardData, Deck
from fraud.scoring.handset import hand_set_model
from fraud.services.registry import model_version_activate, model_version_register

HOT_CARDS, HOT_LIMIT = 4, 25_000
COLD_CARDS, COLD_LIMIT = 60, 5_000_000
# Scores stay Low or Medium for the suite's amounts: no card is frozen by a
# Critical score halfway through a scenario.
MODEL_WEIGHTS = {"amount": 0.5}


def seed() -> Deck:
    today = timezone.now().date()
    version = model_version_register(
        model=hand_set_model(MODEL_WEIGHTS),
        train_from=today - timedelta(days=30),
        train_to=today - timedelta(days=15),
        validation_from=today - timedelta(days=14),
        validation_to=today - timedelta(days=1),
        label_delay_days=7,
        metrics={},
    )
    model_version_activate(version=version)
    return Deck(hot=_cards(HOT_CARDS, HOT_LIMIT), cold=_cards(COLD_CARDS, COLD_LIMIT))


def _cards(count: int, limit: int) -> list[CardData]:
    return [
        CardData(
            pan=card.issued.pan,
            expiry=card.issued.card.expiry,
            cvv=card.cvv,
            card_id=str(card.issued.card.public_id),
            account_id=str(card.issued.card.account.public_id),
        )
        for card in sandbox_cards_issue(count=count, limit=limit)
    ]

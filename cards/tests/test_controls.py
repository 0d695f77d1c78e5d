"""card_controls_update: nested positive limits, a closed card stays as is."""

import pytest

from cards.errors import CardStateConflict
from cards.models import Card
from cards.services.controls import card_controls_update
from cards.services.lifecycle import SYSTEM, card_close
from issuer.kernel.errors import InvalidInput

pytestmark = pytest.mark.django_db

OPEN = {
    "is_ecommerce_enabled": True,
    "is_atm_enabled": False,
    "is_contactless_enabled": True,
}


def test_limits_and_switches_are_saved(test_card):
    card = test_card.issued.card

    card_controls_update(
        card=card,
        per_transaction_limit=5_000,
        daily_limit=10_000,
        monthly_limit=None,
        **OPEN,
    )

    saved = Card.objects.get(pk=card.pk)
    assert (
        saved.per_transaction_limit,
        saved.daily_limit,
        saved.monthly_limit,
        saved.is_atm_enabled,
    ) == (5_000, 10_000, None, False)


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({"per_transaction_limit": 0}, "per_transaction_limit"),
        ({"daily_limit": -1}, "daily_limit"),
        ({"monthly_limit": True}, "monthly_limit"),
        (
            {"per_transaction_limit": 20_000, "daily_limit": 10_000},
            "per_transaction_limit",
        ),
        (
            {"per_transaction_limit": 20_000, "monthly_limit": 10_000},
            "per_transaction_limit",
        ),
        ({"daily_limit": 20_000, "monthly_limit": 10_000}, "daily_limit"),
    ],
)
def test_bad_limits_name_the_field_and_change_nothing(test_card, limits, field):
    card = test_card.issued.card
    before = Card.objects.values("per_transaction_limit", "daily_limit").get(pk=card.pk)
    arguments = {
        "per_transaction_limit": None,
        "daily_limit": None,
        "monthly_limit": None,
    } | limits

    with pytest.raises(InvalidInput) as raised:
        card_controls_update(card=card, **arguments, **OPEN)

    assert list(raised.value.fields) == [field]
    assert (
        Card.objects.values("per_transaction_limit", "daily_limit").get(pk=card.pk)
        == before
    )


def test_a_closed_cards_controls_do_not_change(test_card):
    card = test_card.issued.card
    card_close(card=card, reason="lost", actor=SYSTEM)
    before = Card.objects.get(pk=card.pk).daily_limit

    with pytest.raises(CardStateConflict):
        card_controls_update(
            card=card,
            per_transaction_limit=None,
            daily_limit=1_000,
            monthly_limit=None,
            **OPEN,
        )

    assert Card.objects.get(pk=card.pk).daily_limit == before

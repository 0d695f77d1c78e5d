"""Another cardholder's ids are not found (404) on every cards-side URL, and
a POST with them changes nothing."""

import pytest

from cards.models import Card, CardStatusChange
from conftest import PORTAL_TEST_PASSWORD

pytestmark = pytest.mark.django_db

CARD_GETS = ["", "reveal/", "reveal/show/"]
CARD_POSTS = {
    "freeze/": {},
    "unfreeze/": {},
    "activate/": {},
    "report/": {"reason": "lost"},
    "controls/": {"daily_limit": "1.00"},
    "reveal/": {"password": PORTAL_TEST_PASSWORD},
}


@pytest.fixture
def intruder(issue_card, cardholder_user, cardholder_client):
    """A signed-in cardholder with a card of their own."""
    own = issue_card()
    return cardholder_client(cardholder_user(own, username="intruder"))


def card_snapshot(card):
    fresh = Card.objects.get(pk=card.pk)
    return (
        fresh.status,
        fresh.daily_limit,
        CardStatusChange.objects.filter(card=card).count(),
        Card.objects.filter(replaces=card).count(),
    )


@pytest.mark.parametrize("suffix", CARD_GETS)
def test_another_cardholders_card_pages_are_not_found(test_card, intruder, suffix):
    response = intruder.get(f"/portal/cards/{test_card.issued.card.public_id}/{suffix}")

    assert response.status_code == 404


@pytest.mark.parametrize("suffix", sorted(CARD_POSTS))
def test_posting_to_another_cardholders_card_changes_nothing(
    test_card, intruder, suffix
):
    card = test_card.issued.card
    before = card_snapshot(card)

    response = intruder.post(
        f"/portal/cards/{card.public_id}/{suffix}", CARD_POSTS[suffix]
    )

    assert response.status_code == 404
    assert card_snapshot(card) == before
    assert test_card.issued.pan not in response.content.decode()

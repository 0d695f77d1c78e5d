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


@pytest.fixture
def others(active_model, media_root, test_card):
    """Another cardholder's alert, transactions, capture and dispute."""
    from cards.services.authorizations import authorization_create
    from cards.services.disputes import dispute_file
    from cards.tests.conftest import authorization_request, cleared_capture
    from fraud.services.live import authorization_score

    capture = cleared_capture(test_card, amount=2_000)
    dispute = dispute_file(
        capture=capture, amount=1_000, reason="other", description="Not mine."
    )
    flagged = authorization_create(
        request=authorization_request(test_card, amount=10_000), partner=None
    )
    authorization_score(authorization=flagged)
    return {"capture": capture, "dispute": dispute, "flagged": flagged}


def test_another_cardholders_activity_is_not_found(others, intruder):
    from cards.models import Dispute
    from fraud.models import FraudAlert

    capture, dispute, flagged = others["capture"], others["dispute"], others["flagged"]
    gets = [
        f"/portal/transactions/{capture.authorization.public_id}/",
        f"/portal/transactions/{flagged.public_id}/",
        f"/portal/captures/{capture.public_id}/dispute/",
        f"/portal/disputes/{dispute.public_id}/",
    ]
    for url in gets:
        assert intruder.get(url).status_code == 404, url

    answer = intruder.post(
        f"/portal/alerts/{flagged.public_id}/answer/", {"answer": "yes"}
    )
    filed = intruder.post(
        f"/portal/captures/{capture.public_id}/dispute/",
        {"amount": "5.00", "reason": "other", "description": "Mine now."},
    )

    assert (answer.status_code, filed.status_code) == (404, 404)
    assert FraudAlert.objects.get(authorization=flagged).status == "pending"
    assert list(Dispute.objects.values_list("pk", flat=True)) == [dispute.pk]
    for page in ("/portal/alerts/", "/portal/transactions/", "/portal/disputes/"):
        html = intruder.get(page).content.decode()
        assert str(flagged.public_id) not in html, page
        assert str(dispute.public_id) not in html, page

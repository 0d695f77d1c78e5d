"""Card verification: wrong expiry dates count toward the block like wrong
CVVs (consecutive failures across both, block at the same threshold), and a
product may require a CVV card-not-present: a missing one declines N7 and
the attempt is recorded."""

import pytest

from cards.models import Authorization, Card, CardProduct
from cards.services.authorizations import (
    VERIFICATION_FAILURES_BEFORE_BLOCK,
    authorization_create,
)
from cards.tests.conftest import authorization_body, authorization_request

pytestmark = pytest.mark.django_db


def _authorize(test_card, **overrides) -> Authorization:
    return authorization_create(
        request=authorization_request(test_card, **overrides), partner=None
    )


def _wrong_expiry(test_card) -> str:
    card = test_card.issued.card
    return f"{card.expiry_month:02d}/{(card.expiry_year + 1) % 100:02d}"


def _wrong_cvv(test_card) -> str:
    return f"{(int(test_card.cvv) + 1) % 1000:03d}"


def _card(test_card) -> Card:
    return Card.objects.get(pk=test_card.issued.card.pk)


def test_24_wrong_expiries_block_the_card_at_the_third(test_card):
    """Given an active card, when 24 authorizations carry a wrong expiry,
    then the first three are 54, the card is blocked by card security at the
    third, the other 21 are 62, and all 24 are recorded."""
    codes = [
        _authorize(test_card, expiry=_wrong_expiry(test_card)).response_code
        for _ in range(24)
    ]

    threshold = VERIFICATION_FAILURES_BEFORE_BLOCK
    assert codes == ["54"] * threshold + ["62"] * (24 - threshold)
    card = _card(test_card)
    assert (card.status, card.block_owner, card.verification_failures) == (
        "blocked",
        "security",
        threshold,
    )
    assert Authorization.objects.filter(card=card).count() == 24


def test_wrong_expiries_and_wrong_cvvs_count_together(test_card):
    """A wrong CVV, a wrong expiry, a wrong CVV: blocked at the third."""
    answers = [
        _authorize(test_card, cvv=_wrong_cvv(test_card)),
        _authorize(test_card, expiry=_wrong_expiry(test_card)),
        _authorize(test_card, cvv=_wrong_cvv(test_card)),
    ]

    assert [a.response_code for a in answers] == ["N7", "54", "N7"]
    assert _card(test_card).status == "blocked"
    assert _authorize(test_card).response_code == "62"


def test_a_right_expiry_without_a_cvv_does_not_reset_the_count(test_card):
    """Only a matching CVV (with its expiry) proves the card: card-present
    approvals between guesses do not wipe the failures."""
    _authorize(test_card, cvv=_wrong_cvv(test_card))
    _authorize(test_card, expiry=_wrong_expiry(test_card))
    approved = _authorize(test_card, cvv=None, channel="pos")

    assert approved.status == "approved"
    assert _card(test_card).verification_failures == 2
    assert _authorize(test_card, cvv=_wrong_cvv(test_card)).response_code == "N7"
    assert _card(test_card).status == "blocked"


def test_a_right_cvv_resets_expiry_failures_too(test_card):
    _authorize(test_card, expiry=_wrong_expiry(test_card))
    _authorize(test_card, expiry=_wrong_expiry(test_card))

    assert _authorize(test_card).status == "approved"
    assert _card(test_card).verification_failures == 0


def test_an_expired_card_is_54_and_counts_nothing(test_card):
    """An expired card is not a guess: its attempts do not move the count."""
    Card.objects.filter(pk=test_card.issued.card.pk).update(expiry_year=2001)

    answers = [_authorize(test_card, expiry="12/01") for _ in range(4)]

    assert {a.response_code for a in answers} == {"54"}
    assert (_card(test_card).status, _card(test_card).verification_failures) == (
        "active",
        0,
    )


def test_a_card_not_present_authorization_without_a_cvv_is_n7_and_recorded(
    test_card,
):
    """Given the product requires a CVV card-not-present (the default),
    when an e-commerce authorization carries none, then it is declined N7
    with its reason, recorded, and counts no failure."""
    answer = _authorize(test_card, cvv=None, channel="ecommerce")

    assert (answer.status, answer.response_code, answer.reason) == (
        "declined",
        "N7",
        "A CVV is required for card-not-present purchases.",
    )
    assert answer.hold is None
    assert Authorization.objects.get(pk=answer.pk).channel == "ecommerce"
    assert _card(test_card).verification_failures == 0


def test_a_card_present_authorization_needs_no_cvv(test_card):
    assert _authorize(test_card, cvv=None, channel="pos").status == "approved"
    assert _authorize(test_card, cvv=None, channel="contactless").status == ("approved")


def test_a_product_may_allow_card_not_present_without_a_cvv(test_card):
    CardProduct.objects.filter(pk=test_card.issued.card.product_id).update(
        is_cvv_required_card_not_present=False
    )

    answer = _authorize(test_card, cvv=None, channel="ecommerce")

    assert (answer.status, answer.response_code) == ("approved", "00")


def test_the_api_answers_a_missing_cvv_online_with_a_201_decline(
    partner_client, test_card
):
    body = authorization_body(test_card, channel="ecommerce")
    del body["cvv"]

    response = partner_client.post("/api/v1/authorizations", body, format="json")

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["response_code"]) == (
        "declined",
        "N7",
    )
    assert Authorization.objects.filter(card=test_card.issued.card).count() == 1

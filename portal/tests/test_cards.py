"""The cards pages: status and who froze it, freeze and unfreeze, report
lost or stolen, activate the replacement, spending controls."""

import datetime

import pytest
from django.utils import timezone

from cards.models import Card, CardStatusChange
from cards.services.authorizations import authorization_create
from cards.services.lifecycle import SYSTEM, card_freeze
from cards.tests.conftest import authorization_request
from portal.selectors_cards import card_spending_windows

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(test_card, cardholder_user, cardholder_client):
    return cardholder_client(cardholder_user(test_card))


def card_url(card, action=""):
    return f"/portal/cards/{card.public_id}/{action}"


def test_the_list_shows_last_four_and_status_never_the_number(test_card, holder):
    html = holder.get("/portal/cards/").content.decode()

    card = test_card.issued.card
    assert f"Card •••• {card.last_four}" in html
    assert 'data-status="active"' in html
    assert test_card.issued.pan not in html


def test_freezing_then_unfreezing_from_the_portal(test_card, holder):
    card = test_card.issued.card

    response = holder.post(card_url(card, "freeze/"), follow=True)

    card.refresh_from_db()
    assert card.status == Card.Status.FROZEN
    change = card.history.first()
    assert (change.channel, change.reason, change.actor.cardholder.pk) == (
        CardStatusChange.Channel.PORTAL,
        CardStatusChange.Reason.CARDHOLDER_REQUEST,
        card.account.cardholder_id,
    )
    assert "by you" in response.content.decode()

    holder.post(card_url(card, "unfreeze/"))

    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE


def test_the_page_says_fraud_detection_froze_the_card(test_card, holder):
    card_freeze(
        card=test_card.issued.card,
        reason=CardStatusChange.Reason.SUSPICIOUS_ACTIVITY,
        actor=SYSTEM,
    )

    html = holder.get("/portal/cards/").content.decode()

    assert "(frozen by fraud detection)" in html


def test_reporting_stolen_closes_the_card_and_shows_the_new_one(test_card, holder):
    card = test_card.issued.card

    response = holder.post(card_url(card, "report/"), {"reason": "stolen"}, follow=True)

    card.refresh_from_db()
    new = Card.objects.get(replaces=card)
    assert (card.status, card.status_reason) == ("closed", "stolen")
    assert new.status == Card.Status.INACTIVE
    assert response.redirect_chain[-1][0] == card_url(new)
    assert f"Your new card •••• {new.last_four} is on its way" in (
        response.content.decode()
    )

    holder.post(card_url(new, "activate/"))

    new.refresh_from_db()
    assert new.status == Card.Status.ACTIVE


def test_a_report_without_a_reason_changes_nothing(test_card, holder):
    card = test_card.issued.card

    response = holder.post(card_url(card, "report/"), {"reason": "bored"})

    assert response.status_code == 400
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    assert not Card.objects.filter(replaces=card).exists()


def test_freezing_a_closed_card_is_refused_with_a_message(test_card, holder):
    card = test_card.issued.card
    holder.post(card_url(card, "report/"), {"reason": "lost"})

    response = holder.post(card_url(card, "freeze/"), follow=True)

    card.refresh_from_db()
    assert card.status == Card.Status.CLOSED
    assert "A closed card cannot become frozen." in response.content.decode()


def test_controls_save_and_show_what_is_left_and_when_it_resets(test_card, holder):
    card = test_card.issued.card
    authorization_create(
        request=authorization_request(test_card, amount=2_500), partner=None
    )

    holder.post(
        card_url(card, "controls/"),
        {"daily_limit": "100.00", "monthly_limit": "500", "is_atm_enabled": "on"},
    )

    card.refresh_from_db()
    assert (card.per_transaction_limit, card.daily_limit, card.monthly_limit) == (
        None,
        10_000,
        50_000,
    )
    assert (
        card.is_atm_enabled,
        card.is_ecommerce_enabled,
        card.is_contactless_enabled,
    ) == (True, False, False)
    html = holder.get(card_url(card)).content.decode()
    assert '<td class="amount" data-remaining>75.00 USD</td>' in html
    assert '<td class="amount" data-remaining>475.00 USD</td>' in html


def test_controls_refusal_names_the_field_and_changes_nothing(test_card, holder):
    card = test_card.issued.card
    before = (card.daily_limit, card.monthly_limit)

    response = holder.post(
        card_url(card, "controls/"), {"daily_limit": "600", "monthly_limit": "500"}
    )

    assert response.status_code == 400
    assert response.context["controls_form"].errors["daily_limit"] == [
        "The daily limit cannot exceed the monthly limit."
    ]
    card.refresh_from_db()
    assert (card.daily_limit, card.monthly_limit) == before


def test_windows_reset_at_the_next_utc_day_and_month(test_card):
    card = test_card.issued.card
    card.daily_limit, card.monthly_limit = 10_000, 50_000
    now = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)

    daily, monthly = card_spending_windows(card=card, now=now)

    assert daily.resets_at == datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    assert monthly.resets_at == datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    assert (daily.spent, daily.remaining) == (0, 10_000)
    assert timezone.is_aware(daily.resets_at)

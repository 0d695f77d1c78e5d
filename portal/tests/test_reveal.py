"""Revealing the full number and CVV: only after the password, for 60
seconds, never cached."""

import pytest
from django.core import signing

from conftest import PORTAL_TEST_PASSWORD
from issuer.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(test_card, cardholder_user, cardholder_client):
    return cardholder_client(cardholder_user(test_card))


def reveal_url(card, suffix=""):
    return f"/portal/cards/{card.public_id}/reveal/{suffix}"


def test_the_number_shows_after_the_password_and_is_not_stored(test_card, holder):
    card = test_card.issued.card

    response = holder.post(
        reveal_url(card), {"password": PORTAL_TEST_PASSWORD}, follow=True
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reveal_url(card, "show/")
    assert f'data-secret="pan">{test_card.issued.pan}<' in html
    assert f'data-secret="cvv">{test_card.cvv}<' in html
    assert "no-store" in response["Cache-Control"]
    assert test_card.issued.pan not in response.redirect_chain[-1][0]
    event = AuditEvent.objects.get(action=AuditEvent.Action.PAN_REVEAL)
    assert (event.outcome, event.actor.cardholder.pk, event.target_repr) == (
        AuditEvent.Outcome.SUCCEEDED,
        card.account.cardholder_id,
        f"Card •••• {card.last_four}",
    )
    assert test_card.issued.pan not in str(event.details)
    assert test_card.cvv not in str(event.details.values())


def test_a_wrong_password_reveals_nothing(test_card, holder):
    card = test_card.issued.card

    response = holder.post(reveal_url(card), {"password": "guess"})
    shown = holder.get(reveal_url(card, "show/"))

    assert response.status_code == 400
    assert test_card.issued.pan not in response.content.decode()
    assert shown.status_code == 302
    assert shown["Location"] == reveal_url(card)
    assert list(
        AuditEvent.objects.filter(action=AuditEvent.Action.PAN_REVEAL).values_list(
            "outcome", flat=True
        )
    ) == [AuditEvent.Outcome.FAILED]


def test_the_grant_is_refused_after_60_seconds(test_card, holder, monkeypatch):
    """The signer's clock is moved; the session and its grant are real."""
    card = test_card.issued.card
    clock = [1_800_000_000.0]
    monkeypatch.setattr(signing.time, "time", lambda: clock[0])
    holder.post(reveal_url(card), {"password": PORTAL_TEST_PASSWORD})
    clock[0] += 59
    assert holder.get(reveal_url(card, "show/")).status_code == 200

    clock[0] += 2
    late = holder.get(reveal_url(card, "show/"))

    assert late.status_code == 302
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.PAN_REVEAL, outcome="succeeded"
        ).count()
        == 1
    )
    assert test_card.issued.pan not in late.content.decode()


def test_a_closed_cards_number_is_not_shown(test_card, holder):
    card = test_card.issued.card
    holder.post(f"/portal/cards/{card.public_id}/report/", {"reason": "lost"})

    response = holder.post(reveal_url(card), {"password": PORTAL_TEST_PASSWORD})
    shown = holder.get(reveal_url(card, "show/"))

    assert response["Location"] == f"/portal/cards/{card.public_id}/"
    assert shown.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PAN_REVEAL).exists()

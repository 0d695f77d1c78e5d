"""Fraud alerts, transactions and disputes in the portal."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cards.models import Authorization, Card, Dispute
from cards.services.authorizations import authorization_create
from cards.services.clearing import authorization_capture, authorization_reverse
from cards.tests.conftest import authorization_request, cleared_capture
from fraud.models import FraudAlert
from fraud.services.live import authorization_score

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(test_card, cardholder_user, cardholder_client):
    return cardholder_client(cardholder_user(test_card))


def critical(test_card):
    """A 100.00 purchase the active model scores critical: the card is frozen
    by fraud detection and the cardholder asked."""
    authorization = authorization_create(
        request=authorization_request(test_card, amount=10_000), partner=None
    )
    authorization_score(authorization=authorization)
    return authorization


def test_it_was_me_labels_genuine_and_leaves_the_fraud_freeze(
    active_model, test_card, holder
):
    """Only fraud's side (the analyst deciding the case) lifts fraud's
    freeze; the cardholder's answer labels the transaction."""
    authorization = critical(test_card)
    card = test_card.issued.card
    card.refresh_from_db()
    assert card.status == Card.Status.FROZEN
    alerts = holder.get("/portal/alerts/").content.decode()
    assert f'data-alert="{authorization.public_id}"' in alerts

    holder.post(f"/portal/alerts/{authorization.public_id}/answer/", {"answer": "yes"})

    card.refresh_from_db()
    assert (card.status, card.block_owner) == (Card.Status.FROZEN, "fraud")
    assert FraudAlert.objects.get(authorization=authorization).status == "genuine"


def test_not_me_closes_the_card_and_shows_the_replacement(
    active_model, test_card, holder
):
    authorization = critical(test_card)
    card = test_card.issued.card

    response = holder.post(
        f"/portal/alerts/{authorization.public_id}/answer/",
        {"answer": "no"},
        follow=True,
    )

    card.refresh_from_db()
    new = Card.objects.get(replaces=card)
    assert (card.status, card.status_reason) == ("closed", "compromised")
    assert response.redirect_chain[-1][0] == f"/portal/cards/{new.public_id}/"
    assert FraudAlert.objects.get(authorization=authorization).status == "fraud"


def test_an_answer_without_yes_or_no_changes_nothing(active_model, test_card, holder):
    authorization = critical(test_card)

    holder.post(f"/portal/alerts/{authorization.public_id}/answer/", {"answer": "?"})

    assert FraudAlert.objects.get(authorization=authorization).status == "pending"


def test_search_and_filters(issue_card, test_card, holder):
    coffee = authorization_create(
        request=authorization_request(
            test_card,
            amount=450,
            merchant={
                "id": "m-2",
                "name": "Bean Coffee",
                "mcc": "5814",
                "country": "US",
            },
        ),
        partner=None,
    )
    grocer = authorization_create(
        request=authorization_request(test_card, amount=2_000), partner=None
    )
    declined = authorization_create(
        request=authorization_request(test_card, amount=10_000_000), partner=None
    )
    Authorization.objects.filter(pk=grocer.pk).update(
        created_at=datetime.datetime(2026, 1, 5, 12, tzinfo=datetime.UTC)
    )

    def found(query):
        context = holder.get("/portal/transactions/", query).context
        return {a.pk for a in context["page"].object_list}

    assert found({"q": "bean"}) == {coffee.pk}
    assert found({"status": "declined"}) == {declined.pk}
    assert found({"date_from": "2026-01-05", "date_to": "2026-01-05"}) == {grocer.pk}
    assert found({"card": str(test_card.issued.card.public_id)}) == {
        coffee.pk,
        grocer.pk,
        declined.pk,
    }
    assert found({"card": str(issue_card().issued.card.public_id)}) == {
        coffee.pk,
        grocer.pk,
        declined.pk,
    }  # another's card is not a choice: the filter is refused, all are shown


def test_a_decline_says_why_and_what_to_do_next(test_card, holder):
    declined = authorization_create(
        request=authorization_request(test_card, amount=10_000_000), partner=None
    )

    html = holder.get(f"/portal/transactions/{declined.public_id}/").content.decode()

    assert "Declined: Not enough available credit." in html
    assert "What to do next: Make a payment to free up credit" in html


def test_the_timeline_goes_from_authorized_to_captured_and_reversed(test_card, holder):
    authorization = authorization_create(
        request=authorization_request(test_card, amount=5_000), partner=None
    )
    authorization_capture(authorization=authorization, amount=3_000)
    authorization.refresh_from_db()
    authorization_reverse(authorization=authorization)

    response = holder.get(f"/portal/transactions/{authorization.public_id}/")

    steps = [(s.label, s.amount) for s in response.context["timeline"]]
    assert steps == [("Authorized", 5_000), ("Captured", 3_000), ("Reversed", 2_000)]
    assert "Dispute this" in response.content.decode()


def test_filing_a_dispute_with_evidence_then_following_it(
    media_root, test_card, holder
):
    capture = cleared_capture(test_card, amount=8_000)

    response = holder.post(
        f"/portal/captures/{capture.public_id}/dispute/",
        {
            "amount": "80.00",
            "reason": "not_received",
            "description": "The parcel never came.",
            "evidence": SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 order 42"),
        },
        follow=True,
    )

    dispute = Dispute.objects.get()
    assert (dispute.amount, dispute.reason, dispute.evidence_name) == (
        8_000,
        "not_received",
        "receipt.pdf",
    )
    assert dispute.filed_by.cardholder.pk == test_card.issued.card.account.cardholder_id
    assert response.redirect_chain[-1][0] == f"/portal/disputes/{dispute.public_id}/"
    html = response.content.decode()
    assert 'data-status="filed"' in html
    assert f'data-deadline="decision">{dispute.decision_due_at:%b} ' in html
    listing = holder.get("/portal/disputes/").content.decode()
    assert f'data-dispute="{dispute.public_id}"' in listing


def test_a_dispute_above_the_amount_names_the_field_and_files_nothing(
    test_card, holder
):
    capture = cleared_capture(test_card, amount=8_000)

    response = holder.post(
        f"/portal/captures/{capture.public_id}/dispute/",
        {"amount": "90.00", "reason": "wrong_amount", "description": "Too much."},
    )

    assert response.status_code == 400
    assert "amount" in response.context["form"].errors
    assert not Dispute.objects.exists()

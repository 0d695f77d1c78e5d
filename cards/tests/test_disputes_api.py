"""The partner API reads disputes: one by id, and an account's, newest first."""

import datetime

import pytest
from rest_framework.test import APIClient

from accounts.models import Cardholder
from cards.services.disputes import dispute_file, dispute_submit
from cards.tests.conftest import cleared_capture

pytestmark = pytest.mark.django_db
API = "/api/v1"
DAY = datetime.timedelta(days=1)


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _dispute(capture, days_after: int, amount: int = 1_000, reason="duplicate"):
    return dispute_file(
        capture=capture,
        amount=amount,
        reason=reason,
        description="Charged twice.",
        now=capture.created_at + days_after * DAY,
    )


@pytest.fixture
def program(make_partner, test_card):
    """A partner whose program holds the test card's account."""
    partner, key = make_partner(scopes=["disputes", "accounts"])
    Cardholder.objects.filter(pk=test_card.issued.card.account.cardholder_id).update(
        program_partner=partner
    )
    return _client(key)


def test_a_dispute_has_the_documented_shape(program, test_card):
    capture = cleared_capture(test_card, 5_000)
    dispute = _dispute(capture, 2, amount=5_000, reason="not_received")
    dispute_submit(dispute=dispute, now=dispute.filed_at + DAY)

    response = program.get(f"{API}/disputes/{dispute.public_id}")

    assert response.status_code == 200
    filed_at = dispute.filed_at
    assert response.json() == {
        "id": str(dispute.public_id),
        "account_id": str(test_card.issued.card.account.public_id),
        "card_id": str(test_card.issued.card.public_id),
        "capture_id": str(capture.public_id),
        "authorization_id": str(capture.authorization.public_id),
        "amount": 5_000,
        "currency": "USD",
        "reason": "not_received",
        "description": "Charged twice.",
        "status": "submitted",
        "filed_at": _iso(filed_at),
        "submission_due_at": _iso(filed_at + 30 * DAY),
        "decision_due_at": _iso(filed_at + 90 * DAY),
        "submitted_at": _iso(filed_at + DAY),
        "resolved_at": None,
        "has_evidence": False,
    }
    assert test_card.issued.pan not in response.content.decode()


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_an_accounts_disputes_are_listed_newest_first_in_pages(program, test_card):
    capture = cleared_capture(test_card, 5_000)
    other = cleared_capture(test_card, 5_000)
    older = _dispute(capture, 1)
    newer = _dispute(other, 5)

    first = program.get(
        f"{API}/accounts/{test_card.issued.card.account.public_id}/disputes",
        {"page_size": 1},
    )
    second = program.get(first.json()["next"])

    assert first.status_code == 200
    assert [item["id"] for item in first.json()["results"]] == [str(newer.public_id)]
    assert [item["id"] for item in second.json()["results"]] == [str(older.public_id)]
    assert second.json()["next"] is None


def test_another_programs_disputes_are_not_found(program, test_card, make_partner):
    dispute = _dispute(cleared_capture(test_card, 5_000), 1)
    _, other_key = make_partner(scopes=["disputes", "accounts"])
    stranger = _client(other_key)
    account_id = test_card.issued.card.account.public_id

    detail = stranger.get(f"{API}/disputes/{dispute.public_id}")
    listing = stranger.get(f"{API}/accounts/{account_id}/disputes")

    assert (detail.status_code, listing.status_code) == (404, 404)
    assert detail.json()["error"] == {
        "code": "not_found",
        "message": f"No dispute with id {dispute.public_id}.",
        "fields": {},
    }
    assert listing.json()["error"]["code"] == "not_found"
    assert program.get(f"{API}/disputes/{dispute.public_id}").status_code == 200


def test_a_key_without_the_disputes_scope_is_refused(make_partner, test_card):
    dispute = _dispute(cleared_capture(test_card, 5_000), 1)
    _, key = make_partner(scopes=["accounts"])

    response = _client(key).get(f"{API}/disputes/{dispute.public_id}")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "'disputes'" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "dispute_id", ["not-a-uuid", "8b1f8a5c-0000-4000-8000-000000000000"]
)
def test_an_unknown_dispute_is_not_found(partner_client, dispute_id):
    response = partner_client.get(f"{API}/disputes/{dispute_id}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_schema_documents_the_dispute_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert set(schema["paths"]["/api/v1/disputes/{dispute_id}"]) == {"get"}
    assert set(schema["paths"]["/api/v1/accounts/{account_id}/disputes"]) == {"get"}
    assert "DisputeOutput" in schema["components"]["schemas"]


def test_a_dispute_of_a_clearing_without_authorization_has_no_authorization_id(
    program, test_card
):
    from cards.services.clearing import force_capture

    capture = force_capture(
        card=test_card.issued.card,
        amount=700,
        currency="USD",
        merchant_id="m-9",
        merchant_name="Forced",
        partner=None,
    )
    dispute = _dispute(capture, 1, amount=700)

    body = program.get(f"{API}/disputes/{dispute.public_id}").json()

    assert (body["capture_id"], body["authorization_id"]) == (
        str(capture.public_id),
        None,
    )

"""The partner API for card transactions, as CONTRACTS.md fixes it."""

import pytest
from rest_framework.test import APIClient

from cards.models import Authorization, Card
from cards.tests.conftest import authorization_body
from cards.tests.factories import CardProductFactory
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _authorize(client, test_card, key=None, **overrides):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"{API}/authorizations",
        authorization_body(test_card, **overrides),
        format="json",
        **headers,
    )


def test_an_approval_has_the_contract_shape(partner_client, test_card):
    response = _authorize(partner_client, test_card)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "status",
        "response_code",
        "reason",
        "amount",
        "currency",
        "card_id",
        "account_id",
        "approved_amount",
        "realtime_decision",
    }
    assert (body["status"], body["response_code"], body["amount"]) == (
        "approved",
        "00",
        1_250,
    )
    assert body["card_id"] == str(test_card.issued.card.public_id)
    assert test_card.issued.pan not in response.content.decode()


def test_a_decline_is_also_201(partner_client, issue_card):
    test_card = issue_card(limit=100)

    response = _authorize(partner_client, test_card, amount=101)

    assert response.status_code == 201
    assert response.json()["status"] == "declined"
    assert response.json()["response_code"] == "51"


def test_a_retried_authorization_has_one_effect(partner_client, test_card):
    first = _authorize(partner_client, test_card, key="auth-1")
    second = _authorize(partner_client, test_card, key="auth-1")

    assert second.json() == first.json()
    assert Authorization.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"expiry": "13/30"}, "expiry"),
        ({"pan": "12ab"}, "pan"),
        ({"currency": "usd"}, "currency"),
        ({"channel": "pigeon"}, "channel"),
        ({"merchant": {"id": "m", "mcc": "54", "country": "US"}}, "merchant"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_echoing_no_card_data(
    partner_client, test_card, overrides, field
):
    response = _authorize(partner_client, test_card, **overrides)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert test_card.issued.pan not in response.content.decode()
    assert test_card.cvv not in response.json()["error"]["message"]
    assert Authorization.objects.count() == 0


def test_lifecycle_over_the_api(partner_client, test_card):
    authorization_id = _authorize(partner_client, test_card, amount=5_000).json()["id"]
    base = f"{API}/authorizations/{authorization_id}"

    capture = partner_client.post(f"{base}/capture", {"amount": 2_000}, format="json")
    reverse = partner_client.post(f"{base}/reverse", {"amount": 1_000}, format="json")
    detail = partner_client.get(base)
    refund = partner_client.post(
        f"{API}/refunds",
        {"authorization_id": authorization_id, "amount": 500, "currency": "USD"},
        format="json",
    )

    assert capture.status_code == 201 and capture.json()["amount"] == 2_000
    assert reverse.status_code == 200 and reverse.json()["pending_amount"] == 2_000
    assert detail.json()["captured_amount"] == 2_000
    assert detail.json()["fraud"] is None
    assert refund.status_code == 201
    account = partner_client.get(
        f"{API}/accounts/{test_card.issued.card.account.public_id}"
    ).json()
    assert account == {
        "id": str(test_card.issued.card.account.public_id),
        "status": "active",
        "credit_limit": 100_000,
        "posted_balance": 1_500,
        "pending": 2_000,
        "available": 96_500,
        "pending_credits": 0,
        "currency": "USD",
    }
    assert list(ledger_breaches()) == []


def test_capture_defaults_to_the_held_amount(partner_client, test_card):
    authorization_id = _authorize(partner_client, test_card, amount=700).json()["id"]

    response = partner_client.post(
        f"{API}/authorizations/{authorization_id}/capture", {}, format="json"
    )

    assert response.json()["amount"] == 700


def test_an_unlinked_refund_and_a_force_capture_by_pan(partner_client, test_card):
    merchant = {"id": "m-5", "name": "Shop", "mcc": "5999", "country": "US"}
    refund = partner_client.post(
        f"{API}/refunds",
        {
            "pan": test_card.issued.pan,
            "merchant": merchant,
            "amount": 300,
            "currency": "USD",
        },
        format="json",
    )
    forced = partner_client.post(
        f"{API}/captures",
        {
            "pan": test_card.issued.pan,
            "merchant": merchant,
            "amount": 900,
            "currency": "USD",
        },
        format="json",
    )

    assert refund.status_code == 201
    assert forced.status_code == 201 and forced.json()["is_without_authorization"]
    assert test_card.issued.pan not in refund.content.decode() + forced.content.decode()


def test_a_payment_credits_the_account_once_per_key(partner_client, test_card):
    url = f"{API}/accounts/{test_card.issued.card.account.public_id}/payments"

    for _ in range(2):
        response = partner_client.post(
            url, {"amount": 2_000}, format="json", HTTP_IDEMPOTENCY_KEY="pay-7"
        )

    assert response.status_code == 201
    account = partner_client.get(
        f"{API}/accounts/{test_card.issued.card.account.public_id}"
    ).json()
    assert account["posted_balance"] == -2_000


def test_another_partners_authorization_is_404(partner_client, make_partner, test_card):
    authorization_id = _authorize(partner_client, test_card).json()["id"]
    _, other_key = make_partner()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {other_key}")

    for method, url in [
        ("get", f"{API}/authorizations/{authorization_id}"),
        ("post", f"{API}/authorizations/{authorization_id}/capture"),
        ("post", f"{API}/authorizations/{authorization_id}/reverse"),
    ]:
        assert getattr(other, method)(url, {}, format="json").status_code == 404


def test_a_key_without_the_authorizations_scope_is_403(make_partner, test_card):
    _, key = make_partner(scopes=["payments"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert _authorize(client, test_card).status_code == 403
    assert Authorization.objects.count() == 0


def test_program_managers_enroll_issue_list_and_manage_cards(partner_client):
    product = CardProductFactory()
    cardholder = partner_client.post(
        f"{API}/cardholders",
        {
            "first_name": "Mae",
            "last_name": "Jemison",
            "date_of_birth": "1956-10-17",
            "address_line1": "1 Orbit Way",
            "city": "Houston",
            "postal_code": "77058",
            "country": "US",
            "email": "mae@example.com",
            "phone": "+1 555 0199",
            "product_id": str(product.public_id),
            "credit_limit": 250_000,
        },
        format="json",
    )
    assert cardholder.status_code == 201, cardholder.json()
    account_id = cardholder.json()["account_ids"][0]

    card = partner_client.post(
        f"{API}/cards",
        {
            "account_id": account_id,
            "product_id": str(product.public_id),
            "activate": True,
        },
        format="json",
    )
    assert card.status_code == 201
    assert "pan" not in card.json()
    card_id = card.json()["id"]

    frozen = partner_client.post(f"{API}/cards/{card_id}/freeze", {}, format="json")
    listed = partner_client.get(f"{API}/cards", {"status": "frozen"})
    unfrozen = partner_client.post(f"{API}/cards/{card_id}/unfreeze", {}, format="json")
    replaced = partner_client.post(
        f"{API}/cards/{card_id}/replace", {"reason": "stolen"}, format="json"
    )

    assert frozen.json()["status"] == "frozen"
    assert [row["id"] for row in listed.json()["results"]] == [card_id]
    assert "next" in listed.json()
    assert unfrozen.json()["status"] == "active"
    assert replaced.status_code == 201
    assert replaced.json()["replaces_id"] == card_id
    assert Card.objects.get(public_id=card_id).status == "closed"
    assert partner_client.get(f"{API}/cards", {"status": "nonsense"}).status_code == 400


def test_cards_of_another_program_are_invisible(partner_client, make_partner):
    product = CardProductFactory()
    _, other_key = make_partner()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {other_key}")
    body = {
        "first_name": "A",
        "last_name": "B",
        "date_of_birth": "1980-01-01",
        "address_line1": "x",
        "city": "y",
        "postal_code": "z",
        "country": "US",
        "email": "a@b.example",
        "phone": "1",
        "product_id": str(product.public_id),
    }
    mine = partner_client.post(f"{API}/cardholders", body, format="json").json()

    assert other.get(f"{API}/cardholders/{mine['id']}").status_code == 404
    assert other.get(f"{API}/accounts/{mine['account_ids'][0]}").status_code == 404

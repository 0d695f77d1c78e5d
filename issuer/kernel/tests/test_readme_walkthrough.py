"""The README's curl walk-through, step by step, through the same commands
and endpoints: create a partner, issue a test card, authorize, capture, read
the account and the authorization with its fraud field."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_the_readme_walk_through_works_as_written() -> None:
    out = StringIO()
    call_command(
        "create_partner",
        "Acme",
        "--scopes",
        "authorizations,refunds,accounts,cards",
        "--serves-issuer-cardholders",
        stdout=out,
    )
    key = out.getvalue().strip().splitlines()[-1]
    cards_csv = StringIO()
    call_command(
        "issue_test_cards", "--count", "1", "--limit", "500000", stdout=cards_csv
    )
    card = next(csv.DictReader(StringIO(cards_csv.getvalue())))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    authorized = api.post(
        "/api/v1/authorizations",
        {
            "pan": card["pan"],
            "expiry": card["expiry"],
            "cvv": card["cvv"],
            "amount": 1250,
            "currency": "USD",
            "merchant": {
                "id": "m-1",
                "name": "Corner Shop",
                "mcc": "5411",
                "country": "US",
            },
            "channel": "pos",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="walk-1",
    )
    authorization_id = authorized.json()["id"]
    captured = api.post(
        f"/api/v1/authorizations/{authorization_id}/capture",
        {"amount": 1250},
        format="json",
        HTTP_IDEMPOTENCY_KEY="walk-2",
    )
    account = api.get(f"/api/v1/accounts/{card['account_id']}")
    read = api.get(f"/api/v1/authorizations/{authorization_id}")

    assert authorized.status_code == 201, authorized.json()
    assert authorized.json()["status"] == "approved"
    assert captured.status_code == 201, captured.json()
    assert account.status_code == 200, account.json()
    assert account.json()["credit_limit"] == 500000
    assert account.json()["posted_balance"] == 1250
    assert account.json()["available"] == 500000 - 1250
    assert read.status_code == 200
    assert read.json()["captured_amount"] == 1250
    assert "fraud" in read.json()

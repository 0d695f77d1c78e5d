"""GET /api/v1/accounts/{id}/statements, exactly as in CONTRACTS.md."""

from datetime import UTC, date, datetime

import pytest
from rest_framework.test import APIClient

from accounts.models import Cardholder
from accounts.services.billing import billing_run
from accounts.tests.factories import account_opened_on, purchase_post

pytestmark = pytest.mark.django_db
CONTRACT_FIELDS = {
    "id",
    "period_start",
    "period_end",
    "previous_balance",
    "purchases",
    "payments",
    "fees",
    "interest",
    "new_balance",
    "minimum_payment",
    "due_date",
}


def test_statements_are_listed_newest_first_with_the_contract_fields(partner_client):
    account = account_opened_on(date(2026, 1, 1))
    purchase_post(account, 100_000, datetime(2026, 1, 10, 12, tzinfo=UTC))
    billing_run(account=account, as_of=date(2026, 2, 28))

    response = partner_client.get(f"/api/v1/accounts/{account.public_id}/statements")

    assert response.status_code == 200
    body = response.json()
    assert [row["period_end"] for row in body] == ["2026-02-28", "2026-01-28"]
    assert set(body[0]) >= CONTRACT_FIELDS
    assert {key: body[1][key] for key in CONTRACT_FIELDS - {"id"}} == {
        "period_start": "2026-01-01",
        "period_end": "2026-01-28",
        "previous_balance": 0,
        "purchases": 100_000,
        "payments": 0,
        "fees": 0,
        "interest": 0,
        "new_balance": 100_000,
        "minimum_payment": 2_500,
        "due_date": "2026-02-25",
    }
    assert body[0]["new_balance"] == 104_203


def test_another_programs_account_is_404(partner_client, make_partner):
    other, other_key = make_partner()
    account = account_opened_on(date(2026, 1, 1))
    Cardholder.objects.filter(pk=account.cardholder_id).update(program_partner=other)
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Api-Key {other_key}")

    mine = stranger.get(f"/api/v1/accounts/{account.public_id}/statements")
    theirs = partner_client.get(f"/api/v1/accounts/{account.public_id}/statements")

    assert (mine.status_code, mine.json()) == (200, [])
    assert theirs.status_code == 404
    assert theirs.json()["error"]["code"] == "not_found"

"""Bad input gets a 4xx in the contract's error shape, naming the field."""

import pytest
from django.contrib.auth.models import Group

from issuer.kernel.models import IdempotencyRecord

pytestmark = pytest.mark.urls("issuer.kernel.tests.urls")


def test_a_missing_and_a_wrong_field_are_named(partner_client):
    response = partner_client.post("/groups", {"size": "many"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "size"}
    assert "name" in error["message"]
    assert Group.objects.filter(name__startswith="many").count() == 0


def test_malformed_json_is_400_not_500(partner_client):
    response = partner_client.post(
        "/groups", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_wrong_method_uses_the_error_shape(partner_client):
    response = partner_client.get("/groups")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unexpected_api_error_is_a_json_500_without_traceback(partner_client):
    partner_client.raise_request_exception = False

    response = partner_client.get("/api/v1/explode")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    body = response.content.decode()
    assert "Traceback" not in body
    assert "4111111111111111" not in body
    assert "RuntimeError" not in body


@pytest.mark.parametrize("idempotency_key", [None, "gone-1"])
def test_a_database_out_of_reach_is_503_with_retry_after_and_nothing_written(
    partner_client, idempotency_key
):
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}

    response = partner_client.post(
        "/api/v1/database-gone", {}, format="json", **headers
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "service_unavailable"
    assert "Traceback" not in response.content.decode()
    assert not Group.objects.filter(name="written-before-the-database-went").exists()
    assert not IdempotencyRecord.objects.exists()

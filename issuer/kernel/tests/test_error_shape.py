"""Bad input gets a 4xx in the contract's error shape, naming the field."""

import pytest
from django.contrib.auth.models import Group

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

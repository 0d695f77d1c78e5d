"""Idempotency-Key semantics from CONTRACTS.md, on a real row-creating endpoint."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.test import APIClient

from issuer.kernel.models import IdempotencyRecord

pytestmark = pytest.mark.urls("issuer.kernel.tests.urls")


def _groups_named(prefix: str) -> int:
    return Group.objects.filter(name__startswith=f"{prefix}-").count()


def test_same_key_same_body_returns_identical_response_once(partner_client):
    """A retried request replays the stored response and has one effect."""
    body = {"name": "retry", "size": 3}
    first = partner_client.post(
        "/groups", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    second = partner_client.post(
        "/groups", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert _groups_named("retry") == 1


def test_same_key_other_body_is_409_and_changes_nothing(partner_client):
    partner_client.post(
        "/groups", {"name": "a", "size": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    response = partner_client.post(
        "/groups", {"name": "a", "size": 2}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert _groups_named("a") == 1


def test_keys_are_scoped_per_partner(make_partner):
    """Two partners may use the same key without seeing each other's results."""
    clients = []
    for _ in range(2):
        _, key = make_partner()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        clients.append(client)

    for client in clients:
        response = client.post(
            "/groups",
            {"name": "shared", "size": 1},
            format="json",
            HTTP_IDEMPOTENCY_KEY="same",
        )
        assert response.status_code == 201

    assert _groups_named("shared") == 2


def test_a_refused_request_rolls_back_its_writes_and_is_replayed(partner_client):
    """A domain error after a write leaves nothing behind; the retry replays it."""
    body = {"name": "explode-after-write", "size": 1}
    first = partner_client.post(
        "/groups", body, format="json", HTTP_IDEMPOTENCY_KEY="boom"
    )
    second = partner_client.post(
        "/groups", body, format="json", HTTP_IDEMPOTENCY_KEY="boom"
    )

    assert first.status_code == 409
    assert second.json() == first.json()
    assert _groups_named("explode-after-write") == 0


def test_an_overlong_key_is_rejected_naming_the_header(partner_client):
    response = partner_client.post(
        "/groups",
        {"name": "long", "size": 1},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 256,
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert _groups_named("long") == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_have_one_effect(make_partner):
    """Eight simultaneous requests with one key: one group, eight equal answers."""
    _, key = make_partner()
    start = threading.Barrier(8)
    responses = []
    lock = threading.Lock()

    def send() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        start.wait()
        try:
            response = client.post(
                "/groups",
                {"name": "race", "size": 1},
                format="json",
                HTTP_IDEMPOTENCY_KEY="race-key",
            )
            with lock:
                responses.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(responses) == 8
    assert {status for status, _ in responses} == {201}
    assert len({str(body) for _, body in responses}) == 1
    assert _groups_named("race") == 1
    assert IdempotencyRecord.objects.filter(key="race-key").count() == 1

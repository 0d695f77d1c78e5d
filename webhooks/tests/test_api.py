"""The partner API for webhooks: endpoints, the secret shown once, rotation
with an overlap, the delivery log and replays; scoped to the calling
partner; bad input names the field and changes nothing."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cards.models import CardStatusChange
from cards.services.lifecycle import SYSTEM, card_freeze
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSecret
from webhooks.selectors import webhook_signing_secrets
from webhooks.tests.test_delivery import documented_verifier

pytestmark = pytest.mark.django_db
ENDPOINTS = "/api/v1/webhook-endpoints"


def client_of(program) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {program.api_key}")
    return client


def create(client, url, events=("card.status_changed",), **extra):
    return client.post(
        ENDPOINTS, {"url": url, "events": list(events), **extra}, format="json"
    )


def test_creating_an_endpoint_returns_its_id_and_secret_once(program, receiver):
    client = client_of(program)

    response = create(client, receiver.url, alert_email="ops@partner.example")

    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get(public_id=body["id"])
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert webhook_signing_secrets(endpoint=endpoint, now=timezone.now()) == [
        body["secret"]
    ]
    assert endpoint.event_types == ["card.status_changed"]
    assert endpoint.alert_email == "ops@partner.example"
    assert body["secret"].encode() not in bytes(WebhookSecret.objects.get().ciphertext)
    shown_again = client.get(f"{ENDPOINTS}/{body['id']}").json()
    listed = client.get(ENDPOINTS).json()
    assert "secret" not in shown_again
    assert body["secret"] not in str(listed)
    assert [item["id"] for item in listed["results"]] == [body["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "not a url", "events": ["card.replaced"]}, "url"),
        ({"url": "ftp://partner.example/h", "events": ["card.replaced"]}, "url"),
        ({"url": "https://partner.example/h", "events": []}, "events"),
        ({"url": "https://partner.example/h", "events": ["card.exploded"]}, "events"),
        ({"url": "https://partner.example/h"}, "events"),
        (
            {
                "url": "https://partner.example/h",
                "events": ["card.replaced"],
                "alert_email": "nope",
            },
            "alert_email",
        ),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(program, payload, field):
    response = client_of(program).post(ENDPOINTS, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_internal_hosts_are_refused_in_production(program, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    settings.WEBHOOK_ALLOW_HTTP = False

    refused = [
        create(client_of(program), url).json()["error"]["fields"]["url"][0]
        for url in (
            "https://127.0.0.1/hooks",
            "https://10.1.2.3/hooks",
            "https://[::1]/hooks",
            "https://169.254.169.254/latest",
            "http://partner.example/hooks",
            "https://user:pw@8.8.8.8/hooks",
        )
    ]

    assert refused == [
        "The URL's host resolves to an internal address.",
        "The URL's host resolves to an internal address.",
        "The URL's host resolves to an internal address.",
        "The URL's host resolves to an internal address.",
        "The URL must start with https://.",
        "The URL must not carry credentials.",
    ]
    assert not WebhookEndpoint.objects.exists()


def test_a_key_without_the_webhooks_scope_is_refused(make_partner):
    _, key = make_partner(scopes=["cards"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    response = create(client, "https://partner.example/hooks")

    assert response.status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_another_partners_endpoints_and_deliveries_are_not_found(
    program, make_partner, issue_card, receiver, django_capture_on_commit_callbacks
):
    from webhooks.tests.conftest import program_with_card

    endpoint, _ = program.subscribe(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(
            card=program.card,
            reason=CardStatusChange.Reason.CARDHOLDER_REQUEST,
            actor=SYSTEM,
        )
    delivery = WebhookDelivery.objects.get()
    stranger = client_of(program_with_card(make_partner, issue_card))

    responses = [
        stranger.get(f"{ENDPOINTS}/{endpoint.public_id}"),
        stranger.patch(
            f"{ENDPOINTS}/{endpoint.public_id}", {"url": "https://x.example"}
        ),
        stranger.delete(f"{ENDPOINTS}/{endpoint.public_id}"),
        stranger.post(f"{ENDPOINTS}/{endpoint.public_id}/rotate-secret"),
        stranger.get(f"{ENDPOINTS}/{endpoint.public_id}/deliveries"),
        stranger.get(f"/api/v1/webhook-deliveries/{delivery.public_id}"),
        stranger.post(f"/api/v1/webhook-deliveries/{delivery.public_id}/replay"),
    ]

    assert [r.status_code for r in responses] == [404] * 7
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url
    assert WebhookSecret.objects.filter(endpoint=endpoint).count() == 1
    assert stranger.get(ENDPOINTS).json()["results"] == []


def test_rotation_signs_with_both_secrets_during_the_overlap(
    program, receiver, django_capture_on_commit_callbacks
):
    client = client_of(program)
    created = create(client, receiver.url).json()
    rotated = client.post(
        f"{ENDPOINTS}/{created['id']}/rotate-secret",
        {"overlap_seconds": 3600},
        format="json",
    ).json()

    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(
            card=program.card,
            reason=CardStatusChange.Reason.CARDHOLDER_REQUEST,
            actor=SYSTEM,
        )

    [request] = receiver.wait_for(1)
    header = request.headers["Webhook-Signature"]
    verify = documented_verifier()
    assert header.count("v1=") == 2
    assert verify(rotated["secret"], header, request.body)
    assert verify(created["secret"], header, request.body)
    expires = datetime.datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert abs((expires - timezone.now()).total_seconds() - 3600) < 60


def test_after_the_overlap_only_the_new_secret_signs(program):
    endpoint, old = program.subscribe("https://partner.example/hooks")
    client = client_of(program)

    new = client.post(
        f"{ENDPOINTS}/{endpoint.public_id}/rotate-secret",
        {"overlap_seconds": 0},
        format="json",
    ).json()["secret"]

    assert webhook_signing_secrets(
        endpoint=endpoint, now=timezone.now() + datetime.timedelta(seconds=1)
    ) == [new]
    assert new != old


def test_rotation_refuses_an_overlap_beyond_a_week(program):
    endpoint, old = program.subscribe("https://partner.example/hooks")

    response = client_of(program).post(
        f"{ENDPOINTS}/{endpoint.public_id}/rotate-secret",
        {"overlap_seconds": 8 * 86400},
        format="json",
    )

    assert response.status_code == 400
    assert "overlap_seconds" in response.json()["error"]["fields"]
    assert webhook_signing_secrets(endpoint=endpoint, now=timezone.now()) == [old]


def test_the_delivery_log_shows_every_attempt_and_a_replay_sends_again(
    program, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 600
    client = client_of(program)
    endpoint_id = create(client, receiver.url).json()["id"]
    receiver.script(("slow", 0.05, 503))
    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(
            card=program.card,
            reason=CardStatusChange.Reason.CARDHOLDER_REQUEST,
            actor=SYSTEM,
        )
    receiver.wait_for(1)

    log = client.get(f"{ENDPOINTS}/{endpoint_id}/deliveries?status=pending").json()
    [delivery] = log["results"]
    assert delivery["event_type"] == "card.status_changed"
    assert delivery["attempt_count"] == 1
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 503
    assert attempt["response_snippet"] == "answered 503"
    assert attempt["duration_ms"] >= 50
    assert attempt["outcome"] == "will_retry"
    assert (
        client.get(f"{ENDPOINTS}/{endpoint_id}/deliveries?status=succeeded").json()[
            "results"
        ]
        == []
    )
    assert (
        client.get(f"{ENDPOINTS}/{endpoint_id}/deliveries?status=lost").status_code
        == 400
    )

    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(f"/api/v1/webhook-deliveries/{delivery['id']}/replay")

    assert replayed.status_code == 202
    receiver.wait_for(2)
    detail = client.get(f"/api/v1/webhook-deliveries/{delivery['id']}").json()
    assert detail["status"] == "succeeded"
    assert [a["status_code"] for a in detail["attempts"]] == [503, 200]
    assert detail["event_id"] == receiver.requests[1].event["id"]


def test_a_partner_disables_and_enables_its_endpoint(program):
    endpoint, _ = program.subscribe("https://partner.example/hooks")
    client = client_of(program)
    url = f"{ENDPOINTS}/{endpoint.public_id}"

    disabled = client.patch(url, {"status": "disabled"}, format="json").json()
    enabled = client.patch(
        url, {"status": "enabled", "events": ["card.replaced"]}, format="json"
    ).json()

    assert disabled["status"] == "disabled"
    assert disabled["disabled_reason"] == "Disabled by the partner."
    assert enabled["status"] == "enabled"
    assert enabled["events"] == ["card.replaced"]
    assert client.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_the_api_docs_carry_the_verification_snippet(client):
    schema = client.get("/api/schema/").content.decode()

    assert "verify_webhook" in schema
    assert "hmac.compare_digest" in schema
    assert "/api/v1/webhook-endpoints" in schema

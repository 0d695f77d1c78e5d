"""Staff see endpoints' health and every delivery with its attempts, never
a signing secret."""

import pytest
from django.utils import timezone

from accounts.roles import PROGRAM_ADMIN, SUPPORT_AGENT
from cards.models import CardStatusChange
from cards.services.lifecycle import SYSTEM, card_freeze
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import webhook_signing_secrets

pytestmark = pytest.mark.django_db


def test_support_sees_the_delivery_log_but_no_secret(
    program, receiver, make_staff, staff_client, django_capture_on_commit_callbacks
):
    endpoint, secret = program.subscribe(receiver.url)
    receiver.script(502)
    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(
            card=program.card,
            reason=CardStatusChange.Reason.CARDHOLDER_REQUEST,
            actor=SYSTEM,
        )
    delivery = WebhookDelivery.objects.get()
    client = staff_client(make_staff("hooks-support", SUPPORT_AGENT))

    pages = [
        client.get("/admin/webhooks/webhookendpoint/"),
        client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"),
        client.get("/admin/webhooks/webhookdelivery/?status__exact=pending"),
        client.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200] * 4
    html = [page.content.decode() for page in pages]
    assert all(secret not in page for page in html)
    assert receiver.url in html[0]
    assert str(delivery.public_id) in html[2]
    detail = html[3]
    assert str(delivery.event.event_id) in detail
    assert "answered 502" in detail
    assert "&quot;previous_status&quot;:&quot;active&quot;" in detail


def test_a_program_admin_registers_an_endpoint_and_sees_its_secret_once(
    program, make_staff, staff_client
):
    client = staff_client(make_staff("hooks-admin", PROGRAM_ADMIN))

    added = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "partner": program.partner.pk,
            "url": "https://partner.example/hooks",
            "event_types": ["card.replaced", "statement.closed"],
            "description": "Program events",
            "alert_email": "",
        },
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    [secret] = webhook_signing_secrets(endpoint=endpoint, now=timezone.now())
    assert added.status_code == 200
    assert secret in added.content.decode()
    assert endpoint.partner == program.partner
    assert endpoint.event_types == ["card.replaced", "statement.closed"]
    page = client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert secret not in page.content.decode()


def test_an_internal_url_is_refused_in_the_admin_and_nothing_saved(
    program, make_staff, staff_client, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    client = staff_client(make_staff("hooks-admin", PROGRAM_ADMIN))

    page = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "partner": program.partner.pk,
            "url": "http://10.0.0.8/hooks",
            "event_types": ["*"],
        },
    )

    assert page.status_code == 200
    assert "resolves to an internal address" in page.content.decode()
    assert not WebhookEndpoint.objects.exists()

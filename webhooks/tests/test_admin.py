"""Staff see endpoints' health and every delivery with its attempts, never
a signing secret."""

import pytest

from accounts.roles import SUPPORT_AGENT
from cards.models import CardStatusChange
from cards.services.lifecycle import SYSTEM, card_freeze
from webhooks.models import WebhookDelivery

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

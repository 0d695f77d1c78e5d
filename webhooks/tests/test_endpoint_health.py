"""An endpoint that keeps failing is disabled, with an alert; a success
resets its streak; enabling it resumes what was held."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from cards.models import CardStatusChange
from cards.services.lifecycle import SYSTEM, card_fraud_freeze_release, card_freeze
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.delivery import AttemptOutcome, webhook_delivery_attempt
from webhooks.services.endpoints import webhook_endpoint_enable

pytestmark = pytest.mark.django_db
FROZEN = CardStatusChange.Reason.CARDHOLDER_REQUEST


@pytest.fixture
def strict(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 600
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_DISABLE_AFTER_SECONDS = 3600
    settings.WEBHOOK_ALERT_EMAILS = ["webhooks-oncall@issuer.example"]


def alerts() -> list:
    """The emails to the issuer's on-call (cardholders are told of the
    freeze that makes the event too)."""
    return [m for m in mail.outbox if "webhooks-oncall@issuer.example" in m.to]


def _attempt_again(delivery: WebhookDelivery) -> AttemptOutcome:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now()
    )
    return webhook_delivery_attempt(delivery_id=delivery.pk)


def _failing_for(endpoint: WebhookEndpoint, hours: int) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - datetime.timedelta(hours=hours)
    )


def test_persistent_failure_disables_the_endpoint_and_alerts(
    program, receiver, strict, django_capture_on_commit_callbacks
):
    endpoint, _ = program.subscribe(receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        alert_email="tech@partner.example"
    )
    receiver.script(500, 500, 500, 500)
    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
    delivery = WebhookDelivery.objects.get()
    _attempt_again(delivery)
    _failing_for(endpoint, hours=2)

    third = _attempt_again(delivery)

    endpoint.refresh_from_db()
    assert third == AttemptOutcome.WILL_RETRY
    assert endpoint.status == "disabled"
    assert endpoint.consecutive_failures == 3
    assert endpoint.disabled_reason.startswith("Disabled after 3 failed attempts")
    [alert] = alerts()
    assert alert.to == ["webhooks-oncall@issuer.example", "tech@partner.example"]
    assert receiver.url in alert.subject
    assert _attempt_again(delivery) == AttemptOutcome.ENDPOINT_DISABLED
    assert len(receiver.requests) == 3
    assert len(alerts()) == 1


def test_a_short_streak_does_not_disable(
    program, receiver, strict, django_capture_on_commit_callbacks
):
    """Many failures in a row, but for less than the disabling time."""
    endpoint, _ = program.subscribe(receiver.url)
    receiver.script(500, 500, 500, 500)
    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
    delivery = WebhookDelivery.objects.get()

    for _ in range(3):
        _attempt_again(delivery)

    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 4
    assert endpoint.status == "enabled"
    assert alerts() == []


def test_a_success_resets_the_streak(
    program, receiver, strict, django_capture_on_commit_callbacks
):
    endpoint, _ = program.subscribe(receiver.url)
    receiver.script(500)
    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since is None) == (1, False)

    _attempt_again(WebhookDelivery.objects.get())

    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert endpoint.failing_since is None
    assert endpoint.last_success_at is not None


def test_enabling_resumes_held_deliveries_with_a_new_window(
    program, receiver, strict, django_capture_on_commit_callbacks
):
    endpoint, _ = program.subscribe(receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status="disabled")
    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
        card_fraud_freeze_release(card=program.card, actor=SYSTEM, case_id="case-1")
    assert receiver.requests == []
    WebhookDelivery.objects.update(retry_until=timezone.now())

    webhook_endpoint_enable(endpoint=endpoint)
    for delivery in WebhookDelivery.objects.order_by("sequence"):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_delivery_attempt(delivery_id=delivery.pk)

    assert [r.event["data"]["status"] for r in receiver.wait_for(2)] == [
        "frozen",
        "active",
    ]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        "succeeded"
    }

"""Deliveries to a real local HTTP server, run in-process (tasks eager):
the body and signature partners verify, final and retried failures,
replays and the routing of events to the partners they concern."""

import datetime
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone

from cards.models import CardStatusChange
from cards.services.lifecycle import (
    SYSTEM,
    card_fraud_freeze_release,
    card_freeze,
    card_replace,
)
from fraud.tests.conftest import authorize
from issuer.kernel.models import OutboxEvent
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services.delivery import (
    AttemptOutcome,
    webhook_delivery_attempt,
    webhook_delivery_replay,
)
from webhooks.tests.conftest import program_with_card

pytestmark = pytest.mark.django_db
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
FROZEN = CardStatusChange.Reason.CARDHOLDER_REQUEST


def documented_verifier():
    """The partner-side check exactly as docs/webhooks.md prints it."""
    code = GUIDE.read_text().split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)  # our own documentation's snippet
    return namespace["verify_webhook"]


def freeze(program, capture):
    with capture(execute=True):
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)


def test_an_event_arrives_signed_and_the_documented_check_accepts_it(
    program, receiver, django_capture_on_commit_callbacks
):
    endpoint, secret = program.subscribe(receiver.url, ["card.status_changed"])

    freeze(program, django_capture_on_commit_callbacks)

    [request] = receiver.wait_for(1)
    header = request.headers["Webhook-Signature"]
    verify = documented_verifier()
    outbox = OutboxEvent.objects.get(
        type="card.status_changed",
        aggregate_id=str(program.card.public_id),
        payload__to_status="frozen",
    )
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert verify(secret, header, request.body)
    assert not verify("whsec_not-the-secret", header, request.body)
    assert not verify(secret, header, request.body.replace(b"frozen", b"active"))
    assert not verify(secret, header, request.body, now=time.time() + 301)
    event = request.event
    assert set(event) == {"id", "type", "created", "data"}
    assert event["id"] == str(outbox.event_id)
    assert request.headers["Webhook-Id"] == event["id"]
    assert event["type"] == "card.status_changed"
    assert event["created"] == int(outbox.created_at.timestamp())
    assert event["data"]["id"] == str(program.card.public_id)
    assert event["data"]["status"] == "frozen"
    assert event["data"]["previous_status"] == "active"
    assert event["data"]["last_four"] == program.card.last_four
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "succeeded"
    assert list(
        delivery.attempts.values_list("number", "status_code", "response_snippet")
    ) == [(1, 200, "answered 200")]


def test_only_subscribed_types_are_sent(
    program, receiver, django_capture_on_commit_callbacks
):
    program.subscribe(receiver.url, ["card.replaced"])

    freeze(program, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        card_replace(card=program.card, reason="lost", actor=SYSTEM)

    requests = receiver.wait_for(1)
    time.sleep(0.2)
    assert [r.event["type"] for r in receiver.requests] == ["card.replaced"]
    assert requests[0].event["data"]["replacement_card_id"] is not None


def test_events_reach_only_the_partners_they_concern(
    make_partner, issue_card, receiver, django_capture_on_commit_callbacks
):
    """A program manager hears of its own cardholders' cards, never of
    another program's; the acquirer that sent a transaction hears of it."""
    mine = program_with_card(make_partner, issue_card)
    theirs = program_with_card(make_partner, issue_card)
    mine.subscribe(receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(card=theirs.card, reason=FROZEN, actor=SYSTEM)
        card_freeze(card=mine.card, reason=FROZEN, actor=SYSTEM)

    [request] = receiver.wait_for(1)
    time.sleep(0.2)
    assert len(receiver.requests) == 1
    assert request.event["data"]["id"] == str(mine.card.public_id)
    assert WebhookDelivery.objects.count() == 1


def test_a_refusal_other_than_408_or_429_is_final(
    program, receiver, django_capture_on_commit_callbacks
):
    program.subscribe(receiver.url)
    receiver.script(400)

    freeze(program, django_capture_on_commit_callbacks)

    receiver.wait_for(1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_status_code == 400
    assert list(delivery.attempts.values_list("outcome", flat=True)) == ["failed"]
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == AttemptOutcome.NOT_DUE


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_retryable_answers_schedule_a_retry_within_the_backoff(
    status, program, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 600  # beyond the countdown: the sweeper's
    settings.WEBHOOK_RETRY_JITTER = 0.2
    program.subscribe(receiver.url)
    receiver.script(status)
    before = timezone.now()

    freeze(program, django_capture_on_commit_callbacks)

    receiver.wait_for(1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.attempt_count == 1
    assert delivery.last_status_code == status
    wait = delivery.next_attempt_at - before
    assert datetime.timedelta(seconds=480) <= wait
    assert wait <= datetime.timedelta(seconds=720 + 5)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == AttemptOutcome.NOT_DUE


def test_network_errors_are_retried_and_logged(
    program, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 600
    program.subscribe("http://127.0.0.1:9/unreachable")

    freeze(program, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    [attempt] = delivery.attempts.all()
    assert attempt.status_code is None
    assert attempt.outcome == "will_retry"
    assert "ConnectError" in attempt.error


def test_retries_stop_at_the_end_of_the_window(
    program, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 600
    program.subscribe(receiver.url)
    receiver.script(500, 500)
    freeze(program, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now(),
        retry_until=timezone.now() + datetime.timedelta(seconds=60),
    )

    outcome = webhook_delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome == AttemptOutcome.FAILED
    assert delivery.status == "failed"
    assert list(delivery.attempts.values_list("outcome", flat=True)) == [
        "will_retry",
        "failed",
    ]


def test_a_replay_sends_the_same_event_id_and_bytes_with_a_fresh_signature(
    program, receiver, django_capture_on_commit_callbacks
):
    program.subscribe(receiver.url)
    freeze(program, django_capture_on_commit_callbacks)
    [first] = receiver.wait_for(1)
    time.sleep(1.1)  # a later second: a later signature timestamp

    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_replay(delivery=WebhookDelivery.objects.get())

    second = receiver.wait_for(2)[1]
    assert second.body == first.body
    assert second.event["id"] == first.event["id"]
    assert second.headers["Webhook-Signature"] != first.headers["Webhook-Signature"]
    assert WebhookDelivery.objects.get().attempt_count == 2


def test_a_redelivered_outbox_event_makes_no_second_delivery(
    program, receiver, django_capture_on_commit_callbacks
):
    from webhooks.tasks import fan_out

    program.subscribe(receiver.url)
    freeze(program, django_capture_on_commit_callbacks)
    receiver.wait_for(1)
    event = OutboxEvent.objects.get(
        type="card.status_changed", payload__to_status="frozen"
    )

    with django_capture_on_commit_callbacks(execute=True):
        fan_out([event.pk])

    time.sleep(0.2)
    assert len(receiver.requests) == 1
    assert WebhookEvent.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1


def test_each_endpoint_gets_the_same_event_id(
    make_partner, issue_card, receiver, django_capture_on_commit_callbacks
):
    program = program_with_card(make_partner, issue_card)
    program.subscribe(receiver.url)
    program.subscribe(receiver.url + "/second")

    freeze(program, django_capture_on_commit_callbacks)

    requests = receiver.wait_for(2)
    assert {r.event["id"] for r in requests} == {
        str(WebhookEvent.objects.get().event_id)
    }
    assert len({r.body for r in requests}) == 1


def test_an_authorization_and_its_lifecycle_reach_the_program(
    program, receiver, django_capture_on_commit_callbacks
):
    program.subscribe(
        receiver.url, ["authorization.approved", "authorization.declined"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        approved = authorize(program.sandbox, 1_234)
        declined = authorize(program.sandbox, 10_000_000)

    requests = receiver.wait_for(2)
    by_type = {r.event["type"]: r.event["data"] for r in requests}
    assert by_type["authorization.approved"]["id"] == str(approved.public_id)
    assert by_type["authorization.approved"]["amount"] == 1_234
    assert by_type["authorization.declined"]["id"] == str(declined.public_id)
    assert by_type["authorization.declined"]["response_code"] == "51"


def test_unfreeze_after_freeze_reports_each_state_as_it_was(
    program, receiver, django_capture_on_commit_callbacks
):
    """Rendered after both changes, each event still tells its own status."""
    program.subscribe(receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
        card_fraud_freeze_release(card=program.card, actor=SYSTEM, case_id="case-1")

    requests = receiver.wait_for(2)
    assert [
        (r.event["data"]["previous_status"], r.event["data"]["status"])
        for r in requests
    ] == [
        ("active", "frozen"),
        ("frozen", "active"),
    ]
    assert WebhookAttempt.objects.count() == 2


def test_events_nobody_subscribes_to_are_not_rendered(
    program, django_assert_num_queries
):
    """A pass of card changes, with endpoints wanting other types only: the
    events and the wanted types are read, no card, no delivery."""
    from webhooks.tasks import fan_out

    program.subscribe("https://partner.example/hooks", ["statement.closed"])
    card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
    card_fraud_freeze_release(card=program.card, actor=SYSTEM, case_id="case-1")
    ids = list(
        OutboxEvent.objects.filter(type="card.status_changed").values_list(
            "pk", flat=True
        )
    )

    with django_assert_num_queries(2):
        assert fan_out(ids) == 0

    assert not WebhookEvent.objects.exists()

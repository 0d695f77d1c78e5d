"""Deliveries through the broker to real Celery worker processes, received
by a real local HTTP server: the retry schedule on 500s and timeouts, the
order of one object's events, and at-least-once delivery when the worker
dies mid-send."""

import os
import signal
import time
from itertools import pairwise

import pytest
from django.utils import timezone

from cards.models import CardStatusChange
from cards.services.lifecycle import SYSTEM, Actor, card_freeze, card_unfreeze
from conftest import running_celery_worker, tasks_through_broker
from issuer.kernel.models import OutboxEvent
from webhooks.models import WebhookDelivery
from webhooks.services.delivery import webhook_deliveries_sweep
from webhooks.tests.conftest import program_with_card

pytestmark = pytest.mark.xdist_group("celery-worker")
FROZEN = CardStatusChange.Reason.CARDHOLDER_REQUEST
FAST = {
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
    "WEBHOOK_RETRY_JITTER": "0.2",
    "WEBHOOK_TIMEOUT_SECONDS": "1",
}
SLACK = 1.5  # broker round trip and worker start-up of one retry, at most


def _wait_until(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def _gaps(requests) -> list[float]:
    return [later.at - earlier.at for earlier, later in pairwise(requests)]


@pytest.fixture
def broker(transactional_db):
    with tasks_through_broker():
        yield


def test_500s_are_retried_on_the_backoff_schedule(
    broker, make_partner, issue_card, receiver, settings
):
    """Three 500s then 200: retries after about 1, 2 and 4 s (±20 %), never
    sooner; each copy carries the same event id and bytes."""
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1
    program = program_with_card(make_partner, issue_card)
    program.subscribe(receiver.url)
    receiver.script(500, 500, 500, 200)

    with running_celery_worker(**FAST):
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
        requests = receiver.wait_for(4)
        _wait_until(lambda: WebhookDelivery.objects.get().status == "succeeded")

    gaps = _gaps(requests)
    for gap, nominal in zip(gaps, [1, 2, 4]):
        assert nominal * 0.8 <= gap <= nominal * 1.2 + SLACK, gaps
    assert len({r.body for r in requests}) == 1
    assert len({r.headers["Webhook-Id"] for r in requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert list(delivery.attempts.values_list("status_code", "outcome")) == [
        (500, "will_retry"),
        (500, "will_retry"),
        (500, "will_retry"),
        (200, "succeeded"),
    ]


def test_a_timeout_is_retried(broker, make_partner, issue_card, receiver, settings):
    program = program_with_card(make_partner, issue_card)
    program.subscribe(receiver.url)
    receiver.script(("slow", 2.5, 200), 200)

    with running_celery_worker(**FAST):
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
        requests = receiver.wait_for(2)
        _wait_until(lambda: WebhookDelivery.objects.get().status == "succeeded")

    assert 0.8 <= _gaps(requests)[0] <= 1 + 1.2 + SLACK
    attempts = list(WebhookDelivery.objects.get().attempts.all())
    assert [a.outcome for a in attempts] == ["will_retry", "succeeded"]
    assert attempts[0].status_code is None
    assert attempts[0].error == "timed out after 1 s"
    assert attempts[0].duration_ms >= 1000


def test_one_objects_events_arrive_in_order_while_others_flow(
    broker, make_partner, issue_card, receiver, settings
):
    """The first event of card A fails twice; A's later events wait behind
    it and arrive in order, while card B's event is not held up."""
    program = program_with_card(make_partner, issue_card)
    other = issue_card()
    type(program.card.account.cardholder).objects.filter(
        pk=other.issued.card.account.cardholder_id
    ).update(program_partner=program.partner)
    program.subscribe(receiver.url)
    # The program manager's own freezes: its side may lift them.
    manager = Actor(channel=CardStatusChange.Channel.API, partner=program.partner)
    card_freeze(card=program.card, reason=FROZEN, actor=manager)
    card_unfreeze(card=program.card, actor=manager)
    card_freeze(card=program.card, reason=FROZEN, actor=manager)
    card_freeze(card=other.issued.card, reason=FROZEN, actor=manager)
    first = OutboxEvent.objects.filter(
        type="card.status_changed",
        aggregate_id=str(program.card.public_id),
        payload__to_status="frozen",
    ).earliest("pk")
    receiver.script_for(str(first.event_id), 500, 500)

    with running_celery_worker(**FAST):
        receiver.wait_for(6)
        _wait_until(
            lambda: (
                set(WebhookDelivery.objects.values_list("status", flat=True))
                == {"succeeded"}
            )
        )

    card_a = str(program.card.public_id)
    seen_a = [
        (r.event["data"]["previous_status"], r.event["data"]["status"])
        for r in receiver.requests
        if r.event["data"]["id"] == card_a
    ]
    assert seen_a == [
        ("active", "frozen"),
        ("active", "frozen"),
        ("active", "frozen"),
        ("frozen", "active"),
        ("active", "frozen"),
    ]
    arrival_of_b = next(
        i
        for i, r in enumerate(receiver.requests)
        if r.event["data"]["id"] == str(other.issued.card.public_id)
    )
    assert arrival_of_b < 4, "card B waited behind card A's retries"


def test_a_worker_killed_mid_delivery_leaves_it_to_be_delivered_again(
    broker, make_partner, issue_card, receiver, settings
):
    """At least once: the worker dies while the endpoint holds the request;
    once its lease lapses the sweeper hands the delivery to a new worker,
    which sends the same event again."""
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    program = program_with_card(make_partner, issue_card)
    program.subscribe(receiver.url)
    receiver.script("hang")
    slow_endpoint = {**FAST, "WEBHOOK_TIMEOUT_SECONDS": "3"}

    with running_celery_worker(**slow_endpoint) as doomed:
        card_freeze(card=program.card, reason=FROZEN, actor=SYSTEM)
        [first] = receiver.wait_for(1)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.claimed_until is not None
    assert webhook_deliveries_sweep() == 0, "handed out again inside its lease"

    _wait_until(lambda: WebhookDelivery.objects.get().claimed_until < timezone.now())
    with running_celery_worker(**slow_endpoint):
        # The sweeper hands it out, unless the broker already gave the dead
        # worker's unacknowledged task to the new one (its visibility timeout
        # lapsed on a slow machine), which then holds or has sent it.
        handed_out = webhook_deliveries_sweep()
        taken = WebhookDelivery.objects.get()
        assert handed_out == 1 or taken.claim_token or taken.status == "succeeded"
        second = receiver.wait_for(2)[1]
        _wait_until(lambda: WebhookDelivery.objects.get().status == "succeeded")

    assert second.event["id"] == first.event["id"]
    assert second.body == first.body

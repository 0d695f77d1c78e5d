"""A broker outage delays events but never blocks approvals or loses events."""

import time

import pytest
from django.db import connection

from cards.models import Authorization
from cards.tests.conftest import authorization_body
from issuer.celery import app as celery_app
from issuer.kernel.models import OutboxEvent
from issuer.kernel.tasks import sweep_outbox

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _point_broker_at(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_approvals_continue_while_redis_is_down_and_events_follow(
    partner_client, issue_card, celery_worker
):
    test_card = issue_card()
    working_broker = celery_app.conf.broker_url
    _point_broker_at("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        responses = [
            partner_client.post(
                "/api/v1/authorizations",
                authorization_body(test_card, amount=100 + n),
                format="json",
            )
            for n in range(5)
        ]
    finally:
        _point_broker_at(working_broker)

    assert [r.json()["status"] for r in responses] == ["approved"] * 5
    waiting = OutboxEvent.objects.filter(
        type="authorization.approved", dispatched_at__isnull=True
    )
    assert waiting.count() == 5

    sweep_outbox.delay(grace_seconds=0)  # what beat does every 30 s

    deadline = time.monotonic() + 30
    while waiting.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
        connection.close()
    assert not waiting.exists()
    assert Authorization.objects.filter(status="approved").count() == 5

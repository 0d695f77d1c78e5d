"""Fraud disputes become training labels through the outbox consumer."""

import datetime
import time

import pytest
from django.db import connection

from cards.services.disputes import (
    dispute_file,
    dispute_resolve,
    dispute_submit,
    dispute_withdraw,
)
from cards.tests.conftest import cleared_capture
from fraud.models import HistoricalTransaction
from fraud.services.live import live_transaction_id
from fraud.tasks_disputes import label_dispute_event
from issuer.kernel.models import OutboxEvent
from issuer.kernel.outbox import consumers_for

DAY = datetime.timedelta(days=1)


def _file(capture, reason, now):
    return dispute_file(
        capture=capture,
        amount=capture.amount,
        reason=reason,
        description="Not me.",
        now=now,
    )


def _history(capture) -> HistoricalTransaction | None:
    return HistoricalTransaction.objects.filter(
        transaction_id=live_transaction_id(capture.authorization)
    ).first()


def test_fraud_registers_for_dispute_events():
    for event_type in ("dispute.filed", "dispute.resolved"):
        assert "fraud.label_dispute_event" in [
            consumer.task_name for consumer in consumers_for(event_type)
        ]


@pytest.mark.django_db
def test_a_fraud_dispute_labels_the_transaction_fraud_from_its_filing(
    test_card, django_capture_on_commit_callbacks
):
    capture = cleared_capture(test_card, 2_000)
    filed_at = capture.created_at + 2 * DAY

    with django_capture_on_commit_callbacks(execute=True):
        dispute = _file(capture, "fraud", filed_at)

    record = _history(capture)
    assert record is not None
    assert (record.is_fraud, record.label_time) == (True, filed_at)
    assert record.transaction_id == f"auth-{capture.authorization.public_id}"
    assert (
        OutboxEvent.objects.get(
            aggregate_id=str(dispute.public_id), type="dispute.filed"
        ).dispatched_at
        is not None
    )


@pytest.mark.django_db
def test_a_dispute_for_another_reason_writes_no_label(
    test_card, django_capture_on_commit_callbacks
):
    capture = cleared_capture(test_card, 2_000)

    with django_capture_on_commit_callbacks(execute=True):
        _file(capture, "not_received", capture.created_at + DAY)

    assert _history(capture) is None


@pytest.mark.django_db
def test_a_redelivered_event_keeps_the_first_label_time(test_card):
    capture = cleared_capture(test_card, 2_000)
    filed_at = capture.created_at + DAY
    dispute = _file(capture, "fraud", filed_at)
    event = OutboxEvent.objects.get(
        aggregate_id=str(dispute.public_id), type="dispute.filed"
    )

    results = [label_dispute_event(event.pk) for _ in range(3)]

    assert results == [True, True, True]
    record = _history(capture)
    assert (record.is_fraud, record.label_time) == (True, filed_at)
    assert HistoricalTransaction.objects.count() == 1


@pytest.mark.django_db
def test_a_withdrawn_fraud_claim_relabels_genuine(
    test_card, django_capture_on_commit_callbacks
):
    capture = cleared_capture(test_card, 2_000)
    filed_at = capture.created_at + DAY
    with django_capture_on_commit_callbacks(execute=True):
        dispute = _file(capture, "fraud", filed_at)
    with django_capture_on_commit_callbacks(execute=True):
        dispute_withdraw(dispute=dispute, now=filed_at + 4 * DAY)

    record = _history(capture)
    assert (record.is_fraud, record.label_time) == (False, filed_at + 4 * DAY)


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_the_networks_decision_keeps_the_fraud_label(
    test_card, outcome, django_capture_on_commit_callbacks
):
    capture = cleared_capture(test_card, 2_000)
    filed_at = capture.created_at + DAY
    with django_capture_on_commit_callbacks(execute=True):
        dispute = _file(capture, "fraud", filed_at)
        dispute_submit(dispute=dispute, now=filed_at)
    with django_capture_on_commit_callbacks(execute=True):
        dispute_resolve(dispute=dispute, outcome=outcome, now=filed_at + 9 * DAY)

    record = _history(capture)
    assert (record.is_fraud, record.label_time) == (True, filed_at)
    assert OutboxEvent.objects.get(type="dispute.resolved").dispatched_at is not None


@pytest.mark.django_db
def test_a_missing_event_is_skipped():
    assert label_dispute_event(987_654) is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_labels_a_fraud_dispute(celery_worker, issue_card):
    capture = cleared_capture(issue_card(), 3_000)
    filed_at = capture.created_at + DAY

    _file(capture, "fraud", filed_at)

    deadline = time.monotonic() + 30
    record = _history(capture)
    while (record is None or record.is_fraud is None) and time.monotonic() < deadline:
        time.sleep(0.2)
        connection.close()
        record = _history(capture)
    assert record is not None
    assert (record.is_fraud, record.label_time) == (True, filed_at)

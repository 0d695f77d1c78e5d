"""The outbox relay batches committed events and still delivers every one."""

import time

import pytest
from django.db import connection, transaction

from issuer.kernel import outbox
from issuer.kernel.models import OutboxEvent
from issuer.kernel.outbox import event_publish

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_events_committed_together_go_as_few_messages_and_all_arrive(
    celery_worker, settings, monkeypatch
):
    settings.OUTBOX_RELAY_BATCH_MS = 50
    batches: list[list[int]] = []
    real_publish = outbox._publish

    def spy(event_ids: list[int]) -> None:
        batches.append(list(event_ids))
        real_publish(event_ids)

    monkeypatch.setattr(outbox, "_publish", spy)

    for number in range(20):
        with transaction.atomic():
            event_publish(
                type="test.happened",
                aggregate_type="test",
                aggregate_id=str(number),
                payload={"n": number},
            )

    waiting = OutboxEvent.objects.filter(dispatched_at__isnull=True)
    deadline = time.monotonic() + 30
    while waiting.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
        connection.close()

    assert not waiting.exists()
    assert sorted(i for batch in batches for i in batch) == sorted(
        OutboxEvent.objects.values_list("pk", flat=True)
    )
    assert len(batches) < 20

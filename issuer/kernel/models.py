"""Kernel records shared by every app.

IdempotencyRecord: one row per (owner, key) for every POST that carried an
`Idempotency-Key`. It is inserted in the same transaction as the effect, so
the effect and its stored response commit together or not at all; a
concurrent duplicate blocks on the unique index until the first commits and
then replays its response.
"""

import uuid

from django.db import models


class IdempotencyRecord(models.Model):
    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "key"], name="kernel_idempotencyrecord_owner_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change it reports.

    A relay hands undispatched events to Celery (on commit; a beat sweeper
    catches what a broker outage left behind), so the change and its event
    commit together and an outage delays delivery but never loses it.
    Payloads carry ids and amounts, never card numbers.
    """

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=60, db_index=True)
    aggregate_type = models.CharField(max_length=40)
    aggregate_id = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["dispatched_at", "created_at"]),
            models.Index(fields=["aggregate_type", "aggregate_id", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"

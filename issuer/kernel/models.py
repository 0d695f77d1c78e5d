"""Kernel records shared by every app.

IdempotencyRecord: one row per (owner, key) for every POST that carried an
`Idempotency-Key`. It is inserted in the same transaction as the effect, so
the effect and its stored response commit together or not at all; a
concurrent duplicate blocks on the unique index until the first commits and
then replays its response.
"""

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

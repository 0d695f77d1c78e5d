"""Kernel records shared by every app.

IdempotencyRecord: one row per (owner, key) for every POST that carried an
`Idempotency-Key`. It is inserted in the same transaction as the effect, so
the effect and its stored response commit together or not at all; a
concurrent duplicate blocks on the unique index until the first commits and
then replays its response.

OutboxEvent: a domain event written in the same transaction as its change.

AuditEvent: the append-only audit trail of staff actions, sign-ins, PAN
reveals and data exports; never updated, never deleted.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from issuer.kernel.fields import ExactCharField


class IdempotencyRecord(models.Model):
    owner = models.CharField(max_length=64)
    # Byte-exact: keys that differ only in letter case are two operations.
    key = ExactCharField(max_length=255)
    # HMAC-SHA256 (hex) of the request's canonical form without card data,
    # under the IDEMPOTENCY_FINGERPRINT_KEYS key named beside it.
    request_fingerprint = models.CharField(max_length=64)
    request_fingerprint_key_id = models.CharField(max_length=32, default="")
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


class AuditTrailIsAppendOnly(Exception):
    """An attempt to change or remove an audit event; nothing was changed."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Audit events are only ever inserted and read."""

    def update(self, **kwargs: object) -> int:
        raise AuditTrailIsAppendOnly("Audit events cannot be updated.")

    def bulk_update(self, *args: object, **kwargs: object) -> int:
        raise AuditTrailIsAppendOnly("Audit events cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One staff action, sign-in event, PAN reveal or data export.

    Append-only: the model refuses updates and deletes, and on MariaDB/MySQL
    triggers refuse them in the database too (see migration 0004). Who: the
    actor and a snapshot of their username (kept if the user is renamed; a
    user with events cannot be deleted). What: the action, its target and
    details (changed fields with old and new values; never card data or
    secrets). When, from where (IP address, user agent) and the outcome.
    """

    class Action(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", "Login succeeded"
        LOGIN_FAILED = "login_failed", "Login failed"
        LOGGED_OUT = "logged_out", "Logged out"
        LOCKED_OUT = "locked_out", "Locked out"
        TOTP_ENROLLED = "totp_enrolled", "Second factor enrolled"
        PASSWORD_CHANGE = "password_change", "Password change"
        ADMIN_ADD = "admin_add", "Added in admin"
        ADMIN_CHANGE = "admin_change", "Changed in admin"
        ADMIN_DELETE = "admin_delete", "Deleted in admin"
        ADMIN_ACTION = "admin_action", "Admin action"
        PERMISSION_CHANGE = "permission_change", "Permission change"
        PAN_REVEAL = "pan_reveal", "Card number revealed"
        DATA_EXPORT = "data_export", "Data export"
        FORCE_POST = "force_post", "Capture force-posted"

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DENIED = "denied", "Denied"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True, db_index=True)
    action = models.CharField(max_length=24, choices=Action.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    target_type = models.CharField(
        max_length=100, blank=True, help_text="app_label.model of the target."
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["action", "occurred_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "anonymous"
        return f"{self.get_action_display()} by {who} ({self.outcome})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")

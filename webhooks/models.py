"""Partner webhooks: where events go, what was sent, and every attempt.

- WebhookEndpoint: a partner's URL and the event types it wants. Enabled
  endpoints receive deliveries; one that keeps failing is disabled (with an
  alert) until its partner or staff enable it again. A disabled endpoint's
  deliveries are recorded and held, then sent in order once it is enabled.
- WebhookSecret: the signing secrets of an endpoint, sealed at rest with
  the data key ring. The current one has no `expires_at`; a rotated-out one
  keeps signing until its `expires_at` (the overlap window), so a partner
  can switch secrets without dropping a delivery.
- WebhookEvent: one public event (its `event_id` is the outbox event's), its
  JSON body rendered once: every delivery and redelivery sends these same
  bytes, so duplicates carry the same id.
- WebhookDelivery: one event to one endpoint, at most one per pair. Pending
  until it succeeds or fails for good (a 4xx other than 408/429, or a day of
  retries). Deliveries about one object (`object_key`) reach an endpoint in
  event order: a delivery waits while an earlier one of its object is
  pending. `claimed_until` is the lease of the worker sending it; a lease
  that lapses (a killed worker) makes it due again.
- WebhookAttempt: one POST and what came back (status, latency, the start
  of the response body, or the network error).
"""

import uuid

from django.db import models
from django.db.models import Q

from accounts.models import Partner


class WebhookEndpoint(models.Model):
    class Status(models.TextChoices):
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True)
    alert_email = models.EmailField(
        blank=True, help_text="Told when the endpoint is disabled for failing."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ENABLED
    )
    disabled_reason = models.CharField(max_length=200, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failed attempt since the last success."
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partner", "status"])]
        permissions = [("enable_webhookendpoint", "Can enable or disable endpoints")]

    def __str__(self) -> str:
        return f"{self.partner} → {self.url}"

    @property
    def is_enabled(self) -> bool:
        return self.status == self.Status.ENABLED


class WebhookSecret(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets"
    )
    key_id = models.CharField(max_length=32)
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty for the current secret."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"secret {self.public_id} of endpoint {self.endpoint_id}"


class WebhookEvent(models.Model):
    event_id = models.UUIDField(unique=True, help_text="The outbox event's id.")
    type = models.CharField(max_length=60, db_index=True)
    object_key = models.CharField(
        max_length=80, help_text="The object whose events are delivered in order."
    )
    sequence = models.BigIntegerField(help_text="Order of events (the outbox row).")
    created_at = models.DateTimeField(help_text="When the event happened.")
    body = models.TextField(help_text="The exact JSON sent, every time.")

    class Meta:
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        WebhookEvent, on_delete=models.PROTECT, related_name="deliveries"
    )
    object_key = models.CharField(max_length=80)
    sequence = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    retry_until = models.DateTimeField(
        help_text="Retries stop after this; a replay starts a new window."
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(
        null=True, blank=True, help_text="Which claim may record the attempt."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        permissions = [("replay_webhookdelivery", "Can replay webhook deliveries")]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhooks_delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(status="succeeded"),
                name="webhooks_webhookdelivery_delivered_means_succeeded",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "object_key", "status", "sequence"]),
        ]

    def __str__(self) -> str:
        return f"delivery {self.public_id} ({self.status})"


class WebhookAttempt(models.Model):
    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        WILL_RETRY = "will_retry", "Will retry"
        FAILED = "failed", "Failed for good"

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    response_snippet = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhooks_attempt_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"


class AuthorizationDecisionEndpoint(models.Model):
    """A program manager's real-time authorization decision endpoint: one per
    program. Its secret is sealed like a webhook secret (`secret_box`, the
    row's public id as context) and signs each request as webhooks do.

    `budget_ms` is how long an authorization waits for the answer (at most
    2 s); `default_approves` is what applies when none comes in time or it
    cannot be read (docs/realtime-decisions.md).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.OneToOneField(
        Partner, on_delete=models.CASCADE, related_name="decision_endpoint"
    )
    url = models.URLField(max_length=500)
    key_id = models.CharField(max_length=32)
    ciphertext = models.BinaryField()
    budget_ms = models.PositiveIntegerField(default=1000)
    default_approves = models.BooleanField(
        default=False, help_text="Approve when no valid answer comes in time."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_ms__gte=50, budget_ms__lte=2000),
                name="webhooks_authorizationdecisionendpoint_budget_bounded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} decides at {self.url}"

"""What a cardholder is told, and how.

- NotificationPreference: one per cardholder (absent means the defaults):
  which kinds of notification are also emailed (one switch per kind; a
  lowered credit limit is always emailed), and from what amount (minor
  units) an approved purchase counts as large.
- Notification: one message in the cardholder's notification centre, made
  from one outbox event; at most one per (cardholder, event, kind), so a
  redelivered event never notifies twice. `read_at` is set once when read;
  `emailed_at` once the email went out.
"""

import uuid

from django.db import models
from django.db.models import Q

from accounts.models.people import Cardholder

DEFAULT_LARGE_TRANSACTION_THRESHOLD = 50_000  # 500.00 in a 2-decimal currency


class NotificationPreference(models.Model):
    """A cardholder's choice of which notifications are emailed."""

    cardholder = models.OneToOneField(
        Cardholder, on_delete=models.CASCADE, related_name="notification_preference"
    )
    is_decline_email_enabled = models.BooleanField(default=True)
    is_large_transaction_email_enabled = models.BooleanField(default=True)
    large_transaction_threshold = models.BigIntegerField(
        default=DEFAULT_LARGE_TRANSACTION_THRESHOLD,
        help_text="Approved purchases of at least this amount (minor units) are large.",
    )
    is_fraud_alert_email_enabled = models.BooleanField(default=True)
    is_statement_email_enabled = models.BooleanField(default=True)
    is_due_date_email_enabled = models.BooleanField(
        default=True, help_text="Reminders a few days before a payment is due."
    )
    is_payment_received_email_enabled = models.BooleanField(default=True)
    is_card_status_email_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(large_transaction_threshold__gt=0),
                name="accounts_notificationpreference_threshold_positive",
            )
        ]

    def __str__(self) -> str:
        return f"notification preferences of cardholder {self.cardholder_id}"


class Notification(models.Model):
    """One message to a cardholder, made from one event."""

    class Kind(models.TextChoices):
        DECLINE = "decline", "Declined purchase"
        LARGE_TRANSACTION = "large_transaction", "Large purchase"
        FRAUD_ALERT = "fraud_alert", "Fraud alert"
        STATEMENT_READY = "statement_ready", "Statement ready"
        DUE_DATE = "due_date", "Payment due"
        PAYMENT_RECEIVED = "payment_received", "Payment received"
        CARD_STATUS = "card_status", "Card status"
        CREDIT_LIMIT = "credit_limit", "Credit limit lowered"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cardholder = models.ForeignKey(
        Cardholder, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=120)
    body = models.TextField()
    link_path = models.CharField(
        max_length=200, blank=True, help_text="A portal path, e.g. /portal/alerts/."
    )
    source_event_id = models.UUIDField(help_text="The outbox event it was made from.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cardholder", "source_event_id", "kind"],
                name="accounts_notification_one_per_event",
            ),
            models.CheckConstraint(
                condition=Q(link_path="") | Q(link_path__startswith="/"),
                name="accounts_notification_link_is_path",
            ),
        ]
        indexes = [
            models.Index(
                fields=["cardholder", "read_at"], name="accounts_notif_unread_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} notification {self.public_id}"

"""Cardholder notifications: preferences, recording one per event, emailing
it when the cardholder wants that kind emailed, and marking it read.

Recording is idempotent on (cardholder, event, kind): a redelivered event
finds the notification it made the first time. Emails are rendered from
templates/notifications/email.txt and email.html (both parts of one message,
sent through Django's email backend): the title as subject, the body, a
link to the portal page it concerns and one to the settings. Bodies name a
card by its last four digits only.
"""

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Cardholder, Notification, NotificationPreference
from accounts.notification_selectors import notification_preference_of
from issuer.kernel.errors import InvalidInput

logger = logging.getLogger(__name__)

EMAIL_SWITCHES = {
    Notification.Kind.DECLINE: "is_decline_email_enabled",
    Notification.Kind.LARGE_TRANSACTION: "is_large_transaction_email_enabled",
    Notification.Kind.FRAUD_ALERT: "is_fraud_alert_email_enabled",
    Notification.Kind.STATEMENT_READY: "is_statement_email_enabled",
    Notification.Kind.DUE_DATE: "is_due_date_email_enabled",
    Notification.Kind.PAYMENT_RECEIVED: "is_payment_received_email_enabled",
    Notification.Kind.CARD_STATUS: "is_card_status_email_enabled",
}
# Notices the cardholder must receive whatever their settings say.
ALWAYS_EMAILED = frozenset({Notification.Kind.CREDIT_LIMIT})
# The words of each email's link to the portal page it concerns.
EMAIL_ACTIONS = {
    Notification.Kind.DECLINE: "See your transactions",
    Notification.Kind.LARGE_TRANSACTION: "See your transactions",
    Notification.Kind.FRAUD_ALERT: "Was this you? Answer on your Alerts page",
    Notification.Kind.STATEMENT_READY: "See your statements",
    Notification.Kind.DUE_DATE: "Make a payment",
    Notification.Kind.PAYMENT_RECEIVED: "See your payments",
    Notification.Kind.CARD_STATUS: "See your cards",
    Notification.Kind.CREDIT_LIMIT: "See your account",
}
MAX_LARGE_TRANSACTION_THRESHOLD = 10**12


@dataclass(frozen=True)
class NotificationContent:
    """What one notification says."""

    kind: str
    title: str
    body: str
    link_path: str = ""


@dataclass(frozen=True)
class RenderedEmail:
    """One notification as an email: the subject and both parts."""

    subject: str
    text: str
    html: str


def notification_preference_update(
    *,
    cardholder: Cardholder,
    is_decline_email_enabled: bool,
    is_large_transaction_email_enabled: bool,
    large_transaction_threshold: int,
    is_fraud_alert_email_enabled: bool,
    is_statement_email_enabled: bool,
    is_due_date_email_enabled: bool,
    is_payment_received_email_enabled: bool,
    is_card_status_email_enabled: bool,
) -> NotificationPreference:
    """Set every preference of the cardholder at once."""
    if (
        isinstance(large_transaction_threshold, bool)
        or not isinstance(large_transaction_threshold, int)
        or not 0 < large_transaction_threshold <= MAX_LARGE_TRANSACTION_THRESHOLD
    ):
        raise InvalidInput.for_field(
            "large_transaction_threshold",
            "The large-purchase amount must be more than zero.",
        )
    preference, _ = NotificationPreference.objects.update_or_create(
        cardholder=cardholder,
        defaults={
            "is_decline_email_enabled": is_decline_email_enabled,
            "is_large_transaction_email_enabled": is_large_transaction_email_enabled,
            "large_transaction_threshold": large_transaction_threshold,
            "is_fraud_alert_email_enabled": is_fraud_alert_email_enabled,
            "is_statement_email_enabled": is_statement_email_enabled,
            "is_due_date_email_enabled": is_due_date_email_enabled,
            "is_payment_received_email_enabled": is_payment_received_email_enabled,
            "is_card_status_email_enabled": is_card_status_email_enabled,
        },
    )
    return preference


def notification_record(
    *, cardholder: Cardholder, source_event_id: uuid.UUID, content: NotificationContent
) -> tuple[Notification, bool]:
    """Record the notification an event makes for a cardholder, once; return
    it and whether it is new."""
    existing = Notification.objects.filter(
        cardholder=cardholder, source_event_id=source_event_id, kind=content.kind
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                cardholder=cardholder,
                source_event_id=source_event_id,
                kind=content.kind,
                title=content.title,
                body=content.body,
                link_path=content.link_path,
            )
    except IntegrityError:  # a concurrent delivery of the same event won
        return (
            Notification.objects.get(
                cardholder=cardholder,
                source_event_id=source_event_id,
                kind=content.kind,
            ),
            False,
        )
    return notification, True


def _portal_url(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def notification_email_render(*, notification: Notification) -> RenderedEmail:
    """The email of a notification, from the text and HTML templates."""
    kind = Notification.Kind(notification.kind)
    context = {
        "first_name": notification.cardholder.first_name,
        "title": notification.title,
        "body": notification.body,
        "action": EMAIL_ACTIONS[kind],
        "link": _portal_url(notification.link_path) if notification.link_path else "",
        "settings_link": _portal_url(reverse("portal-notification-settings")),
        "is_always_emailed": kind in ALWAYS_EMAILED,
    }
    return RenderedEmail(
        subject=notification.title,
        text=render_to_string("notifications/email.txt", context),
        html=render_to_string("notifications/email.html", context),
    )


def notification_email_send(*, notification: Notification) -> bool:
    """Email the notification unless it was emailed already or its kind is
    switched off; return whether an email went out."""
    cardholder = notification.cardholder
    preference = notification_preference_of(cardholder=cardholder)
    kind = Notification.Kind(notification.kind)
    wanted = kind in ALWAYS_EMAILED or getattr(preference, EMAIL_SWITCHES[kind])
    if notification.emailed_at is not None or not wanted:
        return False
    if not cardholder.email:
        logger.info("cardholder %s has no email address", cardholder.public_id)
        return False
    email = notification_email_render(notification=notification)
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text, to=[cardholder.email]
    )
    message.attach_alternative(email.html, "text/html")
    # Claim the email first so two deliveries of one event never both send;
    # a failed send gives the claim back for the retry.
    claimed = Notification.objects.filter(
        pk=notification.pk, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return False
    try:
        message.send()
    except Exception:
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        raise
    return True


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (the first reading time is kept)."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, cardholder: Cardholder) -> int:
    """Mark every unread notification of the cardholder read; return how many."""
    return Notification.objects.filter(
        cardholder=cardholder, read_at__isnull=True
    ).update(read_at=timezone.now())

"""Reads of a cardholder's notifications and notification preferences."""

from django.db.models import QuerySet

from accounts.models import Cardholder, Notification, NotificationPreference


def notification_preference_of(*, cardholder: Cardholder) -> NotificationPreference:
    """The cardholder's preferences; the defaults (unsaved) when never set."""
    preference = NotificationPreference.objects.filter(cardholder=cardholder).first()
    return preference or NotificationPreference(cardholder=cardholder)


def cardholder_notifications(*, cardholder: Cardholder) -> QuerySet[Notification]:
    """The cardholder's notifications, newest first."""
    return Notification.objects.filter(cardholder=cardholder).order_by(
        "-created_at", "-pk"
    )


def cardholder_unread_notification_count(*, cardholder: Cardholder) -> int:
    return Notification.objects.filter(
        cardholder=cardholder, read_at__isnull=True
    ).count()

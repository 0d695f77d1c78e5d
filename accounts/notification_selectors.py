"""Reads of a cardholder's notifications and notification preferences."""

from collections.abc import Collection

from django.db.models import QuerySet

from accounts.models import Cardholder, Notification, NotificationPreference


def notification_preference_of(*, cardholder: Cardholder) -> NotificationPreference:
    """The cardholder's preferences; the defaults (unsaved) when never set."""
    preference = NotificationPreference.objects.filter(cardholder=cardholder).first()
    return preference or NotificationPreference(cardholder=cardholder)


def notification_preferences_of(
    *, cardholder_ids: Collection[int]
) -> dict[int, NotificationPreference]:
    """Each cardholder's preferences by cardholder id, in one query; the
    defaults (unsaved) for those who never set theirs."""
    stored = {
        preference.cardholder_id: preference
        for preference in NotificationPreference.objects.filter(
            cardholder_id__in=cardholder_ids
        )
    }
    return {
        cardholder_id: stored.get(cardholder_id)
        or NotificationPreference(cardholder_id=cardholder_id)
        for cardholder_id in cardholder_ids
    }


def cardholder_notifications(*, cardholder: Cardholder) -> QuerySet[Notification]:
    """The cardholder's notifications, newest first."""
    return Notification.objects.filter(cardholder=cardholder).order_by(
        "-created_at", "-pk"
    )


def cardholder_unread_notification_count(*, cardholder: Cardholder) -> int:
    return Notification.objects.filter(
        cardholder=cardholder, read_at__isnull=True
    ).count()

"""The portal's notification routes: the centre and the settings."""

from django.urls import path

from portal.views import notifications

urlpatterns = [
    path(
        "notifications/",
        notifications.notification_list,
        name="portal-notifications",
    ),
    path(
        "notifications/read-all/",
        notifications.notification_read_all,
        name="portal-notifications-read-all",
    ),
    path(
        "notifications/<uuid:notification_id>/read/",
        notifications.notification_read,
        name="portal-notification-read",
    ),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="portal-notification-settings",
    ),
]

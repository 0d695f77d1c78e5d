"""`django.contrib.admin` with the issuer's staff site as the default site.

Listed in INSTALLED_APPS instead of "django.contrib.admin", so every
`admin.site.register` and `@admin.register` in every app (and in the
libraries) lands on `IssuerAdminSite`. Kept apart from the site's module,
which imports models and so cannot be imported while apps load.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django_celery_beat.apps import BeatConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPAppConfig


class IssuerAdminConfig(AdminConfig):
    default_site = "issuer.admin_site.IssuerAdminSite"


# The libraries' apps under names staff read in the console's app list
# (their labels, tables and migrations stay the libraries' own).


class StaffLockoutsConfig(AxesAppConfig):
    verbose_name = "Staff sign-in attempts and lockouts"


class StaffSecondFactorsConfig(TOTPAppConfig):
    verbose_name = "Staff second factors (TOTP)"


class ScheduledTasksConfig(BeatConfig):
    verbose_name = "Scheduled tasks"

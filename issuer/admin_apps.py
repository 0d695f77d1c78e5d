"""`django.contrib.admin` with the issuer's staff site as the default site.

Listed in INSTALLED_APPS instead of "django.contrib.admin", so every
`admin.site.register` and `@admin.register` in every app (and in the
libraries) lands on `IssuerAdminSite`. Kept apart from the site's module,
which imports models and so cannot be imported while apps load.
"""

from django.contrib.admin.apps import AdminConfig


class IssuerAdminConfig(AdminConfig):
    default_site = "issuer.admin_site.IssuerAdminSite"

"""Top-level routes: the landing page, staff admin and dashboards, portal,
partner API (its index, schema and docs), health and metrics; the error
pages (issuer/pages.py)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from issuer import pages
from issuer.kernel.health import healthz
from issuer.kernel.metrics import metrics

api_v1: list[URLPattern | URLResolver] = [
    path("", pages.api_index, name="api-index"),
    path("", include("accounts.urls")),
    path("", include("cards.urls")),
    path("", include("fraud.urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
    path("", pages.landing, name="landing"),
    path("favicon.ico", pages.favicon),
    path("admin/", admin.site.urls),
    path("portal/", include("portal.urls")),
    path("staff/dashboards/", include("fraud.dashboards.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("healthz", healthz, name="healthz"),
    # Token or allow-list (METRICS_TOKEN, METRICS_ALLOWED_IPS): not public.
    path("metrics", metrics, name="prometheus-django-metrics"),
]

handler400 = "issuer.kernel.api.server_errors.bad_request"
handler403 = "issuer.pages.permission_denied"
handler404 = "issuer.pages.page_not_found"
handler500 = "issuer.pages.server_error"

"""Top-level routes: staff admin and dashboards, partner API, its schema,
health and metrics."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from issuer.kernel.health import healthz
from issuer.kernel.metrics import metrics

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("cards.urls")),
    path("", include("fraud.urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
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
handler500 = "issuer.kernel.api.server_errors.server_error"

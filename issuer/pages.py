"""The pages around the product: the landing page at `/` (each of the three
users' door), the partner API's index at `/api/v1/`, the favicon, and the
403, 404 and 500 pages of the staff console, the portal and the API.

An error page is logged as one line by Django's request logger (see
`issuer.kernel.logging.ClientErrorsWithoutTraceback`), never a traceback.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_GET

from accounts.roles import ROLE_PERMISSIONS, STAFF_ROLES
from issuer.kernel.api.errors import error_body
from issuer.kernel.api.server_errors import server_error as api_or_html_server_error

# The partner API's resources, for its index (the schema has the details).
API_RESOURCES = {
    "authorizations": "/api/v1/authorizations",
    "refunds": "/api/v1/refunds",
    "accounts": "/api/v1/accounts/{account_id}",
    "cardholders": "/api/v1/cardholders",
    "cards": "/api/v1/cards",
    "disputes": "/api/v1/disputes",
    "webhook_endpoints": "/api/v1/webhook-endpoints",
}
# Admin URL name suffix -> the permission action it needs (GET, POST).
_ADMIN_VIEWS = (
    ("_changelist", ("view", "change")),
    ("_history", ("view", "view")),
    ("_change", ("view", "change")),
    ("_add", ("add", "add")),
    ("_delete", ("delete", "delete")),
)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """Send cardholders, staff and partners each to their own door."""
    return render(request, "pages/landing.html")


@require_GET
def api_index(request: HttpRequest) -> JsonResponse:
    """What the partner API is and where its documentation lives."""
    return JsonResponse(
        {
            "name": "Issuer partner API",
            "version": "v1",
            "authentication": "Authorization: Api-Key <key>",
            "documentation": request.build_absolute_uri(reverse("api-docs")),
            "schema": request.build_absolute_uri(reverse("api-schema")),
            "resources": API_RESOURCES,
        }
    )


def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("issuer/favicon.svg"), permanent=True)


def _area(request: HttpRequest) -> str:
    path = request.path_info
    if path.startswith("/api/"):
        return "api"
    if path.startswith(("/admin/", "/staff/")):
        return "staff"
    return "public"


def permission_needed(request: HttpRequest, exception: Exception | None) -> str | None:
    """The permission ("app_label.codename") a refused staff page needed:
    the one the view named, else the one Django admin checks for its URL."""
    permission = getattr(exception, "permission", None)
    if permission:
        return str(permission)
    try:
        name = resolve(request.path_info).url_name or ""
    except Resolver404:
        return None
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        for suffix, (on_read, on_write) in _ADMIN_VIEWS:
            if name == prefix + suffix:
                action = on_read if request.method in ("GET", "HEAD") else on_write
                return f"{opts.app_label}.{action}_{opts.model_name}"
    return None


def roles_holding(permission: str | None) -> list[str]:
    return [
        role
        for role in STAFF_ROLES
        if permission and permission in ROLE_PERMISSIONS.get(role, ())
    ]


def _staff_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return admin.site.each_context(request)
    return {
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
    }


def permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    area = _area(request)
    message = str(exception) if exception and str(exception) else ""
    if area == "api":
        return JsonResponse(
            error_body(
                code="forbidden",
                message=message or "This key may not do that.",
            ),
            status=403,
        )
    if area == "staff":
        permission = permission_needed(request, exception)
        context = {
            **_staff_context(request),
            "title": "You may not do this",
            "message": message,
            "permission": permission,
            "roles": roles_holding(permission),
        }
        return render(request, "admin/errors/403.html", context, status=403)
    context = {"message": message}
    return render(request, "errors/403.html", context, status=403)


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    area = _area(request)
    if area == "api":
        return JsonResponse(
            error_body(
                code="not_found",
                message="No such resource: the index at /api/v1/ lists them.",
            ),
            status=404,
        )
    if area == "staff":
        context = {**_staff_context(request), "title": "Not found"}
        return render(request, "admin/errors/404.html", context, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The API's error shape, else templates/500.html (no database needed)."""
    return api_or_html_server_error(request)

"""Staff dashboards: an HTML page per dashboard and the JSON it polls.

Thin: check the permission, read the window, call the selectors. The URLs
wrap each view in the admin site's `admin_view`, so only active staff (with
whatever second factor the admin site asks for) get here.
"""

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from fraud.dashboards import selectors
from fraud.dashboards.arithmetic import Impact, ImpactCounts
from fraud.dashboards.models import SINGLETON_PK, ImpactAssumptions
from issuer.kernel.errors import InvalidInput, MissingPermission
from issuer.kernel.money import CURRENCY_EXPONENTS, format_money

VIEW_PERMISSION = "dashboards.view_dashboards"
CHANGE_ASSUMPTIONS_PERMISSION = "dashboards.change_impactassumptions"
PAGES = {
    "overview": "Fraud operations",
    "models": "Model performance",
    "impact": "Business impact",
}


def _window(request: HttpRequest) -> selectors.DashboardWindow:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise MissingPermission(VIEW_PERMISSION, "You may not view the dashboards.")
    return selectors.dashboard_window(key=request.GET.get("window"), now=timezone.now())


def _invalid(error: InvalidInput) -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "code": error.code,
                "message": error.message,
                "fields": error.fields,
            }
        },
        status=400,
    )


def _page(kind: str) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        try:
            window = _window(request)
        except InvalidInput as error:
            return _invalid(error)
        context = {
            **admin.site.each_context(request),
            "title": PAGES[kind],
            "kind": kind,
            "pages": [
                (name, label, reverse(f"dashboards:{name}"))
                for name, label in PAGES.items()
            ],
            "window": window,
            "windows": [
                (key, label) for key, (_, _, label) in selectors.WINDOWS.items()
            ],
            "data_url": f"{reverse(f'dashboards:{kind}-data')}?window={window.key}",
            "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
            "is_nav_sidebar_enabled": False,
        }
        return render(request, f"dashboards/{kind}.html", context)

    view.__name__ = f"{kind}_page"
    return view


def _data(
    payload: Callable[[HttpRequest, selectors.DashboardWindow], dict[str, Any]],
) -> Callable[[HttpRequest], JsonResponse]:
    def view(request: HttpRequest) -> JsonResponse:
        try:
            window = _window(request)
        except InvalidInput as error:
            return _invalid(error)
        return JsonResponse(
            {
                "generated_at": timezone.now(),
                "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
                "window": window.as_json(),
                **payload(request, window),
            }
        )

    view.__name__ = f"{payload.__name__}_data"
    return view


def overview(request: HttpRequest, window: selectors.DashboardWindow) -> dict[str, Any]:
    volume = selectors.authorization_volume(window=window)
    return {
        "kpis": volume.pop("totals"),
        "volume": volume,
        "tiers": selectors.tier_distribution(window=window),
        "score_histogram": selectors.score_histogram(window=window),
        "fraud_by_hour": selectors.fraud_by_hour(window=window),
        "queue": selectors.queue_health(window=window, now=timezone.now()),
        "latest": [
            {**row, "amount_display": format_money(row["amount"], row["currency"])}
            for row in selectors.authorizations_latest()
        ],
    }


def models(request: HttpRequest, window: selectors.DashboardWindow) -> dict[str, Any]:
    return selectors.model_performance(window=window)


def _money(values: Impact | ImpactCounts, currency: str) -> dict[str, Any]:
    figures = asdict(values)
    return {
        **figures,
        "display": {
            name: format_money(value, currency)
            for name, value in figures.items()
            if isinstance(values, Impact) or name.endswith("_amount")
        },
    }


def _assumptions_json(
    request: HttpRequest, assumptions: ImpactAssumptions
) -> dict[str, Any]:
    currency = assumptions.currency
    can_change = request.user.has_perm(CHANGE_ASSUMPTIONS_PERMISSION)
    stored = assumptions.pk is not None and not assumptions._state.adding
    change_url = None
    if can_change:
        change_url = (
            reverse("admin:dashboards_impactassumptions_change", args=[SINGLETON_PK])
            if stored
            else reverse("admin:dashboards_impactassumptions_add")
        )
    return {
        "currency": currency,
        "review_cost_per_case": assumptions.review_cost_per_case,
        "false_positive_cost": assumptions.false_positive_cost,
        "chargeback_recovery_basis_points": (
            assumptions.chargeback_recovery_basis_points
        ),
        "display": {
            "review_cost_per_case": format_money(
                assumptions.review_cost_per_case, currency
            ),
            "false_positive_cost": format_money(
                assumptions.false_positive_cost, currency
            ),
            "chargeback_recovery": (
                f"{assumptions.chargeback_recovery_basis_points / 100:.2f} %"
            ),
        },
        "updated_at": assumptions.updated_at if stored else None,
        "updated_by": (
            assumptions.updated_by.get_username()
            if stored and assumptions.updated_by
            else None
        ),
        "change_url": change_url,
    }


def impact(request: HttpRequest, window: selectors.DashboardWindow) -> dict[str, Any]:
    assumptions = selectors.impact_assumptions_get()
    currency = assumptions.currency
    figures = selectors.business_impact(window=window, assumptions=assumptions)
    return {
        "assumptions": _assumptions_json(request, assumptions),
        "currency_exponent": CURRENCY_EXPONENTS.get(currency, 2),
        "counts": _money(figures["counts"], currency),
        "totals": _money(figures["totals"], currency),
        "series": {
            name: [getattr(point, name) for point in figures["series"]]
            for name in (
                "fraud_prevented",
                "fraud_losses",
                "review_cost",
                "false_positive_cost",
                "net_benefit",
            )
        },
        "other_currency_transactions": figures["other_currency_transactions"],
    }


overview_page = _page("overview")
models_page = _page("models")
impact_page = _page("impact")
overview_data = _data(overview)
models_data = _data(models)
impact_data = _data(impact)

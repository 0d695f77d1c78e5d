"""The notification centre and the notification settings."""

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.notification_selectors import (
    cardholder_notifications,
    notification_preference_of,
)
from accounts.services.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notification_preference_update,
)
from issuer.kernel.errors import DomainError
from portal.auth import cardholder_required, request_cardholder
from portal.forms import add_service_errors
from portal.notification_forms import NotificationSettingsForm
from portal.selectors import cardholder_accounts

PAGE_SIZE = 25
DEFAULT_CURRENCY = "USD"


@cardholder_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = cardholder_notifications(cardholder=request_cardholder(request))
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/notifications/list.html", {"page": page})


@require_POST
@cardholder_required
def notification_read(request: HttpRequest, notification_id: UUID) -> HttpResponse:
    """Mark one notification read, then follow its link when asked to."""
    notification = get_object_or_404(
        cardholder_notifications(cardholder=request_cardholder(request)),
        public_id=notification_id,
    )
    notification_mark_read(notification=notification)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.link_path, allowed_hosts=None
    ):
        return redirect(notification.link_path or "portal-notifications")
    return redirect("portal-notifications")


@require_POST
@cardholder_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_all_read(cardholder=request_cardholder(request))
    messages.success(request, f"Marked {count} notification(s) read.")
    return redirect("portal-notifications")


@cardholder_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    cardholder = request_cardholder(request)
    account = cardholder_accounts(cardholder=cardholder).first()
    currency = account.currency if account else DEFAULT_CURRENCY
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST, currency=currency)
        if form.is_valid():
            try:
                notification_preference_update(
                    cardholder=cardholder, **form.cleaned_data
                )
            except DomainError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Notification settings saved.")
                return redirect("portal-notification-settings")
    else:
        form = NotificationSettingsForm.for_preference(
            notification_preference_of(cardholder=cardholder), currency=currency
        )
    return render(
        request,
        "portal/notifications/settings.html",
        {"form": form, "currency": currency},
    )

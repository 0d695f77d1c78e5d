"""The staff console: Django admin behind a TOTP second factor, fully audited.

- Only staff verified by a TOTP device get in (`OTPAdminSite.has_permission`);
  sign-in and first-login enrolment are in `accounts/staff_signin.py`.
- Every ModelAdmin registered here gets the auditing hooks and every admin
  view the auditing wrapper (`issuer/kernel/admin_audit.py`): apps register
  their admins as usual and are audited without doing anything.
- Every ModelAdmin registered here, and its inlines, read numbers and codes
  in ASCII only (`issuer/kernel/fields/admin.py`).
"""

from typing import Any

from django.contrib.admin import ModelAdmin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.admin import OTPAdminSite

from accounts.staff_signin import (
    StaffAuthenticationForm,
    StaffLoginView,
    staff_totp_enroll,
)
from issuer.kernel.admin_audit import audited_admin_view, audited_model_admin
from issuer.kernel.fields.admin import canonical_inputs_admin


class IssuerAdminSite(OTPAdminSite):
    site_header = "Issuer staff console"
    site_title = "Issuer staff"
    index_title = "Staff console"
    login_form = StaffAuthenticationForm
    login_template = "admin/staff/login.html"
    # The app list is on the index; without the side bar, list pages keep
    # their width for columns (they fit a 1366 px screen).
    enable_nav_sidebar = False

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def register(
        self,
        model_or_iterable: Any,
        admin_class: type[ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        wrapped = canonical_inputs_admin(admin_class or ModelAdmin)
        super().register(model_or_iterable, audited_model_admin(wrapped), **options)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        return super().admin_view(audited_admin_view(view), cacheable)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        enroll = sensitive_post_parameters()(never_cache(self.totp_enroll))
        return [
            path("second-factor/", enroll, name="staff_totp_enroll"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponseBase:
        """Django's admin login, with the TOTP form and enrolment redirect."""
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if (
            REDIRECT_FIELD_NAME not in request.GET
            and REDIRECT_FIELD_NAME not in request.POST
        ):
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return StaffLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template,
        )(request)

    def totp_enroll(self, request: HttpRequest) -> HttpResponse:
        request.current_app = self.name
        return staff_totp_enroll(request, extra_context=self.each_context(request))

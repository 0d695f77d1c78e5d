"""Optional two-step sign-in for cardholders (TOTP, django-otp).

A cardholder who turned it on (a confirmed TOTP device) signs in with
password and the 6-digit code of their authenticator app; a wrong or
missing code counts as a failed login (django-axes lockout), like a wrong
password. Sessions signed in without the code (say, from before the
cardholder enrolled) are sent back to sign-in by `cardholder_required`.
"""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest
from django_otp import user_has_device

from accounts.services.second_factor import (
    staff_totp_device,
    staff_totp_is_throttled,
    staff_totp_verify,
)
from accounts.staff_signin import (
    CODE_ERROR,
    THROTTLED_ERROR,
    CodeField,
    second_factor_failed,
)


def session_needs_code(request: HttpRequest) -> bool:
    """Say whether the signed-in user has two-step sign-in but this session
    was not verified with a code."""
    user = request.user
    if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware
        return False
    return user_has_device(user, confirmed=True)


class PortalAuthenticationForm(AuthenticationForm):
    """Username and password, plus the app's code for those who turned
    two-step sign-in on."""

    otp_token = CodeField(
        required=False,
        help_text="Only if you turned on two-step sign-in.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # password, lockout
        user = self.get_user()
        if user is None:
            return cleaned
        device = staff_totp_device(user=user)
        if device is None:
            return cleaned
        throttled = staff_totp_is_throttled(device=device)
        if not staff_totp_verify(device=device, token=cleaned.get("otp_token") or ""):
            second_factor_failed(self.request, user.get_username())
            raise forms.ValidationError(
                THROTTLED_ERROR if throttled else CODE_ERROR, code="invalid_otp"
            )
        user.otp_device = device  # type: ignore[attr-defined]  # django-otp's login hook
        return cleaned


class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    form_class = PortalAuthenticationForm

"""The security page: turn two-step sign-in (an authenticator app) on or off."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts.services.second_factor import (
    cardholder_totp_disable,
    staff_totp_device,
    staff_totp_enrollment_confirm,
    staff_totp_enrollment_start,
    staff_totp_is_throttled,
    staff_totp_secret,
)
from accounts.staff_signin import CODE_ERROR, THROTTLED_ERROR, CodeField
from accounts.totp_qr import totp_qr_code_data_uri
from portal.auth import cardholder_required


class ConfirmCodeForm(forms.Form):
    otp_token = CodeField()


class PasswordCheckForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@cardholder_required
def security(request: HttpRequest) -> HttpResponse:
    enabled = staff_totp_device(user=request.user) is not None  # type: ignore[arg-type]
    return render(
        request,
        "portal/security/index.html",
        {"enabled": enabled, "form": PasswordCheckForm()},
    )


@cardholder_required
def two_step_enrol(request: HttpRequest) -> HttpResponse:
    """Show the QR code and secret; turn two-step sign-in on for a good code."""
    user = request.user
    if staff_totp_device(user=user) is not None:  # type: ignore[arg-type]
        return redirect("portal-security")
    device = staff_totp_enrollment_start(user=user)  # type: ignore[arg-type]
    form = ConfirmCodeForm(request.POST or None)
    throttled = staff_totp_is_throttled(device=device)
    if request.method == "POST" and form.is_valid():
        if staff_totp_enrollment_confirm(
            device=device, token=form.cleaned_data["otp_token"], request=request
        ):
            otp_login(request, device)
            messages.success(request, "Two-step sign-in is on.")
            return redirect("portal-security")
        form.add_error("otp_token", THROTTLED_ERROR if throttled else CODE_ERROR)
    secret = staff_totp_secret(device=device)
    return render(
        request,
        "portal/security/enrol.html",
        {
            "form": form,
            "qr_code": totp_qr_code_data_uri(device),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


@require_POST
@cardholder_required
def two_step_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in off once the password is entered again."""
    form = PasswordCheckForm(request.POST)
    if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
        cardholder_totp_disable(user=request.user)  # type: ignore[arg-type]
        messages.success(request, "Two-step sign-in is off.")
        return redirect("portal-security")
    form.add_error("password", "That is not your password.")
    return render(
        request,
        "portal/security/index.html",
        {"enabled": True, "form": form},
        status=400,
    )

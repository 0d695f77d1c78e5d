"""Staff sign-in to the admin: password plus TOTP code, enrolment on first login.

- Login: username, password and the 6-digit code of the staff member's
  authenticator app. A wrong code counts as a failed login (django-axes
  locks the username after AXES_FAILURE_LIMIT failures of either kind).
- First login (no confirmed device yet): the password alone leads to the
  enrolment page, which shows a QR code and the secret; the staff member is
  logged in once they confirm a code from the app. Nobody is logged in
  between the two steps: the session only remembers, for ten minutes, whose
  password was right.
"""

from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from accounts.services.second_factor import (
    staff_totp_device,
    staff_totp_enrollment_confirm,
    staff_totp_enrollment_start,
    staff_totp_is_throttled,
    staff_totp_secret,
    staff_totp_verify,
)
from accounts.totp_qr import totp_qr_code_data_uri
from issuer.kernel.audit_signals import REASON_SECOND_FACTOR
from issuer.kernel.fields import TOTP_TOKEN
from issuer.kernel.fields.forms import CodeFormField

ENROLLMENT_SESSION_KEY = "staff_totp_enrollment"
ENROLLMENT_WINDOW = timedelta(minutes=10)
CODE_ERROR = "Enter the current 6-digit code from your authenticator app."
THROTTLED_ERROR = (
    "Too many wrong codes: wait a few seconds, then enter the next code your "
    "authenticator app shows."
)


def second_factor_failed(request: HttpRequest | None, username: str) -> None:
    """Count a wrong or missing code as a failed login (lockout and audit)."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": username},
        request=request,
        reason=REASON_SECOND_FACTOR,
    )


class CodeField(CodeFormField):
    """Six ASCII digits (the kernel's TOTP token shape, at this length)."""

    code = TOTP_TOKEN

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label="Authenticator code",
            max_length=6,
            strip=True,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "pattern": "[0-9]{6}",
                }
            ),
            **kwargs,
        )


class StaffAuthenticationForm(AdminAuthenticationForm):
    """Username, password and TOTP code; a staff member without a device
    passes on the password alone and is sent to enrol one."""

    otp_token = CodeField(
        required=False,
        help_text="Leave empty on your first login: you will set up the app.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_enrollment = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # password, lockout, is_staff
        user = self.get_user()
        if user is None:
            return cleaned  # a field was left empty; its error is shown
        device = staff_totp_device(user=user)
        if device is None:
            self.needs_enrollment = True
            return cleaned
        throttled = staff_totp_is_throttled(device=device)
        if not staff_totp_verify(device=device, token=cleaned.get("otp_token") or ""):
            second_factor_failed(self.request, user.get_username())
            raise forms.ValidationError(
                THROTTLED_ERROR if throttled else CODE_ERROR, code="invalid_otp"
            )
        user.otp_device = device  # type: ignore[attr-defined]  # django-otp's login hook
        return cleaned


class StaffLoginView(LoginView):
    """Django's login view, sending staff without a device to enrolment."""

    def form_valid(self, form: forms.Form) -> HttpResponse:
        assert isinstance(form, StaffAuthenticationForm)
        if not form.needs_enrollment:
            return super().form_valid(form)
        user = form.get_user()
        self.request.session[ENROLLMENT_SESSION_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,  # type: ignore[attr-defined]  # set by authenticate
            "next": self.get_success_url(),
            "until": (timezone.now() + ENROLLMENT_WINDOW).isoformat(),
        }
        return HttpResponseRedirect(reverse("admin:staff_totp_enroll"))


class EnrollmentForm(forms.Form):
    otp_token = CodeField()


def _pending_enrollment(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(ENROLLMENT_SESSION_KEY)
    if not pending:
        return None
    if timezone.now() >= datetime.fromisoformat(pending["until"]):
        del request.session[ENROLLMENT_SESSION_KEY]
        return None
    user = User.objects.filter(
        pk=pending["user_id"], is_active=True, is_staff=True
    ).first()
    if user is None or staff_totp_device(user=user) is not None:
        del request.session[ENROLLMENT_SESSION_KEY]
        return None
    if AxesProxyHandler.is_locked(request, {"username": user.get_username()}):
        del request.session[ENROLLMENT_SESSION_KEY]
        return None
    return user, pending


def staff_totp_enroll(
    request: HttpRequest, *, extra_context: dict[str, Any]
) -> HttpResponse:
    """Show the QR code and secret; log the staff member in on a good code."""
    found = _pending_enrollment(request)
    if found is None:
        return HttpResponseRedirect(reverse("admin:login"))
    user, pending = found
    device = staff_totp_enrollment_start(user=user)
    form = EnrollmentForm(request.POST or None)
    throttled = staff_totp_is_throttled(device=device)
    if request.method == "POST" and form.is_valid():
        if staff_totp_enrollment_confirm(
            device=device, token=form.cleaned_data["otp_token"], request=request
        ):
            del request.session[ENROLLMENT_SESSION_KEY]
            user.otp_device = device  # type: ignore[attr-defined]
            auth_login(request, user, backend=pending["backend"])
            return HttpResponseRedirect(_safe_next(request, pending["next"]))
        second_factor_failed(request, user.get_username())
        form.add_error("otp_token", THROTTLED_ERROR if throttled else CODE_ERROR)
    elif request.method == "POST":
        second_factor_failed(request, user.get_username())
    secret = staff_totp_secret(device=device)
    context = {
        **extra_context,
        "title": "Set up your authenticator app",
        "form": form,
        "staff_username": user.get_username(),
        "qr_code": totp_qr_code_data_uri(device),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }
    return render(request, "admin/staff/totp_enroll.html", context)


def _safe_next(request: HttpRequest, target: str) -> str:
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")

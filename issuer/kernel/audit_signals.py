"""Sign-in events into the audit trail.

Authentication is Django's and django-axes' code, which announce it only
through signals; these receivers turn each announcement into one event.
"""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.http import HttpRequest

from issuer.kernel.audit import audit_record
from issuer.kernel.models import AuditEvent

# Why a login failed, sent with `user_login_failed` by sign-in code that
# checks more than the password (the second factor). Django's own sends
# carry none: the password was wrong or the account is locked.
REASON_CREDENTIALS = "credentials"
REASON_SECOND_FACTOR = "second_factor"


def audit_login_succeeded(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    audit_record(
        action=AuditEvent.Action.LOGIN_SUCCEEDED,
        actor=user,
        request=request,
        details={"second_factor": bool(getattr(user, "otp_device", None))},
    )


def audit_login_failed(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    reason: str = REASON_CREDENTIALS,
    **kwargs: Any,
) -> None:
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        outcome=AuditEvent.Outcome.FAILED,
        actor_username=str(credentials.get("username") or ""),
        request=request,
        details={
            "reason": reason,
            "locked": bool(getattr(request, "axes_locked_out", False)),
        },
    )


def audit_logged_out(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if user is None:
        return  # nobody was logged in
    audit_record(action=AuditEvent.Action.LOGGED_OUT, actor=user, request=request)


def audit_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any
) -> None:
    """Record a login attempt that left (or found) its username locked."""
    audit_record(
        action=AuditEvent.Action.LOCKED_OUT,
        outcome=AuditEvent.Outcome.DENIED,
        actor_username=username or "",
        request=request,
        details={"failures": getattr(request, "axes_failures_since_start", None)},
    )


def audit_signals_connect() -> None:
    user_logged_in.connect(audit_login_succeeded, dispatch_uid="audit_login")
    user_login_failed.connect(audit_login_failed, dispatch_uid="audit_login_failed")
    user_logged_out.connect(audit_logged_out, dispatch_uid="audit_logout")
    user_locked_out.connect(audit_locked_out, dispatch_uid="audit_locked_out")

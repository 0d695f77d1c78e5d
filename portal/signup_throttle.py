"""Slow down guessing of activation codes: wrong codes counted per client
address, across every web process (the shared cache, see
issuer/kernel/throttle.py).

After SIGNUP_CODE_FAILURE_LIMIT wrong codes the sign-up page refuses every
attempt from that address for SIGNUP_CODE_LOCKOUT_SECONDS; the lockout is
audited. A code has about 60 random bits, so the throttle is defence in
depth against a distributed guesser, not the only guard.
"""

from axes.helpers import get_client_ip_address
from django.http import HttpRequest

from issuer.kernel.audit import audit_record
from issuer.kernel.models import AuditEvent
from issuer.kernel.throttle import FailureThrottle

SIGNUP_CODE_THROTTLE = FailureThrottle(
    scope="portal-signup-code",
    limit_setting="SIGNUP_CODE_FAILURE_LIMIT",
    lockout_setting="SIGNUP_CODE_LOCKOUT_SECONDS",
)


def _subject(request: HttpRequest) -> str:
    return f"ip:{get_client_ip_address(request)}"


def signup_is_throttled(request: HttpRequest) -> bool:
    """Say whether this client has used up its wrong codes for now."""
    return SIGNUP_CODE_THROTTLE.is_locked(_subject(request))


def signup_failure_count(request: HttpRequest, *, username: str = "") -> None:
    """Count one wrong activation code from this client; audit the lockout."""
    if SIGNUP_CODE_THROTTLE.failure_count(_subject(request)):
        audit_record(
            action=AuditEvent.Action.LOCKED_OUT,
            outcome=AuditEvent.Outcome.DENIED,
            actor_username=username,
            request=request,
            target_type="portal.signup",
            target_repr="Portal sign-up (activation codes)",
            details={
                "why": "too many wrong activation codes",
                "failures": SIGNUP_CODE_THROTTLE.limit,
                "locked_for_seconds": SIGNUP_CODE_THROTTLE.lockout_seconds,
            },
        )

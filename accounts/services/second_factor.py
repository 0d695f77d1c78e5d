"""Staff second factor: TOTP devices (django-otp), enrolled on first login.

A staff member without a confirmed device gets an unconfirmed one (its
secret shown once as a QR code), confirms it with a code from the app, and
from then on signs in with password and code. Deleting the device (admin,
"TOTP devices") makes them enrol again at their next login.
"""

import time
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from issuer.kernel.audit import audit_record
from issuer.kernel.errors import Forbidden
from issuer.kernel.fields import is_ascii_digits
from issuer.kernel.models import AuditEvent

DEVICE_NAME = "Authenticator app"


def staff_totp_device(*, user: User) -> TOTPDevice | None:
    """Return the user's confirmed TOTP device, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def staff_totp_enrollment_start(*, user: User) -> TOTPDevice:
    """Return the device being enrolled (created once: reloads show one secret)."""
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def staff_totp_verify(*, device: TOTPDevice, token: str) -> bool:
    """Check a code against the device; a code is accepted once at most.

    The device row is locked so two requests cannot both spend one code, and
    the device's own throttling slows guessing down.
    """
    token = token.strip()
    if not (is_ascii_digits(token) and len(token) == device.digits):
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        verified = locked.verify_token(token)
    device.refresh_from_db()
    return verified


def staff_totp_is_throttled(*, device: TOTPDevice) -> bool:
    """Say whether wrong codes have the device refusing codes for a while."""
    allowed, _ = device.verify_is_allowed()
    return not allowed


def staff_totp_enrollment_confirm(
    *, device: TOTPDevice, token: str, request: HttpRequest | None = None
) -> bool:
    """Confirm an enrolling device with a code from the app; say if it matched.

    On a match the device becomes the user's second factor, any other
    unconfirmed device of theirs is removed, and the enrolment is audited.
    """
    if not staff_totp_verify(device=device, token=token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
        audit_record(
            action=AuditEvent.Action.TOTP_ENROLLED,
            actor=device.user,
            request=request,
            target=device.user,
            details={"device": device.name},
        )
    device.confirmed = True
    return True


def staff_totp_secret(*, device: TOTPDevice) -> str:
    """The device's secret in base32, as authenticator apps take it by hand."""
    return b32encode(device.bin_key).decode()


def staff_totp_code(*, device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code now (or `steps_ahead` time steps later). Sandbox only."""
    if not settings.SANDBOX:
        raise Forbidden("TOTP codes are shown only in the sandbox.")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def staff_totp_sandbox_enroll(*, user: User) -> TOTPDevice:
    """Give a demo login a confirmed device (kept if it has one). Sandbox only."""
    if not settings.SANDBOX:
        raise Forbidden("Demo second factors are created only in the sandbox.")
    device = staff_totp_device(user=user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    return device


def cardholder_totp_disable(*, user: User) -> int:
    """Turn a cardholder's two-step sign-in off: remove all their TOTP devices.

    The caller has re-checked the password. Returns how many were removed.
    """
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted

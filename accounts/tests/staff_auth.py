"""Signing staff in from tests: with a real, confirmed TOTP device.

The admin admits only OTP-verified staff, so `client.force_login(user)` alone
is not enough: `staff_login(client, user)` also verifies the session with the
user's device, exactly as a login with a good code does.
"""

import time

from django.http import HttpRequest
from django.test import Client
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the staff member's app shows now (or `steps_ahead` steps on)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def staff_device(user: User) -> TOTPDevice:
    """The user's confirmed TOTP device, created if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(
        user=user, name="test authenticator", confirmed=True
    )


def staff_login(client: Client, user: User) -> TOTPDevice:
    """Log `user` in on `client` with a verified second factor; return the device."""
    client.force_login(user)
    device = staff_device(user)
    request = HttpRequest()
    request.session = client.session
    request.user = user
    otp_login(request, device)
    request.session.save()
    return device

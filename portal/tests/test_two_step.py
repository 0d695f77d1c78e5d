"""Optional two-step sign-in for cardholders: turning it on (QR, secret,
confirm with a code) and off (password again), and sign-in asking for the
code only of those who turned it on."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services.second_factor import staff_totp_secret
from accounts.staff_signin import CODE_ERROR
from accounts.tests.staff_auth import totp_code
from conftest import PORTAL_TEST_PASSWORD
from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db


def enrolled_holder(username: str = "ann") -> TOTPDevice:
    user = billed_holder(username).user
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def wrong_code(device: TOTPDevice) -> str:
    right = {totp_code(device, steps_ahead=step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def throttle_delay_passes(device: TOTPDevice) -> None:
    """Move the device's last failure back, as if its throttle delay passed."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )


def sign_in(client: Client, code: str | None = None):
    data = {"username": "ann", "password": PORTAL_TEST_PASSWORD}
    if code is not None:
        data["otp_token"] = code
    return client.post("/portal/login/", data)


def test_turning_two_step_on_needs_a_good_code(client):
    user = billed_holder("ann").user
    client.force_login(user)

    page = client.get("/portal/security/two-step/")
    device = TOTPDevice.objects.get(user=user)
    assert page.status_code == 200
    assert device.confirmed is False
    assert page.context["qr_code"].startswith("data:image/svg+xml;base64,")
    assert "".join(page.context["secret_groups"]) == staff_totp_secret(device=device)

    refused = client.post(
        "/portal/security/two-step/", {"otp_token": wrong_code(device)}
    )
    assert refused.status_code == 200
    assert CODE_ERROR in refused.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False
    throttle_delay_passes(device)

    accepted = client.post(
        "/portal/security/two-step/", {"otp_token": totp_code(device)}
    )
    assert accepted.status_code == 302
    assert accepted["Location"] == "/portal/security/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    # This session was verified by the confirming code: it stays signed in.
    security = client.get("/portal/security/")
    assert security.status_code == 200
    assert security.context["enabled"] is True


def test_reloading_the_enrolment_page_keeps_one_secret(client):
    user = billed_holder("ann").user
    client.force_login(user)

    first = client.get("/portal/security/two-step/").context["secret_groups"]
    second = client.get("/portal/security/two-step/").context["secret_groups"]

    assert first == second
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_turning_two_step_off_needs_the_password(client):
    device = enrolled_holder()
    sign_in(client, totp_code(device))

    refused = client.post("/portal/security/two-step/off/", {"password": "not-it"})
    assert refused.status_code == 400
    assert "That is not your password." in refused.content.decode()
    assert TOTPDevice.objects.filter(user=device.user).count() == 1

    done = client.post(
        "/portal/security/two-step/off/", {"password": PORTAL_TEST_PASSWORD}
    )
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=device.user).exists()
    assert client.get("/portal/security/").context["enabled"] is False


def test_sign_in_asks_the_enrolled_for_the_code(client):
    device = enrolled_holder()

    missing = sign_in(client)
    assert missing.status_code == 200
    assert CODE_ERROR in missing.content.decode()
    assert "_auth_user_id" not in client.session

    wrong = sign_in(client, wrong_code(device))
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    throttle_delay_passes(device)

    right = sign_in(client, totp_code(device))
    assert right.status_code == 302
    assert right["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_sign_in_without_two_step_takes_the_password_alone(client):
    billed_holder("ann")

    response = sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_an_unverified_session_of_an_enrolled_cardholder_is_refused(client):
    device = enrolled_holder()
    client.force_login(device.user)

    response = client.get("/portal/statements/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/statements/"


def test_wrong_codes_count_toward_the_lockout(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device = enrolled_holder()

    for _ in range(3):
        sign_in(client, wrong_code(device))
    response = sign_in(client, totp_code(device))

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

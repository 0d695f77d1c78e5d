"""Staff need a TOTP second factor for the admin; they enrol on first login."""

import re
from base64 import b32encode
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import SUPPORT_AGENT
from accounts.tests.staff_auth import staff_device, staff_login, totp_code
from issuer.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-staff-passphrase-42"
LOGIN = "/admin/login/?next=/admin/cards/card/"
BROWSER = {"HTTP_USER_AGENT": "StaffBrowser/1.0", "REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def agent(db: None) -> User:
    user = User.objects.create_user(username="agent", password=PASSWORD, is_staff=True)
    user.groups.set([Group.objects.get(name=SUPPORT_AGENT)])
    return user


def _log_in(client, code: str = "", username: str = "agent", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        LOGIN,
        {"username": username, "password": password, "otp_token": code},
        **BROWSER,
    )


def test_the_admin_is_closed_to_staff_without_a_verified_second_factor(client, agent):
    """A session logged in by password alone (no OTP device verified) is
    sent to the login page; the same user verified by TOTP gets in."""
    client.force_login(agent)

    refused = client.get("/admin/cards/card/")
    staff_login(client, agent)
    admitted = client.get("/admin/cards/card/")

    assert refused.status_code == 302
    assert refused["Location"] == "/admin/login/?next=/admin/cards/card/"
    assert admitted.status_code == 200


def test_totp_is_required_for_admin(client, agent):
    """Given an enrolled staff member, the right password without a code, or
    with a wrong code, does not log in; password plus the current code does."""
    device = staff_device(agent)
    wrong = "000000" if totp_code(device) != "000000" else "111111"

    without_code = _log_in(client)
    wrong_code = _log_in(client, wrong)
    no_session = client.get("/admin/")
    _throttle_delay_passes(device)
    with_code = _log_in(client, totp_code(device))

    for refused in (without_code, wrong_code):
        assert refused.status_code == 200
        assert "Enter the current 6-digit code" in refused.content.decode()
    assert no_session.status_code == 302
    assert with_code.status_code == 302
    assert with_code["Location"] == "/admin/cards/card/"
    assert client.get("/admin/cards/card/").status_code == 200


def _throttle_delay_passes(device: TOTPDevice) -> None:
    """Move the device's last failure back, as if its throttle delay passed."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )


def test_after_a_wrong_code_the_device_refuses_codes_for_a_while(client, agent):
    """A wrong code throttles the device: even the right code is refused
    (and says why) until the delay has passed."""
    device = staff_device(agent)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    _log_in(client, wrong)

    throttled = _log_in(client, totp_code(device))
    _throttle_delay_passes(device)
    after_delay = _log_in(client, totp_code(device))

    assert throttled.status_code == 200
    assert "Too many wrong codes" in throttled.content.decode()
    assert after_delay.status_code == 302


def test_a_wrong_code_counts_towards_the_lockout_and_is_audited(client, agent):
    device = staff_device(agent)
    wrong = "000000" if totp_code(device) != "000000" else "111111"

    _log_in(client, wrong)

    assert AccessAttempt.objects.get(username="agent").failures_since_start == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert (event.actor_id, event.actor_username, event.outcome) == (
        None,
        "agent",
        "failed",
    )
    assert event.details == {"reason": "second_factor", "locked": False}
    assert (event.ip_address, event.user_agent) == ("198.51.100.7", "StaffBrowser/1.0")


def test_a_wrong_password_is_audited_without_the_password(client, agent):
    _log_in(client, password="not-the-password")

    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.actor_username == "agent"
    assert event.details == {"reason": "credentials", "locked": False}
    assert "not-the-password" not in str(event.details)


def test_a_code_is_accepted_once(client, agent):
    """A code already used (replayed from a watched screen) is refused."""
    device = staff_device(agent)
    code = totp_code(device)
    assert _log_in(client, code).status_code == 302
    client.post("/admin/logout/")

    replayed = _log_in(client, code)

    assert replayed.status_code == 200
    assert "Enter the current 6-digit code" in replayed.content.decode()


def test_login_and_logout_are_audited_with_where_from(client, agent):
    device = staff_device(agent)

    _log_in(client, totp_code(device))
    client.post("/admin/logout/", **BROWSER)

    login, logout = AuditEvent.objects.order_by("id")
    assert (login.action, login.actor, login.outcome) == (
        "login_succeeded",
        agent,
        "succeeded",
    )
    assert login.details == {"second_factor": True}
    assert (login.ip_address, login.user_agent) == ("198.51.100.7", "StaffBrowser/1.0")
    assert (logout.action, logout.actor) == ("logged_out", agent)


def _enrollment_page(client):  # type: ignore[no-untyped-def]
    response = _log_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/admin/second-factor/"
    return client.get("/admin/second-factor/")


def test_a_first_login_enrols_an_authenticator_then_logs_in(client, agent):
    """Without a device, the password leads to a page with a QR code and the
    secret; nobody is logged in until a code from the app confirms it."""
    page = _enrollment_page(client)
    device = TOTPDevice.objects.get(user=agent)
    not_yet = client.get("/admin/")
    confirmed = client.post(
        "/admin/second-factor/", {"otp_token": totp_code(device)}, **BROWSER
    )

    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    assert _secret_shown(page) == b32encode(device.bin_key).decode()
    assert not_yet.status_code == 302
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/admin/cards/card/"
    assert client.get("/admin/cards/card/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    enrolled = AuditEvent.objects.get(action=AuditEvent.Action.TOTP_ENROLLED)
    assert (enrolled.actor, enrolled.target_id, enrolled.ip_address) == (
        agent,
        str(agent.pk),
        "198.51.100.7",
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_SUCCEEDED, actor=agent
    ).exists()


def _secret_shown(page) -> str:  # type: ignore[no-untyped-def]
    found = re.search(
        r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page.content.decode()
    )
    assert found is not None
    return found.group(1).replace(" ", "")


def test_reloading_the_enrolment_page_keeps_one_secret(client, agent):
    first = _enrollment_page(client)
    second = client.get("/admin/second-factor/")

    assert _secret_shown(first) == _secret_shown(second)
    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_a_wrong_enrolment_code_neither_enrols_nor_logs_in(client, agent):
    _enrollment_page(client)
    device = TOTPDevice.objects.get(user=agent)
    wrong = "000000" if totp_code(device) != "000000" else "111111"

    response = client.post("/admin/second-factor/", {"otp_token": wrong})

    assert response.status_code == 200
    assert "Enter the current 6-digit code" in response.content.decode()
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    assert not device.confirmed
    assert AccessAttempt.objects.get(username="agent").failures_since_start == 1


def test_the_enrolment_page_needs_the_password_first(client, agent):
    response = client.get("/admin/second-factor/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/"
    assert not TOTPDevice.objects.exists()


def test_an_enrolled_user_cannot_enrol_another_device_by_password(client, agent):
    """Once enrolled, the password alone never reaches the enrolment page."""
    staff_device(agent)

    response = _log_in(client)

    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=agent).count() == 1
    assert client.get("/admin/second-factor/").status_code == 302


def test_a_login_without_a_password_asks_for_it(client, agent):
    staff_device(agent)

    response = client.post(LOGIN, {"username": "agent", "password": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_wrong_enrolment_codes_lock_the_username_out(client, agent, settings):
    """Guessing codes on the enrolment page counts like wrong passwords: the
    lockout ends the enrolment and the login stays refused."""
    _enrollment_page(client)
    device = TOTPDevice.objects.get(user=agent)
    wrong = "000000" if totp_code(device) != "000000" else "111111"

    statuses = [
        client.post("/admin/second-factor/", {"otp_token": wrong}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    after = client.get("/admin/second-factor/")

    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert (after.status_code, after["Location"]) == (302, "/admin/login/")
    assert _log_in(client).status_code == 429
    device.refresh_from_db()
    assert not device.confirmed

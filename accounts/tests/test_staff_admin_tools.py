"""Access administrators reset a staff member's second factor (program
admins may not); program admins lift lockouts; both are staff actions in
the audit trail."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import ACCESS_ADMIN, PROGRAM_ADMIN
from accounts.tests.staff_auth import staff_device, staff_login, totp_code
from issuer.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-staff-passphrase-42"


@pytest.fixture
def program_admin(db: None) -> User:
    user = User.objects.create_user(
        username="padmin", password="program-admin-passphrase", is_staff=True
    )
    user.groups.set([Group.objects.get(name=PROGRAM_ADMIN)])
    return user


@pytest.fixture
def access_admin(db: None) -> User:
    user = User.objects.create_user(
        username="aadmin", password="access-admin-passphrase", is_staff=True
    )
    user.groups.set([Group.objects.get(name=ACCESS_ADMIN)])
    return user


@pytest.fixture
def agent(db: None) -> User:
    return User.objects.create_user(username="agent", password=PASSWORD, is_staff=True)


def test_a_reset_second_factor_is_enrolled_again_at_the_next_login(
    client, access_admin, agent
):
    device = staff_device(agent)
    staff_login(client, access_admin)

    reset = client.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}
    )
    client.post("/admin/logout/")
    login = client.post(
        "/admin/login/",
        {"username": "agent", "password": PASSWORD, "otp_token": totp_code(device)},
    )

    assert reset.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent, confirmed=True).exists()
    assert login.status_code == 302
    assert login["Location"] == "/admin/second-factor/"
    event = AuditEvent.objects.get(action=AuditEvent.Action.ADMIN_DELETE)
    assert (event.actor, event.target_type, event.target_id) == (
        access_admin,
        "otp_totp.totpdevice",
        str(device.pk),
    )
    reset = AuditEvent.objects.get(action=AuditEvent.Action.PERMISSION_CHANGE)
    assert (reset.actor, reset.target_id, reset.details) == (
        access_admin,
        str(agent.pk),
        {"second_factor_reset": True, "devices_removed": 1},
    )


def test_a_program_admin_may_not_reset_a_second_factor(client, program_admin, agent):
    device = staff_device(agent)
    staff_login(client, program_admin)

    refused = client.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}
    )

    assert refused.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()


def test_a_program_admin_never_sees_a_devices_secret(client, program_admin, agent):
    device = staff_device(agent)
    staff_login(client, program_admin)

    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    qr_code = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")

    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert qr_code.status_code == 403


def test_a_program_admin_lifts_a_lockout(client, program_admin, agent, settings):
    device = staff_device(agent)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "agent", "password": f"no-{attempt}"})
    locked = client.post(
        "/admin/login/",
        {"username": "agent", "password": PASSWORD, "otp_token": totp_code(device)},
    )
    attempt = AccessAttempt.objects.get(username="agent")

    staff_login(client, program_admin)
    lifted = client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    client.post("/admin/logout/")
    login = client.post(
        "/admin/login/",
        {"username": "agent", "password": PASSWORD, "otp_token": totp_code(device)},
    )

    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert lifted.status_code == 302
    assert login.status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.ADMIN_DELETE)
    assert (event.actor, event.target_type) == (program_admin, "axes.accessattempt")

"""Staff passwords must be strong: 12+ characters, not common, not all
digits, not like the username."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import ACCESS_ADMIN, PROGRAM_ADMIN, SUPPORT_AGENT
from accounts.services.staff import staff_user_ensure
from accounts.tests.staff_auth import staff_login
from issuer.kernel.errors import InvalidInput
from issuer.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db

TOO_SHORT = "This password is too short. It must contain at least 12 characters."


@pytest.fixture
def program_admin_client(client):  # type: ignore[no-untyped-def]
    admin = User.objects.create_user(
        username="padmin", password="program-admin-passphrase", is_staff=True
    )
    admin.groups.set([Group.objects.get(name=PROGRAM_ADMIN)])
    staff_login(client, admin)
    return client


@pytest.fixture
def access_admin_client(client):  # type: ignore[no-untyped-def]
    admin = User.objects.create_user(
        username="aadmin", password="access-admin-passphrase", is_staff=True
    )
    admin.groups.set([Group.objects.get(name=ACCESS_ADMIN)])
    staff_login(client, admin)
    return client


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Short-1", TOO_SHORT),
        ("123456789012", "This password is entirely numeric."),
        ("password1234", "This password is too common."),
        ("newagent2026x", "The password is too similar to the username."),
    ],
)
def test_a_program_admin_cannot_create_staff_with_a_weak_password(
    program_admin_client, password, message
):
    response = program_admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newagent2026",
            "password1": password,
            "password2": password,
            "usable_password": "true",
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="newagent2026").exists()
    refused = AuditEvent.objects.get(action=AuditEvent.Action.ADMIN_ADD)
    assert refused.outcome == "failed"
    assert any(message in error for error in refused.details["errors"])
    assert password not in str(refused.details)


def test_a_program_admin_creates_staff_with_a_strong_password(program_admin_client):
    response = program_admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newagent",
            "password1": "correct-horse-battery-staple",
            "password2": "correct-horse-battery-staple",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="newagent").check_password(
        "correct-horse-battery-staple"
    )


def test_a_weak_password_is_refused_when_an_admin_resets_one(access_admin_client):
    staff = User.objects.create_user(username="sam", password="x" * 12, is_staff=True)

    response = access_admin_client.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {"password1": "short", "password2": "short"},
    )

    assert response.status_code == 200
    assert TOO_SHORT in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password("x" * 12)


def test_the_staff_service_refuses_a_weak_password():
    with pytest.raises(InvalidInput) as refused:
        staff_user_ensure(username="sam", password="Zq9-short!", role=SUPPORT_AGENT)

    assert refused.value.fields == {"password": [TOO_SHORT]}
    assert not User.objects.filter(username="sam").exists()

"""`manage.py create_program_admin`: the first staff login of a fresh
installation (docker compose's `create-admin` service runs it)."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.roles import PROGRAM_ADMIN

PASSWORD = "first-admin-long-passphrase"


@pytest.mark.django_db
def test_creates_a_staff_login_holding_the_program_admin_role(monkeypatch) -> None:
    monkeypatch.setenv("PROGRAM_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("PROGRAM_ADMIN_USERNAME", "ops-lead")
    out = StringIO()

    call_command("create_program_admin", "--email", "ops@issuer.example", stdout=out)

    user = User.objects.get(username="ops-lead")
    assert user.is_staff is True
    assert user.email == "ops@issuer.example"
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [PROGRAM_ADMIN]
    assert out.getvalue() == (
        "Program admin ops-lead created: sign in at /admin/ and enrol TOTP on"
        " the first sign-in.\n"
    )


@pytest.mark.django_db
def test_an_existing_login_is_left_unchanged(monkeypatch) -> None:
    monkeypatch.setenv("PROGRAM_ADMIN_PASSWORD", PASSWORD)
    call_command("create_program_admin", "admin", stdout=StringIO())
    monkeypatch.setenv("PROGRAM_ADMIN_PASSWORD", "another-long-passphrase-2")
    out = StringIO()

    call_command("create_program_admin", "admin", stdout=out)

    assert User.objects.get(username="admin").check_password(PASSWORD)
    assert out.getvalue() == "Staff login admin exists: left unchanged.\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Set PROGRAM_ADMIN_PASSWORD (12+ characters)."),
        ("short", "Password refused"),
    ],
)
def test_without_a_good_password_nothing_is_created(
    monkeypatch, password: str, message: str
) -> None:
    monkeypatch.setenv("PROGRAM_ADMIN_PASSWORD", password)

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("create_program_admin", "admin", stdout=StringIO())

    assert not User.objects.filter(username="admin").exists()

"""`staff_totp_code USERNAME` stands in for the phone app, in the sandbox only."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.tests.staff_auth import staff_device, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db: None) -> User:
    return User.objects.create_user(username="sam", password="x" * 12, is_staff=True)


def test_it_prints_the_code_the_app_would_show(staff, capsys):
    device = staff_device(staff)

    call_command("staff_totp_code", "sam")

    # The app's code now, or the next one if the step turned meanwhile.
    printed = capsys.readouterr().out.strip()
    assert printed in {totp_code(device, steps_ahead=-1), totp_code(device)}


def test_it_gives_an_unenrolled_login_the_code_of_its_enrolment_device(staff, capsys):
    call_command("staff_totp_code", "sam")

    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert capsys.readouterr().out.strip() in {
        totp_code(device, steps_ahead=-1),
        totp_code(device),
    }


def test_it_refuses_outside_the_sandbox(staff, settings, capsys):
    staff_device(staff)
    settings.SANDBOX = False

    with pytest.raises(CommandError, match="SANDBOX"):
        call_command("staff_totp_code", "sam")
    assert capsys.readouterr().out == ""


def test_it_refuses_an_unknown_login(capsys):
    with pytest.raises(CommandError, match="No staff login 'nobody'"):
        call_command("staff_totp_code", "nobody")

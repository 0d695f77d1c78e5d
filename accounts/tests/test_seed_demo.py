"""seed_demo creates a working staff login for every role, idempotently."""

from base64 import b32encode

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import CreditAccount, CreditLimitProposal, Statement, User
from accounts.roles import STAFF_ROLES
from accounts.tests.staff_auth import totp_code
from ledger.verification import ledger_breaches


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_role(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    staff = User.objects.filter(is_staff=True).prefetch_related("groups")
    assert staff.count() == len(STAFF_ROLES)
    assert {group.name for user in staff for group in user.groups.all()} == set(
        STAFF_ROLES
    )
    out = capsys.readouterr().out
    assert "support / " in out
    # Re-seeding keeps each login's one device (authenticator apps stay valid),
    # and prints its secret for an authenticator app.
    assert TOTPDevice.objects.filter(user__in=staff, confirmed=True).count() == len(
        STAFF_ROLES
    )
    device = TOTPDevice.objects.get(user__username="support")
    assert out.count(f"TOTP secret {b32encode(device.bin_key).decode()}") == 2
    assert "staff_totp_code USERNAME" in out
    assert list(
        CreditLimitProposal.objects.values_list(
            "status", "current_limit", "proposed_limit"
        )
    ) == [("pending", 500_000, 750_000), ("pending", 500_000, 350_000)]
    # Demo lines opened 80 days ago: at least two cycles closed for each.
    assert Statement.objects.count() >= 2 * CreditAccount.objects.count()
    assert list(ledger_breaches()) == []


@pytest.mark.django_db
def test_a_seeded_staff_user_can_log_in_to_admin(client, settings):
    """Demo logins come enrolled: password plus the code of their device."""
    call_command("seed_demo")
    device = TOTPDevice.objects.get(user__username="support", confirmed=True)

    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": "support",
            "password": settings.DEMO_PASSWORD,
            "otp_token": totp_code(device),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_seed_demo_refuses_outside_the_sandbox(settings):
    from django.core.management.base import CommandError

    settings.SANDBOX = False

    with pytest.raises(CommandError, match="SANDBOX"):
        call_command("seed_demo")
    assert not User.objects.exists()

"""seed_demo creates a working staff login for every role, idempotently."""

import pytest
from django.core.management import call_command

from accounts.models import CreditAccount, CreditLimitProposal, Statement, User
from accounts.roles import STAFF_ROLES
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
    assert "support / " in capsys.readouterr().out
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
    call_command("seed_demo")

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "support", "password": settings.DEMO_PASSWORD},
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

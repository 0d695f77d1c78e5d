"""What `make demo` seeds for every workflow (rules in shadow and active,
a credit proposal, disputes in progress) and the block it ends with."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import CreditLimitProposal, User
from cards.models import Dispute
from fraud.models import Rule


@pytest.mark.django_db
def test_seed_demo_leaves_a_rule_a_proposal_and_a_dispute_for_each_workflow() -> None:
    """Given seed_demo run twice, then two active and two shadow rules exist
    once each (made by the supervisor), credit proposals wait for review and
    disputes are open, filed and submitted."""
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()

    call_command("seed_demo", stdout=out)

    rules = list(Rule.objects.order_by("name").values_list("name", "mode", "action"))
    assert rules == [
        ("Burst: five authorizations within an hour", "shadow", "freeze"),
        ("Merchant with recent confirmed fraud", "shadow", "case"),
        ("New country at night", "active", "flag"),
        ("Online spend far above the card's usual", "active", "case"),
    ]
    assert set(Rule.objects.values_list("created_by__username", flat=True)) == {
        "supervisor"
    }
    assert "Fraud rules: 2 active, 2 in shadow." in out.getvalue()
    assert CreditLimitProposal.objects.filter(status="pending").count() == 2
    assert sorted(Dispute.objects.values_list("status", flat=True)) == [
        "filed",
        "submitted",
        "won",
    ]


@pytest.mark.django_db
def test_the_supervisor_sees_the_demo_rules(staff_client) -> None:
    call_command("seed_demo", stdout=StringIO())
    supervisor = staff_client(User.objects.get(username="supervisor"))

    response = supervisor.get("/admin/fraud/rule/")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 4


@pytest.mark.django_db
def test_demo_summary_ends_with_logins_and_a_working_partner_key(client) -> None:
    """Given a seeded demo, the summary lists the URLs and every login with
    its role, says how to get a TOTP code, and ends with a partner key that
    the API accepts."""
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()

    call_command(
        "demo_summary", "--url", "http://127.0.0.1:8000", "--logs", "var/", stdout=out
    )

    lines = out.getvalue().splitlines()
    assert "  Staff console      http://127.0.0.1:8000/admin/" in lines
    assert "  Review queue       http://127.0.0.1:8000/admin/fraud/reviewcase/" in lines
    assert "  supervisor   Fraud supervisor" in lines
    assert "  admin        Program admin" in lines
    assert "  TOTP code: .venv/bin/python manage.py staff_totp_code USERNAME" in lines
    assert lines[-2] == "Partner API key (Demo Acquirer, every scope):"
    key = lines[-1].strip()
    account = client.get(
        "/api/v1/accounts/00000000-0000-0000-0000-000000000000",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert account.status_code == 404  # authenticated: the account is unknown

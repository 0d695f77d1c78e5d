"""The credit review queue: proposals, decisions, notices; service and admin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CreditDecision, CreditLimitProposal, CreditScore
from accounts.roles import CREDIT_OFFICER, SUPPORT_AGENT
from accounts.services.credit_accounts import credit_hold_place
from accounts.services.credit_decisions import (
    credit_limit_proposal_create,
    credit_limit_proposal_decide,
)
from accounts.tests.factories import credit_account_create_for_test
from issuer.kernel.errors import Conflict, Forbidden, InvalidInput
from issuer.kernel.models import OutboxEvent
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db
QUEUE = "/admin/accounts/creditlimitproposal/"


@pytest.fixture
def officer(make_staff):
    return make_staff("olive", CREDIT_OFFICER)


def _proposal(account, proposed_limit, **kwargs):
    score = CreditScore.objects.create(
        account=account,
        score=kwargs.pop("score", 712),
        reasons=["Balances are high compared with your credit limits"],
    )
    return credit_limit_proposal_create(
        account=account,
        proposed_limit=proposed_limit,
        reasons=kwargs.pop(
            "reasons", ["On-time payments for 12 months", "Low use of credit"]
        ),
        score=score,
    )


def test_a_newer_proposal_supersedes_the_pending_one():
    account = credit_account_create_for_test(credit_limit=100_000)
    first = _proposal(account, 150_000)

    second = _proposal(account, 120_000)

    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "pending")
    assert second.current_limit == 100_000


def test_approving_an_increase_changes_the_limit_and_records_the_decision(officer):
    account = credit_account_create_for_test(credit_limit=100_000)
    proposal = _proposal(account, 150_000)

    decision = credit_limit_proposal_decide(
        proposal=proposal, approve=True, reason="Strong payer", officer=officer
    )

    account.refresh_from_db()
    account.receivable.refresh_from_db()
    assert (account.credit_limit, account.receivable.debit_limit) == (150_000, 150_000)
    assert (
        decision.outcome,
        decision.previous_limit,
        decision.new_limit,
        decision.officer,
    ) == ("approved", 100_000, 150_000, officer)
    assert decision.cardholder_notice == ""
    proposal.refresh_from_db()
    assert proposal.status == "approved"
    assert account.limit_changes.get().reason == "Credit review: Strong payer"


def test_an_approved_decrease_notifies_the_cardholder_with_the_reasons(officer):
    account = credit_account_create_for_test(credit_limit=100_000)
    proposal = _proposal(
        account,
        60_000,
        reasons=["A payment was 30 days late", "Balances are high"],
    )

    decision = credit_limit_proposal_decide(
        proposal=proposal, approve=True, reason="Rising risk", officer=officer
    )

    assert "from 1,000.00 USD to 600.00 USD" in decision.cardholder_notice
    assert "- A payment was 30 days late\n- Balances are high" in (
        decision.cardholder_notice
    )
    event = OutboxEvent.objects.get(type="credit.limit_decreased")
    assert event.payload == {
        "account_id": str(account.public_id),
        "decision_id": str(decision.public_id),
        "previous_limit": 100_000,
        "new_limit": 60_000,
        "currency": "USD",
    }


def test_rejecting_keeps_the_limit_and_records_why(officer):
    account = credit_account_create_for_test(credit_limit=100_000)
    proposal = _proposal(account, 60_000)

    decision = credit_limit_proposal_decide(
        proposal=proposal, approve=False, reason="Recent hardship plan", officer=officer
    )

    account.refresh_from_db()
    assert account.credit_limit == 100_000
    assert (decision.outcome, decision.new_limit, decision.cardholder_notice) == (
        "rejected",
        100_000,
        "",
    )
    assert not OutboxEvent.objects.filter(type="credit.limit_decreased").exists()


def test_a_limit_below_what_is_owed_is_refused_and_nothing_changes(officer):
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_hold_place(
        account=account,
        amount=70_000,
        idempotency_key="hold-1",
        expires_at=timezone.now() + timedelta(days=7),
    )
    proposal = _proposal(account, 50_000)

    with pytest.raises(InvalidInput) as error:
        credit_limit_proposal_decide(
            proposal=proposal, approve=True, reason="Lower it", officer=officer
        )

    assert "owes now (700.00)" in error.value.fields["new_limit"][0]
    account.refresh_from_db()
    assert account.credit_limit == 100_000
    assert not CreditDecision.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert list(ledger_breaches()) == []


def test_only_credit_officers_decide_and_only_once(officer, make_staff):
    account = credit_account_create_for_test(credit_limit=100_000)
    proposal = _proposal(account, 150_000)

    with pytest.raises(Forbidden):
        credit_limit_proposal_decide(
            proposal=proposal,
            approve=True,
            reason="Looks fine",
            officer=make_staff("sam", SUPPORT_AGENT),
        )
    credit_limit_proposal_decide(
        proposal=proposal, approve=False, reason="Not now", officer=officer
    )
    with pytest.raises(Conflict):
        credit_limit_proposal_decide(
            proposal=proposal, approve=True, reason="Changed mind", officer=officer
        )

    assert CreditDecision.objects.count() == 1


def test_the_queue_shows_pending_proposals_with_score_and_history(
    officer, staff_client
):
    account = credit_account_create_for_test(credit_limit=100_000)
    proposal = _proposal(account, 150_000, score=744)
    client = staff_client(officer)

    listing = client.get(QUEUE)
    page = client.get(
        reverse("admin:accounts_creditlimitproposal_change", args=[proposal.pk])
    )

    assert listing.status_code == 200
    assert "▲ +50 %" in listing.content.decode()
    html = page.content.decode()
    assert page.status_code == 200
    assert "744" in html
    assert "On-time payments for 12 months" in html
    assert "Balances are high compared with your credit limits" in html  # history
    assert 'name="decision"' in html


def test_an_officer_approves_from_the_proposal_page(officer, staff_client):
    account = credit_account_create_for_test(credit_limit=100_000)
    proposal = _proposal(account, 150_000)
    url = reverse("admin:accounts_creditlimitproposal_change", args=[proposal.pk])

    response = staff_client(officer).post(
        url, {"decision": "approve", "reason": "Twelve on-time payments"}
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.credit_limit == 150_000
    assert CreditDecision.objects.get().reason == "Twelve on-time payments"


def test_a_decision_without_a_reason_is_refused_on_the_page(officer, staff_client):
    account = credit_account_create_for_test(credit_limit=100_000)
    proposal = _proposal(account, 150_000)
    url = reverse("admin:accounts_creditlimitproposal_change", args=[proposal.pk])

    response = staff_client(officer).post(url, {"decision": "approve", "reason": ""})

    assert response.status_code == 200
    assert "Say why." in response.content.decode()
    assert not CreditDecision.objects.exists()


def test_bulk_reject_records_one_decision_per_proposal(officer, staff_client):
    proposals = [
        _proposal(credit_account_create_for_test(credit_limit=100_000), 40_000)
        for _ in range(2)
    ]
    selection = {
        "action": "reject_proposals",
        "_selected_action": [p.pk for p in proposals],
    }
    client = staff_client(officer)

    asking = client.post(QUEUE, selection)
    done = client.post(QUEUE, {**selection, "apply": "1", "reason": "Payments resumed"})

    assert asking.status_code == 200
    assert done.status_code == 302
    assert list(CreditDecision.objects.values_list("outcome", "reason")) == [
        ("rejected", "Payments resumed"),
        ("rejected", "Payments resumed"),
    ]
    assert set(CreditLimitProposal.objects.values_list("status", flat=True)) == {
        "rejected"
    }

"""Score recalculation: history, once per event, and limit proposals on a
material change only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import CreditAccount, CreditLimitProposal, CreditScore
from accounts.services.credit_decisions import credit_limit_proposal_decide
from accounts.services.credit_scores import (
    ScoreRequest,
    credit_score_recalculate,
    credit_scores_recalculate,
)
from accounts.tests.billing_history import statement_assessed
from accounts.tests.factories import credit_account_create_for_test, purchase_post
from issuer.kernel.models import OutboxEvent

pytestmark = pytest.mark.django_db
NEW_ACCOUNT_REASONS = [
    "You have a short record of on-time payments",
    "Your account has been open for a short time",
    "You have few statements paid in full yet",
    "You have not used your card in the last 30 days",
]


def _good_year(account):
    """Twelve statements paid in full, five years of age, a purchase: 850."""
    today = timezone.localdate()
    for month in range(12):
        statement_assessed(
            account,
            due_date=today - timedelta(days=5 + 30 * month),
            new_balance=10_000,
            minimum_payment=2_500,
            paid_by_due_date=10_000,
        )
    purchase_post(account, 5_000, timezone.now())
    CreditAccount.objects.filter(pk=account.pk).update(
        opened_at=timezone.now() - timedelta(days=5 * 366)
    )


def _past_due(account, days):
    CreditAccount.objects.filter(pk=account.pk).update(
        delinquent_since=timezone.localdate() - timedelta(days=days)
    )


def test_a_score_is_stored_with_its_reasons_inputs_and_trigger():
    account = credit_account_create_for_test()

    score = credit_score_recalculate(
        account=account, trigger="payment.received", event_id="e-1"
    )

    stored = CreditScore.objects.get()
    assert stored == score
    assert (stored.account, stored.score, stored.trigger, stored.event_id) == (
        account,
        710,
        "payment.received",
        "e-1",
    )
    assert stored.reasons == NEW_ACCOUNT_REASONS
    assert stored.inputs["account_age_months"] == 0
    assert stored.inputs["utilisation_bps"] == 0


def test_the_same_event_twice_stores_one_score():
    account = credit_account_create_for_test()
    first = credit_score_recalculate(
        account=account, trigger="statement.closed", event_id="e-1"
    )
    purchase_post(account, 90_000, timezone.now())  # behaviour changed meanwhile

    again = credit_score_recalculate(
        account=account, trigger="statement.closed", event_id="e-1"
    )

    assert again.pk == first.pk
    assert again.score == 710
    assert CreditScore.objects.count() == 1


def test_each_new_event_adds_to_the_history():
    account = credit_account_create_for_test()
    credit_score_recalculate(account=account, trigger="nightly", event_id="e-1")
    purchase_post(account, 95_000, timezone.now())

    credit_score_recalculate(account=account, trigger="payment.received", event_id="2")
    credit_score_recalculate(account=account, trigger="manual")

    assert list(
        CreditScore.objects.filter(account=account)
        .order_by("pk")
        .values_list("score", "trigger", "event_id")
    ) == [
        (710, "nightly", "e-1"),
        (635, "payment.received", "2"),  # 95 % used, one purchase: -95 + 20
        (635, "manual", None),
    ]


def test_a_batch_stores_each_account_once_per_event(django_assert_max_num_queries):
    accounts = [credit_account_create_for_test() for _ in range(4)]
    requests = [
        ScoreRequest(account_id=a.pk, trigger="nightly", event_id="nightly:d")
        for a in accounts
    ]
    credit_score_recalculate(
        account=accounts[0], trigger="nightly", event_id="nightly:d"
    )

    with django_assert_max_num_queries(12):
        scores = credit_scores_recalculate(
            requests=[*requests, requests[1], ScoreRequest(0, "nightly", "x")]
        )

    assert [s.account_id for s in scores] == [a.pk for a in accounts] + [accounts[1].pk]
    assert scores[1] is scores[4]
    assert CreditScore.objects.filter(event_id="nightly:d").count() == 4
    assert all(s.pk for s in scores)


def test_a_first_score_proposes_nothing():
    account = credit_account_create_for_test()
    _good_year(account)

    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")

    assert not CreditLimitProposal.objects.exists()


def test_an_unchanged_score_proposes_nothing():
    account = credit_account_create_for_test()
    for n in range(3):
        credit_score_recalculate(account=account, trigger="nightly", event_id=f"n{n}")

    assert not CreditLimitProposal.objects.exists()


def test_a_rise_of_40_proposes_an_increase_once():
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    _good_year(account)

    score = credit_score_recalculate(
        account=account, trigger="statement.closed", event_id="s1"
    )
    credit_score_recalculate(account=account, trigger="nightly", event_id="n2")

    proposal = CreditLimitProposal.objects.get()
    assert (proposal.score, proposal.current_limit, proposal.proposed_limit) == (
        score,
        100_000,
        120_000,
    )
    assert score.score == 850
    assert proposal.reasons == [
        "Credit score rose from 710 to 850 since the last review",
        "Uses 5.0% of the credit limit",
        "No payment past due and no missed payment in 12 months",
    ]
    assert proposal.status == "pending"


def test_after_a_rejection_the_next_proposal_needs_another_material_change(
    make_staff,
):
    officer = make_staff("olive", "Credit officer")
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    _good_year(account)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n2")
    credit_limit_proposal_decide(
        proposal=CreditLimitProposal.objects.get(),
        approve=False,
        reason="Too soon",
        officer=officer,
    )

    credit_score_recalculate(account=account, trigger="nightly", event_id="n3")

    assert CreditLimitProposal.objects.count() == 1


def test_thirty_days_past_due_proposes_a_decrease_with_the_reasons_once(
    make_staff,
):
    officer = make_staff("olive", "Credit officer")
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    purchase_post(account, 30_000, timezone.now())
    _past_due(account, 30)

    score = credit_score_recalculate(
        account=account, trigger="credit.delinquency_changed", event_id="d1"
    )

    proposal = CreditLimitProposal.objects.get()
    assert (proposal.score, proposal.proposed_limit) == (score, 50_000)
    assert proposal.reasons == ["Your account is 30 days past due", *score.reasons]
    assert score.reasons[0] == "Your account is 30 or more days past due"
    decision = credit_limit_proposal_decide(
        proposal=proposal, approve=False, reason="Hardship plan", officer=officer
    )
    assert decision.outcome == "rejected"

    credit_score_recalculate(account=account, trigger="nightly", event_id="n2")

    assert CreditLimitProposal.objects.count() == 1


def test_an_approved_decrease_carries_the_notice_with_the_reasons(make_staff):
    officer = make_staff("olive", "Credit officer")
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    purchase_post(account, 30_000, timezone.now())
    _past_due(account, 45)
    credit_score_recalculate(
        account=account, trigger="credit.delinquency_changed", event_id="d1"
    )

    decision = credit_limit_proposal_decide(
        proposal=CreditLimitProposal.objects.get(),
        approve=True,
        reason="Past due",
        officer=officer,
    )

    account.refresh_from_db()
    assert account.credit_limit == 50_000
    assert decision.new_limit == 50_000
    assert "- Your account is 45 days past due" in decision.cardholder_notice
    assert "- Your account is 30 or more days past due" in decision.cardholder_notice
    assert OutboxEvent.objects.filter(type="credit.limit_decreased").count() == 1


def test_a_fall_of_40_proposes_a_decrease_to_no_less_than_what_is_owed():
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    purchase_post(account, 85_000, timezone.now())  # 85 % used, one purchase: -80 + 20

    score = credit_score_recalculate(
        account=account, trigger="payment.returned", event_id="r1"
    )

    assert score.score == 650
    proposal = CreditLimitProposal.objects.get()
    assert proposal.proposed_limit == 85_000
    assert proposal.reasons[0] == (
        "Your credit score fell from 710 to 650 since our last review"
    )


def test_no_decrease_when_everything_is_owed():
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    purchase_post(account, 100_000, timezone.now())
    _past_due(account, 60)

    credit_score_recalculate(account=account, trigger="nightly", event_id="n2")

    assert not CreditLimitProposal.objects.exists()


def test_a_closed_account_is_scored_but_gets_no_proposal():
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    purchase_post(account, 40_000, timezone.now())
    _past_due(account, 45)
    CreditAccount.objects.filter(pk=account.pk).update(status="closed")

    credit_score_recalculate(account=account, trigger="payment.received", event_id="p")

    assert CreditScore.objects.filter(account=account).count() == 2
    assert not CreditLimitProposal.objects.exists()


def test_a_decrease_supersedes_a_pending_increase():
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    _good_year(account)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n2")
    purchase_post(account, 60_000, timezone.now())
    _past_due(account, 35)

    credit_score_recalculate(account=account, trigger="nightly", event_id="n3")

    assert list(
        CreditLimitProposal.objects.order_by("pk").values_list(
            "proposed_limit", "status"
        )
    ) == [(120_000, "superseded"), (65_000, "pending")]

"""The scorecard's inputs and the limit review's facts, read from the database."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.credit_score_selectors import (
    credit_score_inputs,
    limit_review_facts,
    months_between,
    open_credit_account_batches,
)
from accounts.limit_policy import Direction
from accounts.models import CreditAccount, CreditLimitProposal, CreditScore
from accounts.scorecard import ScoreInputs
from accounts.selectors import credit_account_balance
from accounts.services.credit_accounts import credit_hold_place
from accounts.tests.billing_history import (
    payment_returned,
    statement_assessed,
    statement_unassessed,
)
from accounts.tests.factories import credit_account_create_for_test, purchase_post

pytestmark = pytest.mark.django_db


def _history(account, as_of):
    """Purchases, a hold, returned payments and five statements around `as_of`."""
    today = timezone.localdate(as_of)
    for amount in (10_000, 5_000, 2_500):
        purchase_post(account, amount, at=as_of - timedelta(days=3))
    purchase_post(account, 1_000, at=as_of - timedelta(days=30))  # just outside
    credit_hold_place(
        account=account,
        amount=4_000,
        idempotency_key=f"hold-{account.pk}",
        expires_at=as_of + timedelta(days=7),
    )
    payment_returned(account, 3_000, returned_at=as_of - timedelta(days=20))
    payment_returned(account, 3_000, returned_at=as_of - timedelta(days=400))
    # Paid in full; minimum met but not in full; missed; nothing to pay.
    statement_assessed(
        account,
        due_date=today - timedelta(days=10),
        new_balance=10_000,
        minimum_payment=2_500,
        paid_by_due_date=10_000,
    )
    statement_assessed(
        account,
        due_date=today - timedelta(days=40),
        new_balance=20_000,
        minimum_payment=2_500,
        paid_by_due_date=2_500,
    )
    statement_assessed(
        account,
        due_date=today - timedelta(days=70),
        new_balance=15_000,
        minimum_payment=2_500,
        paid_by_due_date=0,
    )
    statement_assessed(
        account,
        due_date=today - timedelta(days=100),
        new_balance=0,
        minimum_payment=0,
        paid_by_due_date=0,
    )
    statement_assessed(  # more than 12 months ago: forgotten
        account,
        due_date=today - timedelta(days=400),
        new_balance=15_000,
        minimum_payment=2_500,
        paid_by_due_date=0,
    )
    statement_unassessed(account, due_date=today + timedelta(days=5))
    CreditAccount.objects.filter(pk=account.pk).update(
        delinquent_since=today - timedelta(days=12),
        opened_at=as_of.replace(year=as_of.year - 2, day=1),
    )


def test_the_inputs_count_what_happened_in_each_window():
    as_of = timezone.now()
    account = credit_account_create_for_test(credit_limit=100_000)
    _history(account, as_of)

    read = credit_score_inputs(account_ids=[account.pk], as_of=as_of)[account.pk]

    assert read.inputs == ScoreInputs(
        utilisation_bps=2_250,  # 18,500 posted and 4,000 held of 100,000
        on_time_payments_12m=2,
        missed_payments_12m=1,
        days_past_due=12,
        account_age_months=24,
        billed_statements_6=3,
        paid_in_full_6=1,
        returned_payments_12m=1,
        purchases_30d=3,
    )
    balance = credit_account_balance(account=account)
    assert read.owed == balance.posted_balance + balance.pending == 22_500
    assert (read.status, read.currency, read.credit_limit) == ("active", "USD", 100_000)
    assert read.delinquent_since == timezone.localdate(as_of) - timedelta(days=12)


def test_a_new_account_has_no_history_yet():
    account = credit_account_create_for_test(credit_limit=50_000)

    read = credit_score_inputs(account_ids=[account.pk], as_of=timezone.now())

    assert read[account.pk].inputs == ScoreInputs(
        utilisation_bps=0,
        on_time_payments_12m=0,
        missed_payments_12m=0,
        days_past_due=0,
        account_age_months=0,
        billed_statements_6=0,
        paid_in_full_6=0,
        returned_payments_12m=0,
        purchases_30d=0,
    )
    assert read[account.pk].owed == 0


def test_only_the_last_six_billed_statements_count_for_paying_in_full():
    account = credit_account_create_for_test()
    today = timezone.localdate()
    for month in range(8):  # the two oldest were paid in full, the rest not
        statement_assessed(
            account,
            due_date=today - timedelta(days=5 + 30 * month),
            new_balance=10_000,
            minimum_payment=2_500,
            paid_by_due_date=10_000 if month >= 6 else 2_500,
        )

    inputs = credit_score_inputs(account_ids=[account.pk], as_of=timezone.now())[
        account.pk
    ].inputs

    assert (inputs.billed_statements_6, inputs.paid_in_full_6) == (6, 0)
    assert (inputs.on_time_payments_12m, inputs.missed_payments_12m) == (8, 0)


def test_a_delinquent_account_is_at_least_one_day_past_due():
    as_of = timezone.now()
    account = credit_account_create_for_test()
    CreditAccount.objects.filter(pk=account.pk).update(
        delinquent_since=timezone.localdate(as_of)
    )

    read = credit_score_inputs(account_ids=[account.pk], as_of=as_of)

    assert read[account.pk].inputs.days_past_due == 1


def test_many_accounts_cost_the_same_two_queries_as_one(django_assert_num_queries):
    as_of = timezone.now()
    accounts = [credit_account_create_for_test() for _ in range(5)]
    _history(accounts[0], as_of)
    purchase_post(accounts[1], 700, at=as_of - timedelta(hours=1))

    with django_assert_num_queries(2):
        one = credit_score_inputs(account_ids=[accounts[0].pk], as_of=as_of)
    with django_assert_num_queries(2):
        many = credit_score_inputs(account_ids=[a.pk for a in accounts], as_of=as_of)

    assert many[accounts[0].pk] == one[accounts[0].pk]
    assert many[accounts[1].pk].inputs.purchases_30d == 1
    assert many[accounts[1].pk].owed == 700
    assert [many[a.pk].inputs.purchases_30d for a in accounts[2:]] == [0, 0, 0]


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2025, 1, 15), date(2026, 1, 15), 12),
        (date(2025, 1, 15), date(2026, 1, 14), 11),
        (date(2025, 1, 31), date(2025, 2, 28), 0),
        (date(2025, 3, 1), date(2025, 2, 1), 0),
    ],
)
def test_months_between(start, end, months):
    assert months_between(start, end) == months


def _score(account, value):
    return CreditScore.objects.create(account=account, score=value, reasons=[])


def test_without_proposals_the_reference_is_the_first_score():
    account = credit_account_create_for_test()
    _score(account, 701)
    _score(account, 744)

    facts = limit_review_facts(account_ids=[account.pk])[account.pk]

    assert facts.reference_score == 701
    assert facts.pending_direction is None
    assert facts.is_delinquency_decrease_proposed is False


def test_the_reference_is_the_last_proposals_score_and_its_direction_if_pending(
    django_assert_num_queries,
):
    account = credit_account_create_for_test(credit_limit=100_000)
    other = credit_account_create_for_test(credit_limit=100_000)
    _score(account, 701)
    CreditLimitProposal.objects.create(
        account=account,
        current_limit=100_000,
        proposed_limit=120_000,
        score=_score(account, 760),
        status="rejected",
    )
    CreditLimitProposal.objects.create(
        account=account,
        current_limit=100_000,
        proposed_limit=80_000,
        score=_score(account, 690),
    )
    _score(other, 650)

    with django_assert_num_queries(1):
        facts = limit_review_facts(account_ids=[account.pk, other.pk])

    assert facts[account.pk].reference_score == 690
    assert facts[account.pk].pending_direction is Direction.DECREASE
    assert facts[other.pk].reference_score == 650
    assert facts[other.pk].pending_direction is None


def test_a_proposal_without_a_score_refers_to_the_score_current_then():
    account = credit_account_create_for_test(credit_limit=100_000)
    _score(account, 701)
    _score(account, 733)
    proposal = CreditLimitProposal.objects.create(
        account=account, current_limit=100_000, proposed_limit=150_000
    )
    later = _score(account, 790)
    CreditScore.objects.filter(pk=later.pk).update(
        computed_at=proposal.created_at + timedelta(seconds=1)
    )

    facts = limit_review_facts(account_ids=[account.pk])[account.pk]

    assert facts.reference_score == 733
    assert facts.pending_direction is Direction.INCREASE


def test_a_decrease_proposed_since_the_account_fell_behind_is_known():
    account = credit_account_create_for_test(credit_limit=100_000)
    today = timezone.localdate()
    proposal = CreditLimitProposal.objects.create(
        account=account, current_limit=100_000, proposed_limit=50_000, status="rejected"
    )
    CreditAccount.objects.filter(pk=account.pk).update(delinquent_since=today)
    assert limit_review_facts(account_ids=[account.pk])[
        account.pk
    ].is_delinquency_decrease_proposed

    CreditLimitProposal.objects.filter(pk=proposal.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )

    assert not limit_review_facts(account_ids=[account.pk])[
        account.pk
    ].is_delinquency_decrease_proposed


def test_open_accounts_come_in_batches_by_pk():
    accounts = [credit_account_create_for_test() for _ in range(5)]
    CreditAccount.objects.filter(pk=accounts[1].pk).update(status="closed")
    CreditAccount.objects.filter(pk=accounts[2].pk).update(status="charged_off")
    CreditAccount.objects.filter(pk=accounts[3].pk).update(status="suspended")

    batches = list(open_credit_account_batches(batch_size=1))

    assert batches == [[accounts[0].pk], [accounts[3].pk], [accounts[4].pk]]

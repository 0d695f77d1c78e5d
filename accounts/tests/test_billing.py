"""The billing batch against hand-computed cycles.

The account: opened 2026-01-01, cycles close on the 28th, payments due on
the 25th of the next month, 20 % APR, late fee 29.00, floor 25.00.
First cycle Jan 1-28 (28 days), second Jan 29-Feb 28 (31 days).
"""

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import CreditAccount, DueDateAssessment, Payment, Statement
from accounts.services.billing import (
    billing_run,
    days_past_due,
    delinquency_bucket,
)
from accounts.services.payments import credit_account_payment_post, payment_return
from accounts.tests.factories import account_opened_on, purchase_post
from issuer.kernel.models import OutboxEvent
from ledger.models import JournalEntry
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def pay(account, amount, when, key=None) -> Payment:
    return credit_account_payment_post(
        account=account,
        amount=amount,
        idempotency_key=key or f"pay:{when.isoformat()}:{amount}",
        received_at=when,
    )


def figures(statement: Statement) -> tuple[int, ...]:
    return (
        statement.previous_balance,
        statement.purchases,
        statement.payments,
        statement.fees,
        statement.interest,
        statement.new_balance,
        statement.minimum_payment,
    )


@pytest.fixture
def account() -> CreditAccount:
    account = account_opened_on(date(2026, 1, 1))
    purchase_post(account, 100_000, at(1, 10))
    return account


def test_the_first_statement_has_a_grace_period_and_the_floor_minimum(account):
    billing_run(account=account, as_of=date(2026, 1, 28))

    statement = account.statements.get()
    assert (statement.period_start, statement.period_end) == (
        date(2026, 1, 1),
        date(2026, 1, 28),
    )
    assert figures(statement) == (0, 100_000, 0, 0, 0, 100_000, 2_500)
    assert statement.days_in_cycle == 28
    assert statement.due_date == date(2026, 2, 25)
    assert statement.is_grace_applied
    assert statement.available_credit == 400_000
    # 100,000 at 20 %: months and total paying only the minimum; 3-year payment
    assert statement.minimum_only_months is not None
    assert statement.minimum_only_total > 100_000
    assert statement.three_year_payment == 3_717  # 1,000 * r / (1 - (1 + r)^-36)


def test_grace_lost_with_no_payment_charges_late_fee_and_adb_interest(account):
    billing_run(account=account, as_of=date(2026, 2, 28))

    first, second = account.statements.order_by("period_end")
    # Late fee = the minimum (25.00) since it is below 29.00, posted Feb 26.
    # Daily: 28 days at 1,000.00 + 3 days at 1,025.00 = 3,107,500;
    # * 2000 / 3,650,000 = 1,702.74 -> 17.03.
    assert figures(second) == (100_000, 0, 0, 2_500, 1_703, 104_203, 7_746)
    assert second.average_daily_balance == 100_242
    assert second.past_due == 2_500
    assert not second.is_grace_applied
    assessment = DueDateAssessment.objects.get(statement=first)
    assert (assessment.paid_by_due_date, assessment.is_minimum_met) == (0, False)
    account.refresh_from_db()
    assert account.delinquent_since == date(2026, 2, 25)
    assert days_past_due(account=account, as_of=date(2026, 2, 28)) == 3
    assert delinquency_bucket(3) == "1-29"


def test_a_partial_mid_cycle_payment_loses_grace_but_meets_the_minimum(account):
    pay(account, 40_000, at(2, 10))

    billing_run(account=account, as_of=date(2026, 2, 28))

    second = account.statements.order_by("period_end").last()
    # 12 days at 1,000.00 + 19 days at 600.00 = 2,340,000 -> 12.82
    assert figures(second) == (100_000, 0, 40_000, 0, 1_282, 61_282, 2_500)
    account.refresh_from_db()
    assert account.delinquent_since is None
    assert not JournalEntry.objects.filter(kind="fee_late").exists()


def test_paying_the_statement_in_full_keeps_the_grace_period(account):
    purchase_post(account, 30_000, at(2, 5))
    pay(account, 100_000, at(2, 20))

    billing_run(account=account, as_of=date(2026, 2, 28))

    second = account.statements.order_by("period_end").last()
    assert figures(second) == (100_000, 30_000, 100_000, 0, 0, 30_000, 2_500)
    assert second.is_grace_applied


def test_a_zero_balance_statement_asks_nothing():
    account = account_opened_on(date(2026, 1, 1))

    billing_run(account=account, as_of=date(2026, 1, 28))

    statement = account.statements.get()
    assert figures(statement) == (0, 0, 0, 0, 0, 0, 0)
    assert statement.minimum_only_months is None
    assert statement.three_year_payment is None


def test_a_credit_balance_accrues_nothing_and_asks_nothing(account, settings):
    settings.PAYMENT_CREDIT_BALANCE_ALLOWANCE = 50_000  # overpaying is allowed
    pay(account, 150_000, at(2, 20))

    billing_run(account=account, as_of=date(2026, 2, 28))

    second = account.statements.order_by("period_end").last()
    assert figures(second) == (100_000, 0, 150_000, 0, 0, -50_000, 0)


def test_autopay_pays_the_statement_balance_on_the_due_date(account):
    CreditAccount.objects.filter(pk=account.pk).update(autopay="statement_balance")
    account.refresh_from_db()

    billing_run(account=account, as_of=date(2026, 2, 25))

    payment = Payment.objects.get()
    assert (payment.amount, payment.source, payment.received_at) == (
        100_000,
        "autopay",
        at(2, 25),
    )
    billing_run(account=account, as_of=date(2026, 2, 28))
    second = account.statements.order_by("period_end").last()
    assert second.is_grace_applied
    assert Payment.objects.count() == 1


def test_a_returned_payment_is_reversed_with_a_fee_and_loses_grace(account):
    payment = pay(account, 100_000, at(2, 20))

    payment_return(payment=payment, reason="Insufficient funds", returned_at=at(2, 23))
    billing_run(account=account, as_of=date(2026, 2, 28))

    payment.refresh_from_db()
    assert payment.status == "returned"
    second = account.statements.order_by("period_end").last()
    # Fees: returned payment 25.00 (Feb 23) + late fee 25.00 (Feb 26).
    assert (second.payments, second.fees) == (0, 5_000)
    assert not second.is_grace_applied
    assert OutboxEvent.objects.filter(type="payment.returned").count() == 1


def test_rerunning_the_batch_changes_nothing(account):
    call_command("close_statements", "--as-of", "2026-03-31")
    counts = (
        Statement.objects.count(),
        JournalEntry.objects.count(),
        DueDateAssessment.objects.count(),
        OutboxEvent.objects.count(),
    )

    call_command("close_statements", "--as-of", "2026-03-31")

    assert counts == (
        Statement.objects.count(),
        JournalEntry.objects.count(),
        DueDateAssessment.objects.count(),
        OutboxEvent.objects.count(),
    )
    assert counts[0] == 3
    assert list(ledger_breaches()) == []


def test_a_statement_cannot_be_changed_once_closed(account):
    billing_run(account=account, as_of=date(2026, 1, 28))
    statement = account.statements.get()

    statement.new_balance = 0
    with pytest.raises(ValueError, match="immutable"):
        statement.save()


def test_a_payment_dated_into_a_closed_cycle_counts_in_the_open_one(account):
    billing_run(account=account, as_of=date(2026, 1, 28))

    payment = pay(account, 10_000, at(1, 20))

    assert payment.received_at == datetime(2026, 1, 29, tzinfo=UTC)


def test_a_cycle_close_costs_the_same_queries_after_a_year_of_history():
    """Reads are index ranges (the period by effective time; late postings by
    entry after the last statement's mark): history does not add queries."""
    young, old = (
        account_opened_on(date(2026, 11, 1)),
        account_opened_on(date(2026, 1, 1)),
    )
    for month in range(1, 13):
        purchase_post(old, 10_000, at(month, 3))
        pay(old, 10_000, at(month, 20), key=f"old:{month}")
    purchase_post(young, 10_000, at(11, 3))
    pay(young, 10_000, at(11, 20), key="young:11")
    purchase_post(young, 10_000, at(12, 3))
    pay(young, 10_000, at(12, 20), key="young:12")
    billing_run(account=old, as_of=date(2026, 11, 30))
    billing_run(account=young, as_of=date(2026, 11, 30))
    assert (old.statements.count(), young.statements.count()) == (11, 1)

    after = datetime(2026, 12, 29, 1, tzinfo=UTC)  # the clock, once Dec 28 is over
    with CaptureQueriesContext(connection) as old_queries:
        billing_run(account=old, as_of=date(2026, 12, 28), now=after)
    with CaptureQueriesContext(connection) as young_queries:
        billing_run(account=young, as_of=date(2026, 12, 28), now=after)

    assert len(old_queries) == len(young_queries)
    assert len(old_queries) <= 13


def test_staff_record_a_payment_once_per_reference(make_staff, staff_client, settings):
    from accounts.roles import SUPPORT_AGENT

    settings.PAYMENT_CREDIT_BALANCE_ALLOWANCE = 20_000  # nothing owed yet

    account = account_opened_on(date(2026, 1, 1))
    client = staff_client(make_staff("phone-desk", SUPPORT_AGENT))
    selection = {"action": "record_payment", "_selected_action": [account.pk]}
    url = "/admin/accounts/creditaccount/"

    bad = client.post(
        url, {**selection, "apply": "1", "amount": "12.345", "reference": "r-1"}
    )
    for _ in range(2):
        client.post(
            url, {**selection, "apply": "1", "amount": "125.50", "reference": "r-1"}
        )

    assert "12.345" in bad.content.decode()  # the form names the bad amount
    payment = account.payments.get()
    assert (payment.amount, payment.source) == (12_550, "admin")


def test_autopay_never_pays_more_than_is_owed_now(account):
    """A refund after the statement closed lowers what is owed: autopay of the
    statement balance pays only that (no credit balance, within the ceiling)."""
    from accounts.chart import MERCHANT_SETTLEMENT, program_account
    from ledger.services.entries import credit, debit, entry_post

    CreditAccount.objects.filter(pk=account.pk).update(autopay="statement_balance")
    account.refresh_from_db()
    billing_run(account=account, as_of=date(2026, 1, 28))
    entry_post(
        legs=[
            debit(program_account(MERCHANT_SETTLEMENT, "USD"), 30_000),
            credit(account.receivable, 30_000),
        ],
        kind="refund",
        idempotency_key="refund-after-close",
        effective_at=at(2, 3),
    )

    billing_run(account=account, as_of=date(2026, 2, 25))

    payment = Payment.objects.get()
    assert (payment.amount, payment.source) == (70_000, "autopay")
    assert list(ledger_breaches()) == []

"""A year of billing, run as operations would: the batch every few days.

Three accounts from 2026-01-01: one pays in full by autopay, one pays late
now and then and disputes a purchase (provisional credit in May, lost in
July), one stops paying and is charged off. The ledger's invariants hold
after every run. (Here, not in accounts, because disputes are cards'.)
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import CreditAccount, Statement
from accounts.selectors import credit_account_balance
from accounts.services.billing import billing_batch_run
from accounts.services.payments import (
    credit_account_payment_post,
    payment_ceiling,
    payments_settle_due,
)
from accounts.tests.factories import account_opened_on, purchase_post
from cards.services.disputes import dispute_file, dispute_resolve, dispute_submit
from cards.tests.conftest import capture_posted_at
from ledger.models import JournalEntry
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)
RUN_EVERY_DAYS = 4


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=15)


def test_a_year_of_cycles_with_late_payments_and_a_charge_off():
    prompt = account_opened_on(START)
    CreditAccount.objects.filter(pk=prompt.pk).update(autopay="full")
    late = account_opened_on(START)
    defaulter = account_opened_on(START)
    late_months = {3, 6, 9}  # misses the due date these months, pays on the 5th

    disputed = None
    day, last_run = START, START
    while day <= date(2026, 12, 31):
        if day == date(2026, 5, 8):
            disputed = capture_posted_at(late, 25_000, _at(day))
        if day == date(2026, 5, 12):
            dispute = dispute_file(
                capture=disputed,
                amount=25_000,
                reason="not_received",
                description="Never delivered.",
                now=_at(day),
            )
            dispute_submit(dispute=dispute, now=_at(day))
        if day == date(2026, 7, 14):
            dispute_resolve(dispute=dispute, outcome="lost", now=_at(day))
        payments_settle_due(as_of=_at(day))  # the beat task, in simulated time
        spenders = (prompt, late, defaulter) if day.month <= 4 else (prompt, late)
        for account in spenders:
            if day.day == 5:
                purchase_post(account, 40_000 + day.month * 1_000, _at(day))
        if day.day == 20 and day.month not in late_months:
            _pay_last_statement(late, day)
        if day.day == 5 and day.month - 1 in late_months:
            _pay_last_statement(late, day)
        if day.day == 20 and day.month <= 2:
            _pay_last_statement(defaulter, day)
        if (day - last_run).days >= RUN_EVERY_DAYS:
            # a fake clock: the day has just ended
            billing_batch_run(as_of=day, now=_at(day + timedelta(days=1)))
            last_run = day
            assert list(ledger_breaches()) == [], day
        day += timedelta(days=1)

    caught_up = billing_batch_run(as_of=date(2026, 12, 31), now=_at(date(2027, 1, 1)))
    assert caught_up.statements == 0  # all caught up

    prompt_statements = Statement.objects.filter(account=prompt)
    assert prompt_statements.count() == 12
    assert sum(s.interest for s in prompt_statements) == 0
    assert not JournalEntry.objects.filter(
        kind="fee_late", external_ref=str(prompt.public_id)
    ).exists()

    late_fees = JournalEntry.objects.filter(
        kind="fee_late", external_ref=str(late.public_id)
    ).count()
    assert late_fees == len(late_months)
    assert sum(s.interest for s in Statement.objects.filter(account=late)) > 0
    late.refresh_from_db()
    assert late.delinquent_since is None  # caught up every time
    may, july = (
        Statement.objects.get(account=late, period_end=date(2026, month, 28))
        for month in (5, 7)
    )
    assert may.purchases == 45_000 + 25_000  # the monthly spend and the disputed one
    # The provisional credit counts among May's credits; July's reversal takes it back.
    assert may.payments == paid_within(late, may) + 25_000
    assert july.payments == paid_within(late, july) - 25_000

    defaulter.refresh_from_db()
    assert defaulter.status == CreditAccount.Status.CHARGED_OFF
    # Minimum missed from the due date 2026-03-25; charged off 180 days on.
    assert defaulter.charged_off_at.date() == date(2026, 3, 25) + timedelta(days=180)
    assert credit_account_balance(account=defaulter).posted_balance == 0
    assert not Statement.objects.filter(
        account=defaulter, period_end__gt=defaulter.charged_off_at.date()
    ).exists()
    assert list(ledger_breaches()) == []


def _pay_last_statement(account: CreditAccount, day: date) -> None:
    statement = (
        account.statements.filter(period_end__lt=day).order_by("-period_end").first()
    )
    if statement is None or statement.new_balance <= 0:
        return
    # A provisional dispute credit can leave less owed than the statement says:
    # nobody pays more than is owed (plus the allowance).
    amount = min(statement.new_balance, payment_ceiling(account=account))
    credit_account_payment_post(
        account=account,
        amount=amount,
        idempotency_key=f"year:{account.pk}:{day.isoformat()}",
        received_at=_at(day),
    )


def paid_within(account: CreditAccount, statement: Statement) -> int:
    """The payments received in the statement's period."""
    return sum(
        payment.amount
        for payment in account.payments.filter(
            received_at__date__gte=statement.period_start,
            received_at__date__lte=statement.period_end,
        )
    )

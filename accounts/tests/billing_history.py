"""Write an account's billing history directly, as the billing batch would.

Statements reconcile (new balance = previous + purchases + fees + interest
- payments), so they satisfy their CHECK constraints.
"""

import uuid
from datetime import UTC, date, datetime, timedelta

from accounts.billing_terms import cutoff
from accounts.models import CreditAccount, DueDateAssessment, Payment, Statement
from accounts.services.payments import credit_account_payment_post, payment_return
from ledger.selectors import account_last_entry_id


def statement_mark(account: CreditAccount, period_end: date) -> dict[str, object]:
    """The read mark a close on `period_end` would record now (UTC days)."""
    return {
        "cutoff_at": cutoff(period_end, UTC),
        "last_entry_id": account_last_entry_id(account=account.receivable_id),
    }


def statement_assessed(
    account: CreditAccount,
    *,
    due_date: date,
    new_balance: int,
    minimum_payment: int,
    paid_by_due_date: int,
    is_minimum_met: bool | None = None,
) -> Statement:
    """A closed statement due on `due_date`, assessed: paid that much by then."""
    period_end = due_date - timedelta(days=25)
    statement = Statement.objects.create(
        account=account,
        currency=account.currency,
        period_start=period_end - timedelta(days=29),
        period_end=period_end,
        days_in_cycle=30,
        previous_balance=0,
        purchases=new_balance,
        payments=0,
        fees=0,
        interest=0,
        new_balance=new_balance,
        credit_limit=account.credit_limit,
        available_credit=account.credit_limit - new_balance,
        minimum_payment=minimum_payment,
        due_date=due_date,
        apr_bps=account.apr_bps,
        average_daily_balance=new_balance,
        is_grace_applied=True,
        **statement_mark(account, period_end),
    )
    DueDateAssessment.objects.create(
        statement=statement,
        paid_by_due_date=paid_by_due_date,
        is_minimum_met=paid_by_due_date >= minimum_payment
        if is_minimum_met is None
        else is_minimum_met,
    )
    return statement


def statement_unassessed(account: CreditAccount, *, due_date: date) -> Statement:
    """A closed statement whose due date the batch has not assessed yet."""
    period_end = due_date - timedelta(days=25)
    return Statement.objects.create(
        account=account,
        currency=account.currency,
        period_start=period_end - timedelta(days=29),
        period_end=period_end,
        days_in_cycle=30,
        previous_balance=0,
        purchases=10_000,
        payments=0,
        fees=0,
        interest=0,
        new_balance=10_000,
        credit_limit=account.credit_limit,
        available_credit=account.credit_limit - 10_000,
        minimum_payment=2_500,
        due_date=due_date,
        apr_bps=account.apr_bps,
        average_daily_balance=10_000,
        is_grace_applied=True,
        **statement_mark(account, period_end),
    )


def payment_returned(
    account: CreditAccount, amount: int, *, returned_at: datetime
) -> Payment:
    """A payment received two days before `returned_at` that came back then."""
    payment = credit_account_payment_post(
        account=account,
        amount=amount,
        idempotency_key=f"test-payment:{uuid.uuid4()}",
        received_at=returned_at - timedelta(days=2),
    )
    return payment_return(
        payment=payment, reason="Insufficient funds", returned_at=returned_at
    )

"""A closed statement over a known ledger history, for the statement document tests.

The account's receivable gets one posting of each kind inside the period
(its first and last instants included), one just before and one just after
it; the Statement row carries figures that reconcile (its CHECK constraints
hold).
"""

import datetime
import itertools
from dataclasses import dataclass

from accounts.chart import (
    FEE_INCOME,
    INTEREST_INCOME,
    MERCHANT_SETTLEMENT,
    PAYMENTS_CLEARING,
    program_account,
)
from accounts.models import CreditAccount, Statement
from accounts.tests.billing_history import statement_mark
from ledger.models import JournalEntry
from ledger.services.entries import credit, debit, entry_post

PERIOD_START = datetime.date(2026, 1, 2)
PERIOD_END = datetime.date(2026, 2, 1)
_keys = itertools.count()


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def post(
    account: CreditAccount,
    *,
    kind: str,
    amount: int,
    effective_at: datetime.datetime,
    description: str = "",
) -> JournalEntry:
    """Post `amount` on the account's receivable, on the side its kind moves it."""
    currency = account.currency
    counterpart = {
        "purchase": MERCHANT_SETTLEMENT,
        "refund": MERCHANT_SETTLEMENT,
        "payment": PAYMENTS_CLEARING,
        "payment_return": PAYMENTS_CLEARING,
        "fee_late": FEE_INCOME,
        "interest": INTEREST_INCOME,
    }[kind]
    other = program_account(counterpart, currency)
    receivable = account.receivable
    adds_to_balance = kind in ("purchase", "payment_return", "fee_late", "interest")
    legs = (
        [debit(receivable, amount), credit(other, amount)]
        if adds_to_balance
        else [debit(other, amount), credit(receivable, amount)]
    )
    return entry_post(
        legs=legs,
        kind=kind,
        idempotency_key=f"statement-test:{next(_keys)}",
        effective_at=effective_at,
        description=description,
    )


@dataclass(frozen=True)
class History:
    purchase: JournalEntry
    refund: JournalEntry
    payment: JournalEntry
    foreign_purchase: JournalEntry
    late_fee: JournalEntry
    payment_return: JournalEntry
    interest: JournalEntry


def history_post(account: CreditAccount) -> History:
    """Post the period's history (and the postings either side of it)."""
    post(
        account, kind="purchase", amount=10_000, effective_at=at(2026, 1, 1, 23, 59, 59)
    )
    history = History(
        purchase=post(
            account,
            kind="purchase",
            amount=12_345,
            effective_at=at(2026, 1, 2),
            description="Corner Shop",
        ),
        refund=post(
            account,
            kind="refund",
            amount=2_345,
            effective_at=at(2026, 1, 10, 9, 30),
            description="Corner Shop",
        ),
        payment=post(
            account,
            kind="payment",
            amount=10_000,
            effective_at=at(2026, 1, 15, 12),
            description="Payment received",
        ),
        foreign_purchase=post(
            account,
            kind="purchase",
            amount=50_000,
            effective_at=at(2026, 1, 20, 18, 5),
            description="=Café Zürich 東京",
        ),
        late_fee=post(
            account,
            kind="fee_late",
            amount=2_500,
            effective_at=at(2026, 1, 25, 8),
            description="Late fee",
        ),
        payment_return=post(
            account,
            kind="payment_return",
            amount=1_000,
            effective_at=at(2026, 1, 28, 16),
        ),
        interest=post(
            account,
            kind="interest",
            amount=1_234,
            effective_at=datetime.datetime.combine(
                PERIOD_END, datetime.time.max, tzinfo=datetime.UTC
            ),
            description="Interest charged",
        ),
    )
    post(account, kind="purchase", amount=777, effective_at=at(2026, 2, 2))
    return history


# previous 10,000 + purchases 62,345 + fees 2,500 + interest 1,234
# - payments and credits (2,345 + 10,000 - 1,000 returned) 11,345 = 64,734
STATEMENT_FIGURES = {
    "period_start": PERIOD_START,
    "period_end": PERIOD_END,
    "days_in_cycle": 31,
    "previous_balance": 10_000,
    "purchases": 62_345,
    "payments": 11_345,
    "fees": 2_500,
    "interest": 1_234,
    "new_balance": 64_734,
    "credit_limit": 500_000,
    "available_credit": 435_266,
    "minimum_payment": 2_500,
    "past_due": 0,
    "due_date": datetime.date(2026, 2, 26),
    "apr_bps": 2_199,
    "average_daily_balance": 45_678,
    "is_grace_applied": False,
    "minimum_only_months": 87,
    "minimum_only_total": 98_765,
    "three_year_payment": 2_430,
    "three_year_total": 87_480,
}


def previous_statement_create(account: CreditAccount) -> Statement:
    """The statement before the period's, as closed on its last day: the
    100.00 it opens with (the posting before the period)."""
    before = datetime.datetime.combine(
        PERIOD_START, datetime.time.min, tzinfo=datetime.UTC
    )
    return statement_create(
        account,
        last_entry_id=JournalEntry.objects.filter(
            postings__account=account.receivable, effective_at__lt=before
        )
        .order_by("-pk")
        .values_list("pk", flat=True)[0],
        period_start=PERIOD_START - datetime.timedelta(days=31),
        period_end=PERIOD_START - datetime.timedelta(days=1),
        previous_balance=0,
        purchases=10_000,
        payments=0,
        fees=0,
        interest=0,
        new_balance=10_000,
        available_credit=490_000,
        due_date=PERIOD_START + datetime.timedelta(days=25),
        average_daily_balance=10_000,
        is_grace_applied=True,
        minimum_only_months=None,
        minimum_only_total=None,
        three_year_payment=None,
        three_year_total=None,
    )


def statement_create(account: CreditAccount, **changes: object) -> Statement:
    """Write the closed statement row (as the billing batch would)."""
    figures = {**STATEMENT_FIGURES, **changes}
    figures = {**statement_mark(account, figures["period_end"]), **figures}  # type: ignore[arg-type]
    return Statement.objects.create(
        account=account, currency=account.currency, **figures
    )

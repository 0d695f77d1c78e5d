"""Cycle close for many accounts: time and queries per account, early and late.

Opens N credit lines (default 10,000) on 2025-01-01 closing on the 28th.
Each month every account makes three purchases and pays the last statement
in full on the 20th. History is written in bulk SQL (entries, postings,
running totals, and for months 3-11 the statements and due-date
assessments the batch would have written), so the two measured runs are
the real billing batch:

- month 2 (as of 2025-02-28): one statement of history;
- month 12 (as of 2025-12-28): eleven months of statements and six times
  the postings.

Each run assesses the previous due date and closes one cycle per account.
Flat means the per-account time and query count do not grow with history.

    .venv/bin/python bench/close_statements.py [--accounts 10000]
"""

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from setup_django import report, setup

setup(fresh=True)

from django.db import connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

from accounts.chart import (  # noqa: E402
    MERCHANT_SETTLEMENT,
    PAYMENTS_CLEARING,
    program_account,
)
from accounts.models import CreditAccount, Statement  # noqa: E402
from accounts.services.billing import billing_batch_run  # noqa: E402
from accounts.services.credit_accounts import (  # noqa: E402
    cardholder_create,
    credit_account_open,
)
from ledger.statement_math import due_date_after  # noqa: E402
from ledger.verification import ledger_breaches  # noqa: E402

OPENED = date(2025, 1, 1)
CYCLE_DAY = 28
PURCHASE = 5_000
PURCHASES_PER_MONTH = 3
MONTHLY = PURCHASE * PURCHASES_PER_MONTH


def open_accounts(count: int) -> None:
    holder = cardholder_create(
        first_name="Bench",
        last_name="Billing",
        date_of_birth=date(1980, 1, 1),
        address_line1="1 Bench St",
        city="Testville",
        postal_code="00001",
        country="US",
        email="billing@example.test",
        phone="+1 555 0100",
    )
    for _ in tqdm(range(count), desc="open accounts", file=sys.stderr):
        credit_account_open(
            cardholder=holder,
            credit_limit=1_000_000,
            currency="USD",
            apr_bps=1_999,
            billing_cycle_day=CYCLE_DAY,
        )
    CreditAccount.objects.update(
        opened_at=datetime.combine(OPENED, datetime.min.time(), tzinfo=UTC)
    )


def bulk_entries(
    kind: str, when: datetime, amount: int, debit_receivable: bool
) -> None:
    """One entry per account of `kind`: receivable against a program account."""
    other = program_account(
        MERCHANT_SETTLEMENT if kind == "purchase" else PAYMENTS_CLEARING, "USD"
    )
    ref = f"bench:{kind}:{when.isoformat()}"
    receivable_side, other_side = ("D", "C") if debit_receivable else ("C", "D")
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO ledger_journalentry (public_id, kind, description, "
            "effective_at, external_ref, idempotency_key, is_forced, created_at) "
            "SELECT REPLACE(UUID(), '-', ''), %s, %s, %s, CONCAT(%s, ':', id), "
            "NULL, 0, NOW() FROM accounts_creditaccount",
            [kind, kind, when, ref],
        )
        c.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, side, amount, "
            "currency, effective_at) SELECT je.id, ca.receivable_id, %s, %s, 'USD', "
            "je.effective_at FROM accounts_creditaccount ca JOIN ledger_journalentry "
            "je ON je.external_ref = CONCAT(%s, ':', ca.id) "
            "UNION ALL SELECT je.id, %s, %s, %s, 'USD', je.effective_at "
            "FROM accounts_creditaccount ca JOIN ledger_journalentry je "
            "ON je.external_ref = CONCAT(%s, ':', ca.id)",
            [receivable_side, amount, ref, other.pk, other_side, amount, ref],
        )
        receivable_total = "debits_posted" if debit_receivable else "credits_posted"
        other_total = "credits_posted" if debit_receivable else "debits_posted"
        c.execute(
            f"UPDATE ledger_ledgerbalance b JOIN accounts_creditaccount ca "
            f"ON b.account_id = ca.receivable_id "
            f"SET b.{receivable_total} = b.{receivable_total} + %s",
            [amount],
        )
        c.execute(
            f"UPDATE ledger_ledgerbalance SET {other_total} = {other_total} + %s "
            f"WHERE account_id = %s AND shard = 0",
            [amount * CreditAccount.objects.count(), other.pk],
        )


def month_of_activity(year: int, month: int, *, pays: bool) -> None:
    for number in range(PURCHASES_PER_MONTH):
        when = datetime(year, month, 3 + 7 * number, 14, tzinfo=UTC)
        bulk_entries("purchase", when, PURCHASE, debit_receivable=True)
    if pays:
        bulk_entries(
            "payment", datetime(year, month, 20, 9, tzinfo=UTC), MONTHLY, False
        )


def bulk_statements(period_end: date) -> None:
    """The statement (paid in full, grace kept) and assessment the batch would write."""
    previous_end = (period_end.replace(day=1) - timedelta(days=1)).replace(
        day=CYCLE_DAY
    )
    start = previous_end + timedelta(days=1)
    due = due_date_after(period_end=period_end, cycle_day=CYCLE_DAY)
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO accounts_statement (public_id, account_id, currency, "
            "period_start, period_end, days_in_cycle, previous_balance, purchases, "
            "payments, fees, interest, new_balance, credit_limit, available_credit, "
            "minimum_payment, past_due, due_date, apr_bps, average_daily_balance, "
            "is_grace_applied, cutoff_at, last_entry_id, closed_at) "
            "SELECT REPLACE(UUID(), '-', ''), id, 'USD', "
            "%s, %s, %s, %s, %s, %s, 0, 0, %s, credit_limit, credit_limit - %s, "
            "2500, 0, %s, apr_bps, %s, 1, %s, "
            "(SELECT COALESCE(MAX(id), 0) FROM ledger_journalentry), NOW() "
            "FROM accounts_creditaccount",
            [
                start,
                period_end,
                (period_end - start).days + 1,
                MONTHLY,
                MONTHLY,
                MONTHLY,
                MONTHLY,
                MONTHLY,
                due,
                MONTHLY,
                datetime.combine(period_end + timedelta(days=1), dtime.min, tzinfo=UTC),
            ],
        )
        c.execute(
            "INSERT INTO accounts_duedateassessment (statement_id, paid_by_due_date, "
            "is_minimum_met, assessed_at) SELECT id, %s, 1, NOW() "
            "FROM accounts_statement WHERE period_end = %s",
            [MONTHLY, period_end],
        )


def timed_batch(as_of: date, accounts: int) -> dict[str, float]:
    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = billing_batch_run(as_of=as_of)
        elapsed = time.perf_counter() - started
    assert result.statements == accounts, result
    return {
        "seconds": round(elapsed, 1),
        "accounts_per_s": round(accounts / elapsed, 1),
        "ms_per_account": round(elapsed * 1000 / accounts, 2),
        "queries_per_account": round(queries / accounts, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10_000)
    count = parser.parse_args().accounts
    open_accounts(count)
    month_of_activity(2025, 1, pays=False)
    billing_batch_run(as_of=date(2025, 1, 28))  # the first statements
    month_of_activity(2025, 2, pays=True)
    early = timed_batch(date(2025, 2, 28), count)
    for month in range(3, 12):
        month_of_activity(2025, month, pays=True)
        bulk_statements(date(2025, month, CYCLE_DAY))
    month_of_activity(2025, 12, pays=True)
    late = timed_batch(date(2025, 12, 28), count)
    postings = connection.cursor()
    postings.execute("SELECT COUNT(*) FROM ledger_posting")
    report(
        "close_statements",
        {
            "accounts": count,
            "month_2": early,
            "month_12": late,
            "statements": Statement.objects.count(),
            "postings": postings.fetchone()[0],
            "ledger_breaches": len(list(ledger_breaches())),
        },
    )


if __name__ == "__main__":
    main()

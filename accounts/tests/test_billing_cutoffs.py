"""Every posting lands on exactly one statement (issue 15).

A cycle closes only after its last day has ended in the line's billing time
zone; `close_statements --as-of` refuses a day not yet over; a posting dated
into a closed cycle lands on the open one; a statement's new balance is the
ledger's posted balance at its cut-off, and `ledger_verify` proves it.

The account: opened 2026-01-01, cycles close on the 28th, 20 % APR.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.errors import BillingDayNotEnded
from accounts.models import CreditAccount, Statement
from accounts.services.billing import billing_batch_run, billing_run
from accounts.services.credit_accounts import credit_account_open
from accounts.statement_documents.lines import statement_lines
from accounts.tests.factories import (
    CardholderFactory,
    account_opened_on,
    purchase_post,
)
from accounts.tests.statement_data import post
from accounts.verification import statement_breaches
from issuer.kernel.errors import InvalidInput
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def utc(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def figures(statement: Statement) -> tuple[int, ...]:
    return (
        statement.previous_balance,
        statement.purchases,
        statement.payments,
        statement.fees,
        statement.interest,
        statement.new_balance,
    )


@pytest.fixture
def account() -> CreditAccount:
    account = account_opened_on(date(2026, 1, 1))
    purchase_post(account, 100_000, utc(1, 10))
    return account


def test_a_purchase_cleared_on_the_closing_day_after_the_hourly_run_is_billed(
    account,
):
    """The observed loss: the run at 00:30 on the closing day closed the
    cycle, and a purchase cleared that afternoon was on no statement."""
    billing_run(account=account, now=utc(1, 28, 0, 30))  # hourly run, closing day
    assert account.statements.count() == 0  # the 28th is still running

    purchase_post(account, 5_000, utc(1, 28, 15))  # cleared that afternoon
    billing_run(account=account, now=utc(1, 28, 23, 30))
    assert account.statements.count() == 0
    billing_run(account=account, now=utc(1, 29, 0, 30))  # the 28th has ended

    statement = account.statements.get()
    assert (statement.period_start, statement.period_end) == (
        date(2026, 1, 1),
        date(2026, 1, 28),
    )
    assert figures(statement) == (0, 105_000, 0, 0, 0, 105_000)
    assert statement.cutoff_at == utc(1, 29, 0)
    assert [line.amount for line in statement_lines(statement=statement)] == [
        100_000,
        5_000,
    ]
    assert list(ledger_breaches()) == []


def test_the_hourly_task_closes_nothing_on_the_closing_day(account):
    """`billing_batch_run(now=...)` is what `accounts.run_billing` calls."""
    assert billing_batch_run(now=utc(1, 28, 23, 59)).statements == 0
    assert billing_batch_run(now=utc(1, 29, 0, 0)).statements == 1
    assert account.statements.get().period_end == date(2026, 1, 28)


@pytest.mark.parametrize("days_ahead", [0, 1, 40])
def test_close_statements_refuses_a_day_that_has_not_ended(account, days_ahead):
    """Today (UTC, the line's zone) and any later day are refused, and
    nothing is written."""
    day = timezone.now().astimezone(UTC).date() + timedelta(days=days_ahead)

    with pytest.raises(CommandError) as refused:
        call_command("close_statements", "--as-of", day.isoformat())

    assert str(refused.value) == (
        f"--as-of: {day.isoformat()} has not ended yet in the billing time zone "
        "UTC: a cycle closes only after its last day has ended."
    )
    assert Statement.objects.count() == 0


def test_close_statements_as_of_a_day_that_ended_closes_its_cycle(account, capsys):
    call_command("close_statements", "--as-of", "2026-01-28")

    assert account.statements.get().period_end == date(2026, 1, 28)
    assert "statements closed: 1;" in capsys.readouterr().out


def test_billing_run_as_of_a_day_not_ended_is_refused_naming_the_field(account):
    with pytest.raises(BillingDayNotEnded) as refused:
        billing_run(account=account, as_of=date(2026, 1, 28), now=utc(1, 28, 23, 59))

    assert list(refused.value.fields) == ["as_of"]
    assert account.statements.count() == 0


def test_postings_dated_into_a_closed_cycle_land_on_the_next_statement(account):
    """Late clearing, a refund and a dispute credit effective before the
    first cut-off but posted after it: on the second statement, once."""
    billing_run(account=account, now=utc(1, 29, 1))
    first = account.statements.get()
    assert figures(first) == (0, 100_000, 0, 0, 0, 100_000)

    purchase_post(account, 7_000, utc(1, 27, 18), key="late-clear")
    late_refund = post(account, kind="refund", amount=2_000, effective_at=utc(1, 20))
    purchase_post(account, 3_000, utc(2, 10))
    billing_run(account=account, now=utc(3, 1, 1))

    second = account.statements.get(period_end=date(2026, 2, 28))
    # Daily balances from Jan 29 (the late ones count from there): 12 days at
    # 105,000, 16 at 108,000, 3 at 110,500 (the Feb 25 minimum went unpaid:
    # late fee 25.00 on the 26th) = 3,319,500; * 20 % / 365 = 1,818.9
    assert figures(second) == (100_000, 10_000, 2_000, 2_500, 1_819, 112_319)
    lines = statement_lines(statement=second)
    assert [(line.date, line.amount) for line in lines] == [
        (date(2026, 1, 20), -2_000),
        (date(2026, 1, 27), 7_000),
        (date(2026, 2, 10), 3_000),
        (date(2026, 2, 26), 2_500),
        (date(2026, 2, 28), 1_819),
    ]
    assert [line.amount for line in statement_lines(statement=first)] == [100_000]
    assert late_refund.pk > first.last_entry_id
    assert list(statement_breaches()) == []
    assert list(ledger_breaches()) == []


def test_a_late_posting_accrues_interest_from_the_open_cycles_first_day(account):
    """Interest never reaches back into a closed cycle: the late purchase
    counts from Jan 29, the open cycle's first day (31 days)."""
    billing_run(account=account, now=utc(1, 29, 1))
    purchase_post(account, 36_500, utc(1, 27), key="late")
    billing_run(account=account, now=utc(3, 1, 1))

    second = account.statements.get(period_end=date(2026, 2, 28))
    # No payment: grace lost, late fee 25.00 on Feb 26. 136,500 for 31 days
    # + 2,500 for 3 = 4,239,000; * 20 % / 365 = 2,322.7
    assert second.interest == 2_323
    assert second.new_balance == 136_500 + 2_500 + 2_323


def test_a_line_in_new_york_closes_at_midnight_new_york_time():
    account = account_opened_on(date(2026, 1, 1), billing_time_zone="America/New_York")
    purchase_post(account, 10_000, datetime(2026, 1, 28, 22, tzinfo=NEW_YORK))
    purchase_post(account, 20_000, datetime(2026, 1, 29, 0, 30, tzinfo=NEW_YORK))

    billing_run(account=account, now=utc(1, 29, 4, 59))  # 23:59 in New York
    assert account.statements.count() == 0
    with pytest.raises(BillingDayNotEnded):
        billing_run(account=account, as_of=date(2026, 1, 28), now=utc(1, 29, 4, 59))
    billing_run(account=account, now=utc(1, 29, 5, 0))  # midnight in New York

    statement = account.statements.get()
    assert statement.period_end == date(2026, 1, 28)
    assert statement.cutoff_at == utc(1, 29, 5)
    assert statement.purchases == 10_000  # 22:00 on the 28th (03:00 UTC the 29th)
    assert [line.date for line in statement_lines(statement=statement)] == [
        date(2026, 1, 28)
    ]
    assert list(statement_breaches()) == []


def test_close_statements_refuses_a_day_still_running_in_any_billed_zone(account):
    """Kiritimati (UTC+14) ends a day first; Honolulu (UTC-10) last."""
    account_opened_on(date(2026, 1, 1), billing_time_zone="Pacific/Honolulu")
    day = timezone.now().astimezone(ZoneInfo("Pacific/Honolulu")).date()

    with pytest.raises(CommandError, match="Pacific/Honolulu"):
        call_command("close_statements", "--as-of", day.isoformat())


def test_a_line_keeps_the_zone_it_was_opened_with(settings):
    settings.BILLING_TIME_ZONE = "Europe/Paris"
    default = credit_account_open(
        cardholder=CardholderFactory.create(),
        credit_limit=1_000,
        currency="USD",
        apr_bps=0,
        billing_cycle_day=1,
    )
    named = credit_account_open(
        cardholder=CardholderFactory.create(),
        credit_limit=1_000,
        currency="USD",
        apr_bps=0,
        billing_cycle_day=1,
        billing_time_zone="Asia/Tokyo",
    )

    assert (default.billing_time_zone, named.billing_time_zone) == (
        "Europe/Paris",
        "Asia/Tokyo",
    )


def test_an_unknown_billing_time_zone_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        credit_account_open(
            cardholder=CardholderFactory.create(),
            credit_limit=1_000,
            currency="USD",
            apr_bps=0,
            billing_cycle_day=1,
            billing_time_zone="Mars/Olympus_Mons",
        )

    assert list(refused.value.fields) == ["billing_time_zone"]
    assert CreditAccount.objects.count() == 0


def test_ledger_verify_fails_when_a_statement_is_not_the_ledger_at_its_cut_off(
    account,
):
    billing_run(account=account, now=utc(1, 29, 1))
    call_command("ledger_verify")
    # A posting the statement's mark claims but its figures miss (a poster
    # that skipped the account lock would leave exactly this).
    Statement.objects.update(last_entry_id=10**9)
    purchase_post(account, 4_000, utc(1, 15), key="under-the-mark")

    with pytest.raises(CommandError, match="1 ledger invariant breach"):
        call_command("ledger_verify")
    assert [breach.split(" says ")[1] for breach in statement_breaches()] == [
        "new balance 100000 but the ledger's posted balance at its cut-off is 104000"
    ]

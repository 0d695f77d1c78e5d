"""Disputes on statements, travelling in time: the provisional credit and its
reversal land in the cycles they are dated in, as payments and credits."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import Statement
from accounts.selectors import credit_account_balance
from accounts.services.billing import billing_batch_run
from accounts.tests.factories import account_opened_on
from cards.services.disputes import dispute_file, dispute_resolve, dispute_submit
from cards.tests.conftest import capture_posted_at
from issuer.kernel.errors import InvalidInput
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, tzinfo=UTC)


def test_a_lost_dispute_credits_one_cycle_and_reverses_in_the_next():
    account = account_opened_on(date(2026, 1, 1), cycle_day=28)
    capture = capture_posted_at(account, 40_000, _at(date(2026, 1, 5)))

    dispute = dispute_file(
        capture=capture,
        amount=15_000,
        reason="not_as_described",
        description="Broken on arrival.",
        now=_at(date(2026, 1, 10)),
    )
    billing_batch_run(as_of=date(2026, 1, 31))
    dispute_submit(dispute=dispute, now=_at(date(2026, 2, 2)))
    dispute_resolve(dispute=dispute, outcome="lost", now=_at(date(2026, 2, 20)))
    billing_batch_run(as_of=date(2026, 3, 1))

    january, february = Statement.objects.filter(account=account).order_by("period_end")
    assert (january.period_end, january.purchases, january.payments) == (
        date(2026, 1, 28),
        40_000,
        15_000,
    )
    assert january.new_balance == 25_000
    assert (february.period_end, february.purchases, february.payments) == (
        date(2026, 2, 28),
        0,
        -15_000,
    )
    assert february.new_balance == 25_000 + 15_000 + february.interest + (february.fees)
    assert credit_account_balance(account=account).posted_balance == (
        february.new_balance
    )
    assert list(ledger_breaches()) == []


def test_the_window_runs_from_the_day_the_transaction_cleared(settings):
    settings.DISPUTE_FILING_DAYS = 60
    account = account_opened_on(date(2026, 1, 1))
    capture = capture_posted_at(account, 5_000, _at(date(2026, 1, 5)))

    with pytest.raises(InvalidInput):
        dispute_file(
            capture=capture,
            amount=5_000,
            reason="duplicate",
            description="Twice.",
            now=_at(date(2026, 3, 7)),
        )
    filed = dispute_file(
        capture=capture,
        amount=5_000,
        reason="duplicate",
        description="Twice.",
        now=_at(date(2026, 3, 6)),
    )

    assert filed.decision_due_at == _at(date(2026, 3, 6)) + timedelta(days=90)

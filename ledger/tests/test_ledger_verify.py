"""ledger_verify passes on a sound ledger and catches every kind of corrupted row.

Rows are corrupted around the ORM's services with `.update()`.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from ledger.models import JournalEntry, LedgerBalance, LedgerHold, Posting
from ledger.services.entries import credit, debit, entry_post
from ledger.services.holds import hold_create, hold_post


@pytest.fixture
def activity(receivable, settlement, later):
    entry_post(
        legs=[debit(receivable, 1_000), credit(settlement, 1_000)],
        kind="purchase",
        idempotency_key="a1",
    )
    hold = hold_create(
        debit_account=receivable,
        credit_account=settlement,
        amount=3_000,
        idempotency_key="h1",
        expires_at=later,
    )
    hold_post(hold=hold, amount=1_000, idempotency_key="hp1", kind="purchase")
    return hold


def _verify(capsys) -> tuple[bool, str]:
    try:
        call_command("ledger_verify")
    except CommandError:
        return False, capsys.readouterr().out
    return True, capsys.readouterr().out


def test_a_sound_ledger_verifies_ok(activity, capsys):
    ok, out = _verify(capsys)

    assert ok
    assert out.startswith("OK ")
    assert "4 postings" in out


def test_an_unbalanced_posting_is_caught(activity, capsys):
    Posting.objects.filter(pk=Posting.objects.order_by("pk").first().pk).update(
        amount=F("amount") + 1
    )

    ok, out = _verify(capsys)

    assert not ok
    assert "does not balance" in out
    assert "postings sum to" in out


def test_a_drifted_running_total_is_caught(activity, receivable, capsys):
    LedgerBalance.objects.filter(account=receivable).update(
        credits_posted=F("credits_posted") + 5
    )

    ok, out = _verify(capsys)

    assert not ok
    assert f"account {receivable.pk} credits_posted is 5" in out


def test_a_drifted_pending_total_is_caught(activity, settlement, capsys):
    LedgerBalance.objects.filter(account=settlement).update(
        credits_pending=F("credits_pending") + 1
    )

    ok, out = _verify(capsys)

    assert not ok
    assert "pending (debits, credits)" in out


def test_a_breached_bound_is_caught(activity, receivable, capsys):
    type(receivable).objects.filter(pk=receivable.pk).update(debit_limit=100)

    ok, out = _verify(capsys)

    assert not ok
    assert "beyond its limit 100" in out


def test_an_inconsistent_hold_is_caught(activity, capsys):
    LedgerHold.objects.filter(pk=activity.pk).update(posted_amount=999)

    ok, out = _verify(capsys)

    assert not ok
    assert "says 999 posted" in out


def test_an_entry_with_one_posting_is_caught(activity, capsys):
    entry = JournalEntry.objects.order_by("pk").first()
    Posting.objects.filter(pk=entry.postings.order_by("pk").first().pk).delete()

    ok, out = _verify(capsys)

    assert not ok
    assert "has 1 posting(s)" in out


@pytest.fixture
def unsettled(receivable, settlement, later):
    """1,000 spent, then a 600 credit posted that settles later."""
    entry_post(
        legs=[debit(receivable, 1_000), credit(settlement, 1_000)],
        kind="purchase",
        idempotency_key="u-buy",
    )
    return entry_post(
        legs=[debit(settlement, 600), credit(receivable, 600)],
        kind="payment",
        idempotency_key="u-pay",
        settles_at=later,
    )


def test_an_unsettled_credit_verifies_ok_and_settles_once(
    unsettled, receivable, capsys
):
    from ledger.models import UnsettledCredit
    from ledger.services.credits import unsettled_credit_settle

    ok_before, _ = _verify(capsys)
    unsettled_credit_settle(entry=unsettled)
    unsettled_credit_settle(entry=unsettled)
    ok_after, _ = _verify(capsys)

    assert ok_before and ok_after
    assert UnsettledCredit.objects.get().status == "settled"
    assert LedgerBalance.objects.get(account=receivable).credits_unsettled == 0


def test_a_tampered_unsettled_total_is_caught(unsettled, receivable, capsys):
    LedgerBalance.objects.filter(account=receivable).update(credits_unsettled=0)

    ok, out = _verify(capsys)

    assert not ok
    assert "credits_unsettled is 0 but its unsettled credits sum to 600" in out


def test_spending_an_unsettled_credit_around_the_guard_is_caught(
    unsettled, receivable, capsys
):
    """The receivable's limit is 10,000 with 1,000 spent and 600 unsettled:
    9,001 more debits, posted around the guard, pass the bound by 1 (counting
    the unsettled 600 as spendable would hide it)."""
    LedgerBalance.objects.filter(account=receivable).update(
        debits_posted=F("debits_posted") + 9_001
    )
    Posting.objects.filter(
        account=receivable, side="D", entry__idempotency_key="u-buy"
    ).update(amount=F("amount") + 9_001)

    ok, out = _verify(capsys)

    assert not ok
    assert "beyond its limit" in out

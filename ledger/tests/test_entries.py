"""Posting balanced entries and reversing them."""

import pytest

from ledger.errors import (
    AlreadyReversed,
    BoundExceeded,
    IdempotencyMismatch,
    MixedCurrency,
    UnbalancedEntry,
)
from ledger.models import JournalEntry, LedgerAccount, Posting
from ledger.selectors import account_totals
from ledger.services.accounts import ledger_account_create
from ledger.services.entries import credit, debit, entry_post, entry_reverse
from ledger.verification import ledger_breaches


def test_a_balanced_entry_moves_running_totals(receivable, settlement):
    entry = entry_post(
        legs=[debit(receivable, 2_500), credit(settlement, 2_500)],
        kind="purchase",
        idempotency_key="e-1",
    )

    assert entry.postings.count() == 2
    assert account_totals(account=receivable).debits_posted == 2_500
    assert account_totals(account=settlement).credits_posted == 2_500
    assert account_totals(account=settlement).posted_balance("C") == 2_500
    assert list(ledger_breaches()) == []


def test_an_unbalanced_entry_is_refused_and_changes_nothing(receivable, settlement):
    with pytest.raises(UnbalancedEntry) as error:
        entry_post(
            legs=[debit(receivable, 2_500), credit(settlement, 2_400)],
            kind="purchase",
            idempotency_key="e-2",
        )

    assert "postings" in error.value.fields
    assert JournalEntry.objects.count() == 0
    assert account_totals(account=receivable).debits_posted == 0


def test_a_single_leg_entry_is_refused(receivable):
    with pytest.raises(UnbalancedEntry, match="two or more"):
        entry_post(legs=[debit(receivable, 1)], kind="x", idempotency_key="e-3")


def test_mixed_currencies_are_refused(receivable):
    euros = ledger_account_create(
        code="test:eur", name="EUR", type=LedgerAccount.Type.LIABILITY, currency="EUR"
    )

    with pytest.raises(MixedCurrency):
        entry_post(
            legs=[debit(receivable, 100), credit(euros, 100)],
            kind="fx",
            idempotency_key="e-4",
        )
    assert Posting.objects.count() == 0


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "10"])
def test_amounts_must_be_positive_integers(receivable, settlement, amount):
    with pytest.raises(UnbalancedEntry.__mro__[1]) as error:
        entry_post(
            legs=[debit(receivable, amount), credit(settlement, amount)],
            kind="purchase",
            idempotency_key="e-5",
        )

    assert "postings[0].amount" in error.value.fields
    assert JournalEntry.objects.count() == 0


def test_the_same_key_posts_once(receivable, settlement):
    legs = [debit(receivable, 700), credit(settlement, 700)]

    first = entry_post(legs=legs, kind="purchase", idempotency_key="once")
    second = entry_post(legs=legs, kind="purchase", idempotency_key="once")

    assert first.pk == second.pk
    assert account_totals(account=receivable).debits_posted == 700


def test_the_same_key_for_another_entry_is_a_conflict(receivable, settlement):
    entry_post(
        legs=[debit(receivable, 700), credit(settlement, 700)],
        kind="purchase",
        idempotency_key="k",
    )

    with pytest.raises(IdempotencyMismatch):
        entry_post(
            legs=[debit(receivable, 701), credit(settlement, 701)],
            kind="purchase",
            idempotency_key="k",
        )
    assert account_totals(account=receivable).debits_posted == 700


def test_a_bounded_account_refuses_a_debit_beyond_its_limit(receivable, settlement):
    with pytest.raises(BoundExceeded):
        entry_post(
            legs=[debit(receivable, 10_001), credit(settlement, 10_001)],
            kind="purchase",
            idempotency_key="too-much",
        )

    assert JournalEntry.objects.count() == 0
    assert account_totals(account=receivable).debits_posted == 0


def test_a_forced_entry_passes_the_bound_and_is_recorded_as_forced(
    receivable, settlement
):
    entry = entry_post(
        legs=[debit(receivable, 12_000), credit(settlement, 12_000)],
        kind="purchase",
        idempotency_key="forced",
        forced=True,
    )

    assert entry.is_forced is True
    assert account_totals(account=receivable).debits_posted == 12_000
    assert list(ledger_breaches()) == []


def test_reversal_mirrors_the_entry_once(receivable, settlement):
    entry = entry_post(
        legs=[debit(receivable, 900), credit(settlement, 900)],
        kind="purchase",
        idempotency_key="to-reverse",
    )

    reversal = entry_reverse(entry=entry, idempotency_key="rev-1")
    again = entry_reverse(entry=entry, idempotency_key="rev-1")

    assert reversal.pk == again.pk
    assert reversal.reverses_id == entry.pk
    totals = account_totals(account=receivable)
    assert (totals.debits_posted, totals.credits_posted) == (900, 900)
    with pytest.raises(AlreadyReversed):
        entry_reverse(entry=entry, idempotency_key="rev-2")
    assert list(ledger_breaches()) == []

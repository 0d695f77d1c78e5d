"""The two-phase hold lifecycle: create, post, void, expire."""

import pytest
from django.db import IntegrityError

from issuer.kernel.errors import InvalidInput
from ledger.errors import BoundExceeded, HoldNotPending
from ledger.models import HoldRelease, LedgerHold
from ledger.selectors import account_totals
from ledger.services.holds import hold_create, hold_expire, hold_post, hold_void
from ledger.verification import ledger_breaches


@pytest.fixture
def hold(receivable, settlement, later) -> LedgerHold:
    return hold_create(
        debit_account=receivable,
        credit_account=settlement,
        amount=5_000,
        idempotency_key="hold-1",
        expires_at=later,
    )


def _pending(account):
    totals = account_totals(account=account)
    return totals.debits_pending, totals.credits_pending


def test_a_hold_reserves_on_both_sides(hold, receivable, settlement):
    assert hold.status == LedgerHold.Status.PENDING
    assert _pending(receivable) == (5_000, 0)
    assert _pending(settlement) == (0, 5_000)
    assert list(ledger_breaches()) == []


def test_creating_a_hold_is_idempotent(hold, receivable, settlement, later):
    again = hold_create(
        debit_account=receivable,
        credit_account=settlement,
        amount=5_000,
        idempotency_key="hold-1",
        expires_at=later,
    )

    assert again.pk == hold.pk
    assert _pending(receivable) == (5_000, 0)


def test_a_key_the_caller_calls_new_skips_the_look_up_but_never_holds_twice(
    hold, receivable, settlement, later, django_assert_num_queries
):
    """`key_is_new` is for keys minted for the call; reusing one is refused
    by the unique key, and nothing of the second hold stays."""
    with pytest.raises(IntegrityError), django_assert_num_queries(5):
        # savepoint, the two running totals, the refused insert, rollback
        hold_create(
            debit_account=receivable,
            credit_account=settlement,
            amount=5_000,
            idempotency_key="hold-1",
            expires_at=later,
            key_is_new=True,
        )

    assert LedgerHold.objects.count() == 1
    assert _pending(receivable) == (5_000, 0)
    assert _pending(settlement) == (0, 5_000)


def test_a_hold_beyond_the_bound_is_refused(receivable, settlement, later):
    with pytest.raises(BoundExceeded):
        hold_create(
            debit_account=receivable,
            credit_account=settlement,
            amount=10_001,
            idempotency_key="big",
            expires_at=later,
        )

    assert LedgerHold.objects.count() == 0
    assert _pending(receivable) == (0, 0)


def test_posting_in_full_closes_the_hold(hold, receivable, settlement):
    hold_post(hold=hold, idempotency_key="post-1", kind="purchase")

    hold.refresh_from_db()
    assert hold.status == LedgerHold.Status.POSTED
    assert (hold.pending_amount, hold.posted_amount) == (0, 5_000)
    assert _pending(receivable) == (0, 0)
    assert account_totals(account=receivable).debits_posted == 5_000
    assert account_totals(account=settlement).credits_posted == 5_000
    assert list(ledger_breaches()) == []


def test_partial_and_repeated_postings(hold, receivable):
    hold_post(hold=hold, amount=2_000, idempotency_key="p1", kind="purchase")
    hold_post(hold=hold, amount=1_000, idempotency_key="p2", kind="purchase")

    hold.refresh_from_db()
    assert hold.status == LedgerHold.Status.PENDING
    assert (hold.pending_amount, hold.posted_amount) == (2_000, 3_000)
    assert _pending(receivable) == (2_000, 0)
    assert list(ledger_breaches()) == []


def test_a_final_partial_posting_releases_the_rest(hold, receivable):
    hold_post(hold=hold, amount=2_000, idempotency_key="p1", kind="x", final=True)

    hold.refresh_from_db()
    assert hold.status == LedgerHold.Status.POSTED
    assert _pending(receivable) == (0, 0)
    assert HoldRelease.objects.get().amount == 3_000
    assert list(ledger_breaches()) == []


def test_posting_above_the_hold_checks_the_bound_unless_forced(hold, receivable):
    with pytest.raises(BoundExceeded):
        hold_post(hold=hold, amount=15_001, idempotency_key="over", kind="x")
    hold.refresh_from_db()
    assert hold.posted_amount == 0

    entry = hold_post(
        hold=hold, amount=15_001, idempotency_key="over-forced", kind="x", forced=True
    )

    assert entry.is_forced is True
    assert account_totals(account=receivable).debits_posted == 15_001
    assert list(ledger_breaches()) == []


def test_an_over_capture_within_the_limit_needs_no_force(hold, receivable):
    entry = hold_post(hold=hold, amount=6_000, idempotency_key="tip", kind="x")

    assert entry.is_forced is False
    assert account_totals(account=receivable).debits_posted == 6_000
    assert list(ledger_breaches()) == []


def test_posting_is_idempotent(hold, receivable):
    first = hold_post(hold=hold, amount=1_000, idempotency_key="same", kind="x")
    second = hold_post(hold=hold, amount=1_000, idempotency_key="same", kind="x")

    assert first.pk == second.pk
    assert account_totals(account=receivable).debits_posted == 1_000


def test_partial_void_then_full_void(hold, receivable):
    hold_void(hold=hold, amount=1_500, idempotency_key="v1")
    assert _pending(receivable) == (3_500, 0)

    hold_void(hold=hold, idempotency_key="v2")

    hold.refresh_from_db()
    assert hold.status == LedgerHold.Status.VOIDED
    assert _pending(receivable) == (0, 0)
    assert list(ledger_breaches()) == []


def test_voiding_more_than_is_held_names_the_amount(hold, receivable):
    with pytest.raises(InvalidInput) as error:
        hold_void(hold=hold, amount=5_001, idempotency_key="v")

    assert "amount" in error.value.fields
    assert _pending(receivable) == (5_000, 0)


def test_expiry_releases_everything_and_ends_the_hold(hold, receivable):
    hold_post(hold=hold, amount=1_000, idempotency_key="p", kind="x")

    hold_expire(hold=hold, idempotency_key="exp")

    hold.refresh_from_db()
    assert hold.status == LedgerHold.Status.EXPIRED
    assert _pending(receivable) == (0, 0)
    with pytest.raises(HoldNotPending):
        hold_post(hold=hold, amount=10, idempotency_key="late", kind="x")
    with pytest.raises(HoldNotPending):
        hold_void(hold=hold, idempotency_key="late-void")
    assert list(ledger_breaches()) == []

"""Unsettled credits: posted at once, spendable once they settle.

A credit posted with `settles_at` (see `entry_post`) counts in the bounded
account's `credits_unsettled` until it settles or is withdrawn, so it never
raises what the account may spend before the money is final.
"""

from datetime import datetime

from django.utils import timezone

from issuer.kernel.db import atomic_with_retry
from ledger.models import JournalEntry, UnsettledCredit
from ledger.totals import TotalsChange, apply_totals


def _close(
    *, entry: JournalEntry, status: str, closed_at: datetime | None
) -> UnsettledCredit | None:
    credit = (
        UnsettledCredit.objects.select_for_update()
        .select_related("account")
        .filter(entry=entry)
        .first()
    )
    if credit is None or credit.status != UnsettledCredit.Status.UNSETTLED:
        return credit
    totals = TotalsChange()
    totals.add(credit.account, "credits_unsettled", -credit.amount, shard=credit.shard)
    apply_totals(totals)
    credit.status = status
    credit.closed_at = closed_at or timezone.now()
    credit.save(update_fields=["status", "closed_at"])
    return credit


@atomic_with_retry
def unsettled_credit_settle(
    *, entry: JournalEntry, settled_at: datetime | None = None
) -> UnsettledCredit | None:
    """Make an entry's unsettled credit spendable; a no-op once closed."""
    return _close(
        entry=entry, status=UnsettledCredit.Status.SETTLED, closed_at=settled_at
    )


@atomic_with_retry
def unsettled_credit_withdraw(
    *, entry: JournalEntry, withdrawn_at: datetime | None = None
) -> UnsettledCredit | None:
    """The credit came back before it settled: it never became spendable.

    The caller posts the reversing entry in the same transaction; a no-op
    once closed.
    """
    return _close(
        entry=entry, status=UnsettledCredit.Status.WITHDRAWN, closed_at=withdrawn_at
    )

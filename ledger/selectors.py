"""Ledger reads. Balances come from running totals: O(shards), never O(history)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection

from ledger.models import LedgerAccount, LedgerBalance, Posting, Side


@dataclass(frozen=True)
class Totals:
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0
    credits_unsettled: int = 0

    def posted_balance(self, normal_side: str) -> int:
        """The posted balance on the account's normal side (positive = normal)."""
        if normal_side == Side.DEBIT:
            return self.debits_posted - self.credits_posted
        return self.credits_posted - self.debits_posted

    def pending_balance(self, normal_side: str) -> int:
        if normal_side == Side.DEBIT:
            return self.debits_pending - self.credits_pending
        return self.credits_pending - self.debits_pending


_TOTALS_SQL = (
    "SELECT COALESCE(SUM(debits_posted), 0), COALESCE(SUM(credits_posted), 0), "
    "COALESCE(SUM(debits_pending), 0), COALESCE(SUM(credits_pending), 0), "
    "COALESCE(SUM(credits_unsettled), 0) "
    f"FROM {LedgerBalance._meta.db_table} WHERE account_id = %s"
)


def account_totals(*, account: LedgerAccount | int) -> Totals:
    """Running totals of an account, summed over its shards (one statement).

    Hand-written: it runs on every authorization and the ORM's aggregate
    compilation costs more than the query.
    """
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS_SQL, [account_id])
        row = cursor.fetchone()
    return Totals(*(int(value) for value in row))


@dataclass(frozen=True)
class Movement:
    """One posting on an account, as statements need it."""

    effective_at: datetime
    kind: str
    side: str
    amount: int

    @property
    def day(self) -> date:
        return self.effective_at.astimezone(UTC).date()

    @property
    def debit(self) -> int:
        """Signed for a debit-normal account: debits add, credits subtract."""
        return self.amount if self.side == Side.DEBIT else -self.amount


def account_movements(
    *, account: LedgerAccount | int, start: datetime, end: datetime
) -> list[Movement]:
    """The account's postings effective in [start, end), oldest first.

    One index range scan on (account, effective_at): as cheap with ten
    years of history as with one month.
    """
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    rows = (
        Posting.objects.filter(
            account_id=account_id, effective_at__gte=start, effective_at__lt=end
        )
        .order_by("effective_at", "pk")
        .values_list("effective_at", "entry__kind", "side", "amount")
    )
    return [Movement(*row) for row in rows]

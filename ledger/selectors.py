"""Ledger reads. Balances come from running totals: O(shards), never O(history)."""

from dataclasses import dataclass

from django.db import connection

from ledger.models import LedgerAccount, LedgerBalance, Side


@dataclass(frozen=True)
class Totals:
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

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
    "COALESCE(SUM(debits_pending), 0), COALESCE(SUM(credits_pending), 0) "
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

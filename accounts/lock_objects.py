"""Row locks for accounts, taken first in any money-moving transaction.

Order: credit account, then hold rows, then ledger balance rows (by pk).
"""

from dataclasses import dataclass

from django.db import connection

from accounts.models import CreditAccount


def credit_account_lock(*, account_id: int) -> CreditAccount:
    """Lock one credit account row (SELECT … FOR UPDATE) with its receivable."""
    return (
        CreditAccount.objects.select_related("receivable")
        .select_for_update()
        .get(pk=account_id)
    )


@dataclass(frozen=True)
class LockedCredit:
    """A credit account locked for a decision, with its balances read under
    the same lock."""

    status: str
    credit_limit: int
    currency: str
    receivable_limit: int
    posted_balance: int
    pending: int
    pending_credits: int = 0

    @property
    def available(self) -> int:
        """Unsettled credits (payments in their return window) are not
        spendable yet."""
        owed = self.posted_balance + self.pending
        return self.credit_limit - owed - self.pending_credits


_LOCK_WITH_BALANCE_SQL = (
    "SELECT ca.status, ca.credit_limit, ca.currency, la.debit_limit, "
    "b.debits_posted - b.credits_posted, b.debits_pending - b.credits_pending, "
    "b.credits_unsettled "
    "FROM accounts_creditaccount ca "
    "JOIN ledger_ledgeraccount la ON la.id = ca.receivable_id "
    "JOIN ledger_ledgerbalance b ON b.account_id = ca.receivable_id AND b.shard = 0 "
    "WHERE ca.id = %s FOR UPDATE"
)


def credit_account_lock_with_balance(*, account_id: int) -> LockedCredit:
    """Lock the account (and its receivable's one balance row) and read both in
    one statement: the authorization hot path's decision read."""
    with connection.cursor() as cursor:
        cursor.execute(
            _LOCK_WITH_BALANCE_SQL
            if connection.features.has_select_for_update
            else _LOCK_WITH_BALANCE_SQL.removesuffix(" FOR UPDATE"),
            [account_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise CreditAccount.DoesNotExist(f"No credit account {account_id}.")
    status, limit, currency, receivable_limit, posted, pending, unsettled = row
    return LockedCredit(
        status=status,
        credit_limit=int(limit),
        currency=currency,
        receivable_limit=int(receivable_limit),
        posted_balance=int(posted),
        pending=int(pending),
        pending_credits=int(unsettled),
    )

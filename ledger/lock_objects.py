"""Row locks for the ledger, always taken in primary-key order.

MySQL/MariaDB lock every row a `SELECT … FOR UPDATE` reads, joined rows
included (there is no `OF`), so locks select one table only and related
rows are loaded apart, unlocked.
"""

from collections.abc import Iterable

from ledger.models import LedgerAccount, LedgerHold


def hold_lock(*, hold_ids: Iterable[int]) -> list[LedgerHold]:
    """Lock holds (in pk order) and attach their accounts without locking them."""
    holds = list(
        LedgerHold.objects.filter(pk__in=list(hold_ids))
        .order_by("pk")
        .select_for_update()
    )
    account_ids = {h.debit_account_id for h in holds} | {
        h.credit_account_id for h in holds
    }
    accounts = LedgerAccount.objects.in_bulk(account_ids)
    for hold in holds:
        hold.debit_account = accounts[hold.debit_account_id]
        hold.credit_account = accounts[hold.credit_account_id]
    return holds

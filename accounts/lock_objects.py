"""Row locks for accounts, taken first in any money-moving transaction.

Order: credit account, then hold rows, then ledger balance rows (by pk).
"""

from accounts.models import CreditAccount


def credit_account_lock(*, account_id: int) -> CreditAccount:
    """Lock one credit account row (SELECT … FOR UPDATE) with its receivable."""
    return (
        CreditAccount.objects.select_related("receivable")
        .select_for_update()
        .get(pk=account_id)
    )

"""Ledger reads. Balances come from running totals: O(shards), never O(history)."""

from dataclasses import dataclass

from django.db.models import Sum

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


def account_totals(*, account: LedgerAccount | int) -> Totals:
    """Running totals of an account, summed over its shards."""
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    sums = LedgerBalance.objects.filter(account_id=account_id).aggregate(
        debits_posted=Sum("debits_posted"),
        credits_posted=Sum("credits_posted"),
        debits_pending=Sum("debits_pending"),
        credits_pending=Sum("credits_pending"),
    )
    return Totals(**{name: value or 0 for name, value in sums.items()})


def account_by_code(*, code: str) -> LedgerAccount:
    return LedgerAccount.objects.get(code=code)

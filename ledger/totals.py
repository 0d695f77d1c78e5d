"""Apply changes to running totals, one UPDATE per touched balance row.

Rows are updated in (account, shard) order so concurrent writers take row
locks in one global order and cannot deadlock on each other. A bounded
account's debit increase is a conditional UPDATE: it changes nothing (and
the caller's transaction is rolled back) when it would pass the bound.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F

from ledger.errors import BoundExceeded
from ledger.models import LedgerAccount, LedgerBalance

TOTAL_FIELDS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")


@dataclass
class TotalsChange:
    """Signed changes to running totals, keyed by (account, shard)."""

    accounts: dict[int, LedgerAccount] = field(default_factory=dict)
    deltas: dict[tuple[int, int], dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(TOTAL_FIELDS, 0))
    )

    def add(
        self, account: LedgerAccount, total: str, amount: int, shard: int | None = None
    ) -> int:
        """Add `amount` to `total` of `account`; return the shard used."""
        if shard is None:
            shard = pick_shard(account)
        self.accounts[account.pk] = account
        self.deltas[(account.pk, shard)][total] += amount
        return shard


def pick_shard(account: LedgerAccount) -> int:
    """Spread a hot account's writers over its shards."""
    if account.shard_count == 1:
        return 0
    return random.randrange(account.shard_count)


def apply_totals(change: TotalsChange, *, enforce_bounds: bool = True) -> None:
    for (account_id, shard), delta in sorted(change.deltas.items()):
        account = change.accounts[account_id]
        updates = {name: F(name) + value for name, value in delta.items() if value}
        if not updates:
            continue
        rows = LedgerBalance.objects.filter(account_id=account_id, shard=shard)
        debit_increase = delta["debits_posted"] + delta["debits_pending"]
        guarded = (
            enforce_bounds
            and account.debits_must_not_exceed_credits
            and debit_increase > 0
        )
        if guarded:
            # debits_posted + debits_pending (after) <= credits_posted (after) + limit
            rows = rows.filter(
                debits_pending__lte=F("credits_posted")
                - F("debits_posted")
                + (
                    account.debit_limit
                    + delta["credits_posted"]
                    - delta["debits_posted"]
                    - delta["debits_pending"]
                )
            )
        if rows.update(**updates) == 1:
            continue
        if guarded:
            raise BoundExceeded(
                f"Ledger account {account.code} would exceed its limit.",
                fields={"amount": ["Exceeds the available balance."]},
            )
        raise LedgerBalance.DoesNotExist(f"No balance row {account_id}#{shard}.")

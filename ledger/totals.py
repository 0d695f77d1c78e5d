"""Apply changes to running totals, one UPDATE per touched balance row.

Rows are updated in (account, shard) order so concurrent writers take row
locks in one global order and cannot deadlock on each other. A bounded
account's debit increase is a conditional UPDATE (unsettled credits do not
count towards what may be spent): it changes nothing (and
the caller's transaction is rolled back) when it would pass the bound.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from ledger.errors import BoundExceeded
from ledger.models import LedgerAccount, LedgerBalance

TOTAL_FIELDS = (
    "debits_posted",
    "credits_posted",
    "debits_pending",
    "credits_pending",
    "credits_unsettled",
)


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
    """Write the staged changes: one parameterised UPDATE per balance row.

    Hand-written SQL: this is the hottest statement in the system and the
    ORM's per-query compilation costs more than the database round trip.
    """
    table = connection.ops.quote_name(LedgerBalance._meta.db_table)
    with connection.cursor() as cursor:
        for (account_id, shard), delta in sorted(change.deltas.items()):
            account = change.accounts[account_id]
            changed = [name for name in TOTAL_FIELDS if delta[name]]
            if not changed:
                continue
            assignments = ", ".join(f"{name} = {name} + %s" for name in changed)
            params: list[int] = [delta[name] for name in changed]
            # Table and column names are constants; values are parameters.
            sql = (
                f"UPDATE {table} SET {assignments} WHERE account_id = %s AND shard = %s"
            )
            params += [account_id, shard]
            debit_increase = delta["debits_posted"] + delta["debits_pending"]
            guarded = (
                enforce_bounds
                and account.debits_must_not_exceed_credits
                and debit_increase > 0
            )
            if guarded:
                # After the update: debits posted + pending
                # <= credits posted - credits unsettled + limit.
                sql += (
                    " AND debits_posted + debits_pending + %s"
                    " <= credits_posted - credits_unsettled + %s + %s"
                )
                spendable_credit = delta["credits_posted"] - delta["credits_unsettled"]
                params += [debit_increase, spendable_credit, account.debit_limit]
            cursor.execute(sql, params)
            if cursor.rowcount == 1:
                continue
            if guarded:
                raise BoundExceeded(
                    f"Ledger account {account.code} would exceed its limit.",
                    fields={"amount": ["Exceeds the available balance."]},
                )
            raise LedgerBalance.DoesNotExist(f"No balance row {account_id}#{shard}.")

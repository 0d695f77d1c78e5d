"""Grow ledger history fast, in SQL, keeping running totals true."""

import time

from django.db import connection

from accounts.chart import MERCHANT_SETTLEMENT, program_account
from accounts.models import CreditAccount


def grow_history(account: CreditAccount, postings: int) -> None:
    """Add `postings` historical postings to the account's receivable, in SQL."""
    settlement = program_account(MERCHANT_SETTLEMENT, "USD")
    entries = postings // 2
    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_journalentry")
        base = c.fetchone()[0]
        c.execute(
            "INSERT INTO ledger_journalentry (id, public_id, kind, description, "
            "effective_at, external_ref, idempotency_key, is_forced, created_at) "
            f"SELECT {base} + seq, REPLACE(UUID(), '-', ''), 'history', '', NOW(), "
            f"'', NULL, 0, NOW() FROM seq_1_to_{entries}"
        )
        c.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, side, amount, currency, "
            "effective_at) "
            f"SELECT {base} + seq, IF(MOD(seq, 2), %s, %s), 'D', 1, 'USD', NOW() "
            f"FROM seq_1_to_{entries} UNION ALL "
            f"SELECT {base} + seq, IF(MOD(seq, 2), %s, %s), 'C', 1, 'USD', NOW() "
            f"FROM seq_1_to_{entries}",
            [
                account.receivable_id,
                settlement.pk,
                settlement.pk,
                account.receivable_id,
            ],
        )
        # Keep the running totals true to the history just written.
        c.execute(
            "UPDATE ledger_ledgerbalance SET debits_posted = debits_posted + %s, "
            "credits_posted = credits_posted + %s WHERE account_id = %s",
            [(entries + 1) // 2, entries // 2, account.receivable_id],
        )
        c.execute(
            "UPDATE ledger_ledgerbalance SET debits_posted = debits_posted + %s, "
            "credits_posted = credits_posted + %s WHERE account_id = %s AND shard = 0",
            [entries // 2, (entries + 1) // 2, settlement.pk],
        )


def settle(*, max_seconds: float = 180, dirty_pages: int = 1_000) -> dict[str, float]:
    """Wait until InnoDB has written most pages a bulk insert left dirty.

    Right after a million-row insert the server flushes pages in the
    background for minutes (a small buffer pool, modest I/O capacity), and
    every commit then waits longer: that is the insert's cost, not the
    ledger's size. Returns how long it waited and the dirty pages left.
    """
    started = time.monotonic()
    while True:
        with connection.cursor() as c:
            c.execute("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")
            dirty = int(c.fetchone()[1])
        waited = time.monotonic() - started
        if dirty <= dirty_pages or waited >= max_seconds:
            return {"settle_seconds": round(waited, 1), "dirty_pages": dirty}
        time.sleep(1)

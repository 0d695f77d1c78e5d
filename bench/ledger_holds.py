"""Holds + posts per second in-process on MariaDB, and the raw-SQL floor.

Cases (16 threads each):
- spread: 1,000 credit accounts;
- hot5: the same load on 5 accounts (row-lock contention);
- raw_sql: the same reads and writes as hand-written SQL on MySQLdb (the floor);
- settlement_single_shard: spread, with merchant settlement on one shard
  (what a hot row costs), next to the sharded default.

Also the available-credit check latency at 10k and 1M postings: flat.

    .venv/bin/python bench/ledger_holds.py [--seconds 10] [--threads 16]
"""

import argparse
import datetime
import random
import threading
import time
import uuid
from collections.abc import Callable

from setup_django import latency_summary, report, setup

setup(fresh=__name__ == "__main__")

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from history import grow_history, settle  # noqa: E402

from accounts.chart import MERCHANT_SETTLEMENT, program_account  # noqa: E402
from accounts.models import CreditAccount  # noqa: E402
from accounts.selectors import credit_account_balance  # noqa: E402
from accounts.services.credit_accounts import (  # noqa: E402
    cardholder_create,
    credit_account_open,
    credit_hold_place,
)
from ledger.models import LedgerAccount, LedgerBalance  # noqa: E402
from ledger.services.holds import hold_post  # noqa: E402

BIG_LIMIT = 10**11  # within the largest credit limit accounts accept


def open_accounts(count: int) -> list[CreditAccount]:
    holder = cardholder_create(
        first_name="Bench",
        last_name="Holder",
        date_of_birth=datetime.date(1980, 1, 1),
        address_line1="1 Bench St",
        city="Testville",
        postal_code="00001",
        country="US",
        email="bench@example.test",
        phone="+1 555 0100",
    )
    return [
        credit_account_open(
            cardholder=holder,
            credit_limit=BIG_LIMIT,
            currency="USD",
            apr_bps=1_999,
            billing_cycle_day=1,
        )
        for _ in range(count)
    ]


def orm_operation(account: CreditAccount, key: str) -> None:
    hold = credit_hold_place(
        account=account,
        amount=random.randint(100, 10_000),
        idempotency_key=f"{key}:h",
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    hold_post(hold=hold, idempotency_key=f"{key}:p", kind="purchase")


def raw_sql_operation(account: CreditAccount, key: str) -> None:
    """The same reads and writes as orm_operation, hand-written."""
    settlement = program_account(MERCHANT_SETTLEMENT, "USD")
    amount = random.randint(100, 10_000)
    shard = random.randrange(settlement.shard_count)
    receivable = account.receivable_id
    now = timezone.now()
    with connection.cursor() as c:
        c.execute("START TRANSACTION")
        c.execute(
            "SELECT ca.status, ca.credit_limit, la.debit_limit FROM "
            "accounts_creditaccount ca JOIN ledger_ledgeraccount la "
            "ON la.id = ca.receivable_id WHERE ca.id = %s FOR UPDATE",
            [account.pk],
        )
        c.fetchone()
        c.execute(
            "SELECT SUM(debits_posted), SUM(credits_posted), SUM(debits_pending), "
            "SUM(credits_pending) FROM ledger_ledgerbalance WHERE account_id = %s",
            [receivable],
        )
        c.fetchone()
        c.execute(
            "UPDATE ledger_ledgerbalance SET debits_pending = debits_pending + %s "
            "WHERE account_id = %s AND shard = 0 AND debits_pending <= "
            "credits_posted - debits_posted + %s",
            [amount, receivable, BIG_LIMIT - amount],
        )
        c.execute(
            "UPDATE ledger_ledgerbalance SET credits_pending = credits_pending + %s "
            "WHERE account_id = %s AND shard = %s",
            [amount, settlement.pk, shard],
        )
        c.execute(
            "INSERT INTO ledger_ledgerhold (public_id, debit_account_id, "
            "credit_account_id, debit_shard, credit_shard, currency, amount, "
            "pending_amount, posted_amount, status, idempotency_key, description, "
            "expires_at, created_at) VALUES (%s, %s, %s, 0, %s, 'USD', %s, %s, 0, "
            "'pending', %s, '', %s, %s)",
            [
                uuid.uuid4().hex,
                receivable,
                settlement.pk,
                shard,
                amount,
                amount,
                f"{key}:h",
                now,
                now,
            ],
        )
        hold_id = c.lastrowid
        c.execute("COMMIT")
        c.execute("START TRANSACTION")
        c.execute(
            "SELECT id, pending_amount FROM ledger_ledgerhold WHERE id = %s FOR UPDATE",
            [hold_id],
        )
        c.fetchone()
        c.execute(
            "INSERT INTO ledger_journalentry (public_id, kind, description, "
            "effective_at, external_ref, idempotency_key, hold_id, is_forced, "
            "created_at) VALUES (%s, 'purchase', '', %s, '', %s, %s, 0, %s)",
            [uuid.uuid4().hex, now, f"{key}:p", hold_id, now],
        )
        entry_id = c.lastrowid
        c.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, side, amount, currency, "
            "effective_at) VALUES (%s, %s, 'D', %s, 'USD', %s), "
            "(%s, %s, 'C', %s, 'USD', %s)",
            [entry_id, receivable, amount, now, entry_id, settlement.pk, amount, now],
        )
        post_shard = random.randrange(settlement.shard_count)
        c.execute(
            "UPDATE ledger_ledgerbalance SET debits_pending = debits_pending - %s, "
            "debits_posted = debits_posted + %s WHERE account_id = %s AND shard = 0",
            [amount, amount, receivable],
        )
        for target_shard, pending_delta, posted_delta in sorted(
            [(shard, -amount, 0), (post_shard, 0, amount)]
        ):
            c.execute(
                "UPDATE ledger_ledgerbalance SET credits_pending = credits_pending "
                "+ %s, credits_posted = credits_posted + %s WHERE account_id = %s "
                "AND shard = %s",
                [pending_delta, posted_delta, settlement.pk, target_shard],
            )
        c.execute(
            "UPDATE ledger_ledgerhold SET pending_amount = 0, posted_amount = %s, "
            "status = 'posted', closed_at = %s WHERE id = %s",
            [amount, now, hold_id],
        )
        c.execute("COMMIT")


def run_load(
    operation: Callable[[CreditAccount, str], None],
    accounts: list[CreditAccount],
    *,
    threads: int,
    seconds: float,
    tag: str,
) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    start = threading.Barrier(threads)

    def worker(number: int) -> None:
        rng = random.Random(number)
        local: list[float] = []
        start.wait()
        n = 0
        try:
            while time.monotonic() < deadline:
                began = time.perf_counter()
                operation(rng.choice(accounts), f"{tag}:{number}:{n}")
                local.append(time.perf_counter() - began)
                n += 1
        finally:
            connection.close()
            with lock:
                latencies.extend(local)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    began = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - began
    return {
        "operations_per_s": round(len(latencies) / elapsed, 1),
        "operations": len(latencies),
        **latency_summary(latencies),
    }


def balance_latency(account: CreditAccount, samples: int = 2_000) -> dict[str, float]:
    timings = []
    for _ in range(samples):
        began = time.perf_counter()
        credit_account_balance(account=account)
        timings.append(time.perf_counter() - began)
    return latency_summary(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--history", type=int, default=1_000_000)
    args = parser.parse_args()

    accounts = open_accounts(1_000)
    program_account(MERCHANT_SETTLEMENT, "USD")
    load = {"threads": args.threads, "seconds": args.seconds}
    spread = run_load(orm_operation, accounts, tag="spread", **load)
    hot = run_load(orm_operation, accounts[:5], tag="hot", **load)
    raw = run_load(raw_sql_operation, accounts, tag="raw", **load)

    settlement = program_account(MERCHANT_SETTLEMENT, "USD")
    LedgerAccount.objects.filter(pk=settlement.pk).update(shard_count=1)
    from accounts import chart

    chart.program_accounts_cache_clear()
    single_shard = run_load(orm_operation, accounts, tag="single", **load)
    LedgerAccount.objects.filter(pk=settlement.pk).update(
        shard_count=LedgerBalance.objects.filter(account=settlement).count()
    )
    chart.program_accounts_cache_clear()

    probe = accounts[-1]
    grow_history(probe, 10_000)
    settled_10k = settle()
    at_10k = {**balance_latency(probe), **settled_10k}
    grow_history(probe, args.history - 10_000)
    settled_1m = settle()
    at_1m = {**balance_latency(probe), **settled_1m}

    from ledger.verification import ledger_breaches

    report(
        "ledger_holds",
        {
            "database": connection.vendor,
            "threads": args.threads,
            "seconds_per_case": args.seconds,
            "hold_and_post": {
                "spread_1000_accounts": spread,
                "hot_5_accounts": hot,
                "raw_sql_floor_1000_accounts": raw,
                "settlement_on_one_shard": single_shard,
            },
            "orm_vs_raw_sql_ratio": round(
                spread["operations_per_s"] / raw["operations_per_s"], 3
            ),
            "single_shard_vs_sharded_ratio": round(
                single_shard["operations_per_s"] / spread["operations_per_s"], 3
            ),
            "available_credit_check": {
                "at_10k_postings": at_10k,
                f"at_{args.history}_postings": at_1m,
            },
            "ledger_verify_breaches": len(list(ledger_breaches())),
        },
    )


if __name__ == "__main__":
    main()

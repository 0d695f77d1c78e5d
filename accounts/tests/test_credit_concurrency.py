"""Concurrent holds on a few hot credit accounts, against real MariaDB row locks."""

import datetime
import random
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from accounts.errors import InsufficientCredit
from accounts.models import CreditAccount
from accounts.selectors import credit_account_balance
from accounts.services import credit_accounts
from accounts.tests.factories import credit_account_create_for_test
from issuer.kernel import db as kernel_db
from issuer.kernel.db import atomic_with_retry
from ledger.services import holds as ledger_holds
from ledger.verification import ledger_breaches

pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]

THREADS = 20
HOLDS_PER_THREAD = 40
LIMIT = 20_000


def _hammer(accounts: list[CreditAccount]) -> tuple[int, int]:
    """Each thread places holds of random size on random hot accounts."""
    approved = declined = 0
    lock = threading.Lock()
    start = threading.Barrier(THREADS)
    expires = timezone.now() + datetime.timedelta(days=7)

    def work(worker: int) -> None:
        nonlocal approved, declined
        rng = random.Random(worker)
        start.wait()
        try:
            for attempt in range(HOLDS_PER_THREAD):
                account = rng.choice(accounts)
                try:
                    credit_accounts.credit_hold_place(
                        account=account,
                        amount=rng.randint(100, 1_500),
                        idempotency_key=f"race:{worker}:{attempt}",
                        expires_at=expires,
                    )
                except InsufficientCredit:
                    with lock:
                        declined += 1
                except Exception:  # noqa: BLE001 - the unlocked variant breaks
                    with lock:
                        declined += 1
                else:
                    with lock:
                        approved += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return approved, declined


def test_hot_accounts_never_approve_beyond_their_limit():
    accounts = [credit_account_create_for_test(credit_limit=LIMIT) for _ in range(3)]

    approved, declined = _hammer(accounts)

    assert approved + declined == THREADS * HOLDS_PER_THREAD
    assert declined > 0, "the load must be enough to exhaust the limits"
    for account in accounts:
        balance = credit_account_balance(account=account)
        assert 0 <= balance.pending <= LIMIT
        assert balance.available >= 0
    total_held = sum(credit_account_balance(account=a).pending for a in accounts)
    assert total_held > 3 * LIMIT - 3 * 1_500  # nearly filled: nothing was lost
    assert list(ledger_breaches()) == []


def test_without_the_locks_the_same_load_overspends(monkeypatch):
    """The unlocked variant (test only) shows the test above can fail: every
    FOR UPDATE is dropped and the ledger's guarded update is turned off."""
    monkeypatch.setattr(type(connection.features), "has_select_for_update", False)
    original_lock = credit_accounts.credit_account_lock_with_balance

    def slow_unlocked(*, account_id: int):  # type: ignore[no-untyped-def]
        locked = original_lock(account_id=account_id)
        time.sleep(0.002)  # widen the read-then-write window
        return locked

    original_apply = ledger_holds.apply_totals
    monkeypatch.setattr(
        credit_accounts, "credit_account_lock_with_balance", slow_unlocked
    )
    monkeypatch.setattr(
        ledger_holds,
        "apply_totals",
        lambda totals, enforce_bounds=True: original_apply(
            totals, enforce_bounds=False
        ),
    )
    accounts = [credit_account_create_for_test(credit_limit=LIMIT) for _ in range(3)]

    _hammer(accounts)

    overspent = [
        account
        for account in accounts
        if credit_account_balance(account=account).available < 0
    ]
    assert overspent, "without locks some account should pass its limit"
    assert any("beyond its limit" in breach for breach in ledger_breaches())


def test_a_deadlock_is_retried_until_both_transactions_succeed(monkeypatch):
    """Two transactions lock two rows in opposite orders: MariaDB kills one
    (1213); atomic_with_retry runs it again and both complete."""
    first, second = (credit_account_create_for_test() for _ in range(2))
    attempts: list[str] = []
    conflicts: list[int] = []
    original = kernel_db.is_lock_conflict

    def spy(exc: OperationalError) -> bool:
        conflicts.append(exc.args[0])
        return original(exc)

    monkeypatch.setattr(kernel_db, "is_lock_conflict", spy)
    start = threading.Barrier(2)

    @atomic_with_retry
    def lock_in_order(name: str, ids: tuple[int, int]) -> None:
        attempts.append(name)
        CreditAccount.objects.select_for_update().get(pk=ids[0])
        if len(attempts) <= 2:
            time.sleep(0.3)  # both hold their first row before asking for the second
        CreditAccount.objects.select_for_update().get(pk=ids[1])
        CreditAccount.objects.filter(pk=ids[1]).update(apr_bps=1_000 + len(attempts))

    def run(name: str, ids: tuple[int, int]) -> None:
        start.wait()
        try:
            lock_in_order(name, ids)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("a", (first.pk, second.pk))),
        threading.Thread(target=run, args=("b", (second.pk, first.pk))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 1213 in conflicts
    assert len(attempts) >= 3
    assert not transaction.get_connection().in_atomic_block


@pytest.mark.django_db
def test_the_captured_sql_locks_the_account_before_any_write():
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    account = credit_account_create_for_test(credit_limit=LIMIT)

    with CaptureQueriesContext(db) as queries, transaction.atomic():
        credit_accounts.credit_hold_try(
            account=account,
            amount=100,
            idempotency_key="sql-order",
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )

    statements = [q["sql"] for q in queries.captured_queries]
    lock = next(
        i
        for i, sql in enumerate(statements)
        if "accounts_creditaccount" in sql and sql.rstrip().endswith("FOR UPDATE")
    )
    first_write = next(
        i for i, sql in enumerate(statements) if sql.startswith(("UPDATE", "INSERT"))
    )
    assert lock < first_write

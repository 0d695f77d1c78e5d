"""Concurrent deliveries against real MariaDB: one score per event, one proposal."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import CreditAccount, CreditLimitProposal, CreditScore
from accounts.services.credit_scores import credit_score_recalculate
from accounts.tests.factories import credit_account_create_for_test, purchase_post

pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]


def _fallen_behind() -> CreditAccount:
    """An account whose next score calls for a limit decrease."""
    account = credit_account_create_for_test(credit_limit=100_000)
    credit_score_recalculate(account=account, trigger="nightly", event_id="n1")
    purchase_post(account, 30_000, timezone.now())
    CreditAccount.objects.filter(pk=account.pk).update(
        delinquent_since=timezone.localdate() - timedelta(days=40)
    )
    return account


def _race(account: CreditAccount, first_event: str, second_event: str) -> dict:
    """Score `first_event` in a transaction held open until the second
    delivery is waiting on its locks, then commit; return both results."""
    results: dict = {}
    stored = threading.Event()
    release = threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = credit_score_recalculate(
                    account=account, trigger="payment.received", event_id=first_event
                )
                stored.set()
                release.wait(30)
        finally:
            connection.close()

    def second() -> None:
        try:
            stored.wait(30)
            with connection.cursor() as cursor:
                cursor.execute("SELECT CONNECTION_ID()")
                results["connection_id"] = cursor.fetchone()[0]
            results["second"] = credit_score_recalculate(
                account=account, trigger="payment.received", event_id=second_event
            )
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results["error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    results["second_waited"] = _wait_for_lock_wait(results)
    release.set()
    for thread in threads:
        thread.join(60)
    return results


def _wait_for_lock_wait(results: dict) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if "connection_id" in results:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(*) FROM information_schema.INNODB_TRX "
                    "WHERE trx_mysql_thread_id = %s AND trx_state = 'LOCK WAIT'",
                    [results["connection_id"]],
                )
                if cursor.fetchone()[0]:
                    return True
        # InnoDB refreshes INNODB_TRX only when nobody read it for 100 ms.
        time.sleep(0.25)
    return False


def test_the_same_event_delivered_twice_at_once_stores_one_score_and_proposal():
    account = _fallen_behind()

    results = _race(account, "e-1", "e-1")

    assert "error" not in results, results.get("error")
    assert results["second_waited"]
    assert results["second"].pk == results["first"].pk
    assert CreditScore.objects.filter(account=account, event_id="e-1").count() == 1
    proposal = CreditLimitProposal.objects.get()
    assert (proposal.score_id, proposal.proposed_limit) == (results["first"].pk, 50_000)


def test_two_events_at_once_store_two_scores_and_propose_once():
    account = _fallen_behind()

    results = _race(account, "e-1", "e-2")

    assert "error" not in results, results.get("error")
    assert results["second_waited"]
    assert results["second"].pk != results["first"].pk
    assert CreditScore.objects.filter(account=account).count() == 3
    assert CreditLimitProposal.objects.get().score_id == results["first"].pk

"""Concurrent filings and decisions on one account, against real MariaDB locks."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cards.models import Dispute
from cards.services.authorizations import authorization_create
from cards.services.clearing import authorization_capture, refund_create
from cards.services.disputes import dispute_file, dispute_resolve, dispute_submit
from cards.tests.conftest import authorization_request, cleared_capture
from issuer.kernel.errors import DomainError
from ledger.models import JournalEntry
from ledger.verification import ledger_breaches

pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]
THREADS = 8


def _race(work) -> Counter:
    """Run `work(index)` on THREADS threads at once; count the outcomes."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def run(index: int) -> None:
        start.wait()
        try:
            work(index)
        except DomainError as error:
            with lock:
                outcomes[type(error).__name__] += 1
        else:
            with lock:
                outcomes["done"] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_filings_never_dispute_more_than_is_left(issue_card):
    """Two captures of one authorization, half refunded: 5,000 is left over
    both, so of the 3,000 disputes filed at once on either, one succeeds."""
    test_card = issue_card()
    authorization = authorization_create(
        request=authorization_request(test_card, amount=10_000), partner=None
    )
    captures = [
        authorization_capture(authorization=authorization, amount=6_000),
        authorization_capture(authorization=authorization, amount=4_000),
    ]
    refund_create(
        card=captures[0].card,
        amount=5_000,
        currency="USD",
        partner=None,
        authorization=authorization,
    )

    outcomes = _race(
        lambda index: dispute_file(
            capture=captures[index % 2],
            amount=3_000,
            reason="wrong_amount",
            description="Too much.",
        )
    )

    assert outcomes["done"] == 1
    assert outcomes["done"] + outcomes["Conflict"] + outcomes["InvalidInput"] == (
        THREADS
    )
    assert Dispute.objects.count() == 1
    assert JournalEntry.objects.filter(kind="dispute_credit").count() == 1
    assert list(ledger_breaches()) == []


def test_concurrent_decisions_post_exactly_one(issue_card):
    capture = cleared_capture(issue_card(), 4_000)
    dispute = dispute_file(
        capture=capture, amount=4_000, reason="fraud", description="Not me."
    )
    dispute_submit(dispute=dispute)

    outcomes = _race(
        lambda index: dispute_resolve(
            dispute=Dispute.objects.get(pk=dispute.pk),
            outcome="won" if index % 2 else "lost",
        )
    )

    decided = Dispute.objects.get(pk=dispute.pk)
    same_as_first = THREADS // 2 - 1
    assert outcomes == Counter(done=1 + same_as_first, Conflict=THREADS // 2)
    assert (
        JournalEntry.objects.filter(
            kind__in=["dispute_won", "dispute_reversal"]
        ).count()
        == 1
    )
    assert decided.resolution_entry.kind == (
        "dispute_won" if decided.status == "won" else "dispute_reversal"
    )
    assert list(ledger_breaches()) == []


def test_filing_locks_the_credit_account_before_writing(issue_card):
    capture = cleared_capture(issue_card(), 4_000)

    with CaptureQueriesContext(connection) as queries:
        dispute_file(
            capture=capture, amount=1_000, reason="duplicate", description="Twice."
        )

    statements = [query["sql"] for query in queries.captured_queries]
    lock = next(
        i
        for i, sql in enumerate(statements)
        if "accounts_creditaccount" in sql and "FOR UPDATE" in sql
    )
    first_write = next(
        i for i, sql in enumerate(statements) if sql.startswith(("INSERT", "UPDATE"))
    )
    assert lock < first_write

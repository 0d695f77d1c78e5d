"""A cycle close racing late postings, against real MariaDB locks.

Dispute credits dated before the cut-off are filed (some before, eight
racing) while the cycle closes: each lands on the closing statement
(committed before the close read the ledger under the account lock) or on
the next one, never on none and never on both.
"""

import datetime
import threading
from collections import Counter
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import CreditAccount
from accounts.services.billing import billing_run
from accounts.statement_documents.lines import statement_lines
from accounts.verification import statement_breaches
from cards.models import Dispute
from cards.services.authorizations import authorization_create
from cards.services.clearing import authorization_capture
from cards.services.disputes import dispute_file
from cards.tests.conftest import authorization_request
from ledger.verification import ledger_breaches

pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]
FILINGS = 12
EARLY = 4
CYCLE_DAY = 10
CLEARED = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)
DISPUTED = datetime.datetime(2026, 3, 10, 20, tzinfo=datetime.UTC)  # before cut-off
CLOSING_RUN = datetime.datetime(2026, 3, 11, 0, 30, tzinfo=datetime.UTC)
NEXT_RUN = datetime.datetime(2026, 4, 11, 0, 30, tzinfo=datetime.UTC)


def test_late_dispute_credits_racing_the_close_land_on_exactly_one_statement(
    issue_card, card_keys
):
    clock = [CLEARED]
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        test_card = issue_card(limit=1_000_000)
        account = test_card.issued.card.account
        CreditAccount.objects.filter(pk=account.pk).update(
            billing_cycle_day=CYCLE_DAY, opened_at=CLEARED - datetime.timedelta(days=5)
        )
        account.refresh_from_db()
        captures = [
            authorization_capture(
                authorization=authorization_create(
                    request=authorization_request(test_card, amount=10_000),
                    partner=None,
                )
            )
            for _ in range(FILINGS)
        ]
        clock[0] = CLOSING_RUN

        def file(index: int) -> None:
            dispute_file(
                capture=captures[index],
                amount=100 + index,
                reason=Dispute.Reason.DUPLICATE,
                description="Charged twice.",
                now=DISPUTED,
            )

        for index in range(EARLY):  # filed before the close starts
            file(index)
        outcomes: Counter[str] = Counter()
        lock = threading.Lock()
        start = threading.Barrier(FILINGS - EARLY + 1)

        def run(index: int) -> None:
            start.wait()
            try:
                if index == FILINGS:
                    billing_run(account=account, now=CLOSING_RUN)
                else:
                    file(index)
                outcome = "done"
            except Exception as error:  # noqa: BLE001 - counted and asserted below
                outcome = type(error).__name__
            finally:
                connection.close()
            with lock:
                outcomes[outcome] += 1

        threads = [
            threading.Thread(target=run, args=(i,)) for i in range(EARLY, FILINGS + 1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        clock[0] = NEXT_RUN
        billing_run(account=account, now=NEXT_RUN)

    assert outcomes == {"done": FILINGS - EARLY + 1}
    march, april = account.statements.order_by("period_end")
    on_statement = {
        statement.period_end: [
            line.reference
            for line in statement_lines(statement=statement)
            if line.description.startswith("Dispute")
        ]
        for statement in (march, april)
    }
    # The early ones and those that won the lock are on March, the rest on
    # April; together each exactly once.
    assert len(on_statement[march.period_end]) >= EARLY
    references = [*on_statement[march.period_end], *on_statement[april.period_end]]
    credited = set(
        Dispute.objects.filter(account=account).values_list(
            "provisional_credit_entry__public_id", flat=True
        )
    )
    assert sorted(map(str, references)) == sorted(map(str, credited))
    assert len(references) == FILINGS
    assert march.purchases == 10_000 * FILINGS
    assert march.payments + april.payments == sum(100 + i for i in range(FILINGS))
    assert list(statement_breaches()) == []
    assert list(ledger_breaches()) == []

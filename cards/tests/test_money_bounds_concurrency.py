"""Money bounds under 50 parallel requests, against real MariaDB row locks.

Each bound is decided under the credit account's row lock in the transaction
that moves the money; each test has an unlocked variant (test only) that
shows the same load passing the bound, so both tests can fail.
"""

import datetime
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import CreditAccount, Payment
from accounts.selectors import credit_account_balance
from accounts.services import credit_accounts
from accounts.services import payments as payment_services
from accounts.tests.factories import purchase_post
from cards.models import Refund
from cards.services import clearing
from ledger.services import holds as ledger_holds
from ledger.verification import ledger_breaches

pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]

THREADS = 50
LIMIT = 10_000
SPENT = 9_000  # owed 9,000; available 1,000
PAYMENT = 1_000  # 25 payers would pay 25,000: at most 9 fit under the ceiling
HOLD = 100  # 25 spenders would hold 2,500: at most 10 fit in what is available
REFUND = 100
DAILY_MAX = 1_000  # 50 refunders would credit 5,000: at most 10 fit


def _run_in_threads(work: Callable[[int], object]) -> list[object]:
    """Run `work(n)` in THREADS threads released together; collect results."""
    results: list[object] = [None] * THREADS
    start = threading.Barrier(THREADS)

    def run(number: int) -> None:
        start.wait()
        try:
            results[number] = work(number)
        except Exception as error:  # noqa: BLE001 - a refusal is a result
            results[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _payment_then_spend(account: CreditAccount) -> tuple[int, int]:
    """Half the threads pay, half authorize; return (paid, held) totals."""
    expires = timezone.now() + datetime.timedelta(days=7)

    def work(number: int) -> object:
        if number % 2:
            return payment_services.credit_account_payment_post(
                account=account, amount=PAYMENT, idempotency_key=f"pay:{number}"
            )
        return credit_accounts.credit_hold_try(
            account=account,
            amount=HOLD,
            idempotency_key=f"hold:{number}",
            expires_at=expires,
        )

    _run_in_threads(work)
    paid = sum(Payment.objects.filter(account=account).values_list("amount", flat=True))
    held = credit_account_balance(account=account).pending
    return paid, held


def _spent_account(issue_card) -> CreditAccount:  # type: ignore[no-untyped-def]
    account = issue_card(limit=LIMIT).issued.card.account
    purchase_post(account, SPENT, timezone.now(), key=f"spend:{uuid.uuid4()}")
    return account


@pytest.fixture
def bounds(settings):  # type: ignore[no-untyped-def]
    settings.PAYMENT_SETTLEMENT_DAYS = 3
    settings.PAYMENT_CREDIT_BALANCE_ALLOWANCE = 0
    settings.UNLINKED_REFUND_MAX_AMOUNT = REFUND
    settings.UNLINKED_REFUND_DAILY_MAX_PER_CARD = DAILY_MAX
    return settings


def test_parallel_payments_never_make_unsettled_credit_spendable(issue_card, bounds):
    """50 threads: 25 pay 1,000 each on a line owing 9,000 with 1,000
    available, 25 authorize 100 each. No approval uses unsettled credit and
    no payment passes what is owed."""
    account = _spent_account(issue_card)

    paid, held = _payment_then_spend(account)

    balance = credit_account_balance(account=account)
    assert paid == SPENT  # 9 of 25 payments fit exactly; the rest refused
    assert held == LIMIT - SPENT  # 10 of 25 holds: only what was available
    assert balance.pending_credits == SPENT
    assert balance.available == 0
    assert list(ledger_breaches()) == []


def test_without_the_lock_payment_then_spend_passes_its_bounds(
    issue_card, bounds, monkeypatch
):
    """The unlocked variant: the account lock is a plain read and the ledger's
    guarded update is off; the same load pays beyond what is owed or holds
    beyond what is available."""
    monkeypatch.setattr(type(connection.features), "has_select_for_update", False)

    def unlocked(*, account_id: int) -> CreditAccount:
        account = CreditAccount.objects.select_related("receivable").get(pk=account_id)
        return account

    original_ceiling = payment_services._refuse_above_ceiling

    def slow_ceiling(account: CreditAccount, amount: int) -> None:
        original_ceiling(account, amount)
        time.sleep(0.05)  # widen the read-then-write window

    original_apply = ledger_holds.apply_totals
    monkeypatch.setattr(payment_services, "credit_account_lock", unlocked)
    monkeypatch.setattr(payment_services, "_refuse_above_ceiling", slow_ceiling)
    monkeypatch.setattr(
        ledger_holds,
        "apply_totals",
        lambda totals, enforce_bounds=True: original_apply(
            totals, enforce_bounds=False
        ),
    )
    account = _spent_account(issue_card)

    paid, held = _payment_then_spend(account)

    assert paid > SPENT or held > LIMIT - SPENT, (paid, held)


def _refund_race(card) -> int:  # type: ignore[no-untyped-def]
    def work(number: int) -> object:
        return clearing.refund_create(
            card=card,
            amount=REFUND,
            currency=card.account.currency,
            partner=None,
            merchant_id=f"m-{number}",
        )

    _run_in_threads(work)
    return sum(
        Refund.objects.filter(card=card, authorization__isnull=True).values_list(
            "amount", flat=True
        )
    )


def test_parallel_unlinked_refunds_never_pass_the_daily_maximum(issue_card, bounds):
    """50 threads each refund 100 to one card with a 1,000 daily maximum."""
    card = issue_card(limit=LIMIT).issued.card

    refunded = _refund_race(card)

    assert refunded == DAILY_MAX
    assert credit_account_balance(account=card.account).posted_balance == -DAILY_MAX
    assert list(ledger_breaches()) == []


def test_without_the_lock_unlinked_refunds_pass_the_daily_maximum(
    issue_card, bounds, monkeypatch
):
    """The unlocked variant: the account lock is a plain read and the window
    between reading today's total and writing the refund is widened."""

    def unlocked(*, account_id: int) -> CreditAccount:
        return CreditAccount.objects.select_related("receivable").get(pk=account_id)

    original_check = clearing._refuse_unlinked_refund_above_maxima

    def slow_check(*, card, amount):  # type: ignore[no-untyped-def]
        original_check(card=card, amount=amount)
        time.sleep(0.05)

    monkeypatch.setattr(clearing, "credit_account_lock", unlocked)
    monkeypatch.setattr(clearing, "_refuse_unlinked_refund_above_maxima", slow_check)
    card = issue_card(limit=LIMIT).issued.card

    refunded = _refund_race(card)

    assert refunded > DAILY_MAX, refunded


def _first(queries: list[str], needle: str) -> int:
    return next(n for n, sql in enumerate(queries) if needle in sql)


def test_each_bound_is_read_after_the_account_row_is_locked(issue_card, bounds):
    """The captured SQL: `FOR UPDATE` on the credit account comes before the
    read the bound is decided on and before any write."""
    from django.test.utils import CaptureQueriesContext

    card = issue_card(limit=LIMIT).issued.card
    purchase_post(card.account, SPENT, timezone.now(), key="spend:sql")

    with CaptureQueriesContext(connection) as paying:
        payment_services.credit_account_payment_post(
            account=card.account, amount=PAYMENT, idempotency_key="sql"
        )
    with CaptureQueriesContext(connection) as refunding:
        clearing.refund_create(
            card=card, amount=REFUND, currency="USD", partner=None, merchant_id="m"
        )

    for captured, bound_read in (
        (paying, "ledger_ledgerbalance"),
        (refunding, "SUM(`cards_refund`.`amount`)"),
    ):
        queries = [query["sql"] for query in captured.captured_queries]
        lock = _first(queries, "FROM `accounts_creditaccount`")
        assert queries[lock].rstrip().endswith("FOR UPDATE")
        assert lock < _first(queries, bound_read) < _first(queries, "INSERT INTO")

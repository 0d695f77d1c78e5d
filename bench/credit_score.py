"""Benchmark: credit score recalculation rate per worker process, on MariaDB.

Seeds ACCOUNTS credit accounts, each with a year of history: 12 assessed
statements (some minimums missed), purchases in the last 30 days, some
accounts past due and some with a returned payment. Then measures:

1. event path in-process: `credit_score_recalculate` once per account with
   its own event id (what one `payment.received` costs) - scores/s, latency
   and queries per score;
2. batched in-process: `credit_scores_recalculate` over batches of 500 (the
   nightly task's service) - scores/s and queries per batch;
3. through a real Celery worker (one solo process, queues default+credit):
   (a) one `statement.closed` event per account published through the
   outbox (relay on commit -> Redis -> `kernel.relay_outbox` ->
   `accounts.recalculate_credit_scores` per relay pass), and (b) the
   nightly run (`accounts.recalculate_credit_scores_nightly`, fanning out
   batches of 500) - scores/s from the first publish to the last score.

Database `issuer_credit_score_bench` (dropped and re-created; override with
BENCH_DATABASE_URL), broker redis://127.0.0.1:6379/11 (BENCH_BROKER_URL).
Prints one JSON object.

    .venv/bin/python bench/credit_score.py [--accounts 2000]
"""

import argparse
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault(
    "BENCH_DATABASE_URL",
    "mysql://issuer:issuer@127.0.0.1:3306/issuer_credit_score_bench",
)
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11")
os.environ["CELERY_BROKER_URL"] = BROKER
sys.path.insert(0, str(ROOT / "bench"))

from processes import celery_worker, workers_ready  # noqa: E402
from setup_django import latency_summary, report, setup  # noqa: E402

setup(fresh=True)

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.chart import (  # noqa: E402
    MERCHANT_SETTLEMENT,
    PAYMENTS_CLEARING,
    program_account,
)
from accounts.models import (  # noqa: E402
    CreditAccount,
    CreditLimitProposal,
    CreditScore,
    DueDateAssessment,
    Payment,
    Statement,
)
from accounts.services.credit_accounts import (  # noqa: E402
    cardholder_create,
    credit_account_open,
)
from accounts.services.credit_scores import (  # noqa: E402
    ScoreRequest,
    credit_score_recalculate,
    credit_scores_recalculate,
)
from issuer.kernel.outbox import event_publish  # noqa: E402
from ledger.services.entries import credit, debit, entry_post  # noqa: E402

BATCH = 500
LIMIT = 500_000


def seed(count: int, rng: random.Random) -> list[CreditAccount]:
    """Accounts with a year of statements, recent purchases and a few problems."""
    today = timezone.localdate()
    now = timezone.now()
    accounts = []
    for n in range(count):
        cardholder = cardholder_create(
            first_name="Bench",
            last_name=f"Holder {n}",
            date_of_birth=today.replace(year=today.year - 40),
            address_line1="1 Bench Street",
            city="Springfield",
            postal_code="12345",
            country="US",
            email=f"bench{n}@example.com",
            phone="+1 555 0100",
        )
        accounts.append(
            credit_account_open(
                cardholder=cardholder,
                credit_limit=LIMIT,
                currency="USD",
                apr_bps=2_199,
                billing_cycle_day=1 + n % 28,
            )
        )
    settlement = program_account(MERCHANT_SETTLEMENT, "USD")
    clearing = program_account(PAYMENTS_CLEARING, "USD")
    statements = []
    for account in accounts:
        for _ in range(rng.randint(1, 6)):
            amount = rng.randint(1_000, 60_000)
            entry_post(
                legs=[debit(account.receivable, amount), credit(settlement, amount)],
                kind="purchase",
                idempotency_key=f"bench-purchase:{uuid.uuid4()}",
                effective_at=now - timedelta(days=rng.randint(0, 40)),
            )
        missed = rng.random() < 0.15
        for month in range(12):
            due = today - timedelta(days=5 + 30 * month)
            new_balance = rng.randint(0, 200_000)
            minimum = min(new_balance, max(2_500, new_balance // 40))
            paid = (
                0
                if missed and month == 2
                else rng.choice([minimum, new_balance, new_balance // 2])
            )
            statements.append(
                (
                    Statement(
                        account=account,
                        currency="USD",
                        period_start=due - timedelta(days=54),
                        period_end=due - timedelta(days=25),
                        days_in_cycle=30,
                        previous_balance=0,
                        purchases=new_balance,
                        payments=0,
                        fees=0,
                        interest=0,
                        new_balance=new_balance,
                        credit_limit=LIMIT,
                        available_credit=LIMIT - new_balance,
                        minimum_payment=minimum,
                        due_date=due,
                        apr_bps=2_199,
                        average_daily_balance=new_balance,
                        is_grace_applied=True,
                    ),
                    paid,
                )
            )
        if rng.random() < 0.05:
            amount = 10_000
            payment = entry_post(
                legs=[debit(clearing, amount), credit(account.receivable, amount)],
                kind="payment",
                idempotency_key=f"bench-payment:{uuid.uuid4()}",
            )
            returned = entry_post(
                legs=[debit(account.receivable, amount), credit(clearing, amount)],
                kind="payment_return",
                idempotency_key=f"bench-return:{uuid.uuid4()}",
                forced=True,
            )
            Payment.objects.create(
                account=account,
                amount=amount,
                currency="USD",
                source=Payment.Source.API,
                status=Payment.Status.RETURNED,
                received_at=now - timedelta(days=3),
                entry=payment,
                returned_at=now - timedelta(days=1),
                return_reason="bench",
                return_entry=returned,
            )
    Statement.objects.bulk_create([s for s, _ in statements], batch_size=2_000)
    DueDateAssessment.objects.bulk_create(
        [
            DueDateAssessment(
                statement=s,
                paid_by_due_date=paid,
                is_minimum_met=paid >= s.minimum_payment,
            )
            for s, paid in statements
        ],
        batch_size=2_000,
    )
    late = [a.pk for a in accounts if rng.random() < 0.1]
    CreditAccount.objects.filter(pk__in=late).update(
        delinquent_since=today - timedelta(days=rng.randint(5, 95))
    )
    CreditAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(
        opened_at=now - timedelta(days=800)
    )
    return list(CreditAccount.objects.filter(pk__in=[a.pk for a in accounts]))


def event_path(accounts: list[CreditAccount]) -> dict:
    """One service call per account, as one event's consumer would make."""
    for account in accounts[:20]:  # warm caches and connections
        credit_score_recalculate(account=account, trigger="warm-up", event_id="warm")
    with CaptureQueriesContext(connection) as captured:
        for account in accounts[:20]:
            credit_score_recalculate(account=account, trigger="bench", event_id="q")
    seconds = []
    started = time.perf_counter()
    for account in accounts:
        one = time.perf_counter()
        credit_score_recalculate(
            account=account, trigger="bench", event_id=f"event:{account.pk}"
        )
        seconds.append(time.perf_counter() - one)
    elapsed = time.perf_counter() - started
    return {
        "scores": len(accounts),
        "seconds": round(elapsed, 2),
        "scores_per_s": round(len(accounts) / elapsed),
        "queries_per_score": round(len(captured.captured_queries) / 20, 1),
        **latency_summary(seconds),
    }


def batched_path(accounts: list[CreditAccount]) -> dict:
    """The nightly task's service: batches of BATCH accounts per transaction."""
    ids = [a.pk for a in accounts]
    batch_seconds = []
    with CaptureQueriesContext(connection) as captured:
        credit_scores_recalculate(
            requests=[ScoreRequest(i, "bench", "batch-q") for i in ids[:BATCH]]
        )
    started = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        one = time.perf_counter()
        credit_scores_recalculate(
            requests=[
                ScoreRequest(i, "bench", "batch") for i in ids[start : start + BATCH]
            ]
        )
        batch_seconds.append(time.perf_counter() - one)
    elapsed = time.perf_counter() - started
    return {
        "scores": len(ids),
        "batch_size": BATCH,
        "seconds": round(elapsed, 2),
        "scores_per_s": round(len(ids) / elapsed),
        "queries_per_batch": len(captured.captured_queries),
        "batch_max_s": round(max(batch_seconds), 3),
    }


def start_worker() -> subprocess.Popen[bytes]:
    from issuer.celery import app

    app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "issuer.settings.local",
        "CELERY_BROKER_URL": BROKER,
        "LOG_LEVEL": "WARNING",
    }
    worker = celery_worker(queues="default,credit", node="credit-bench@%h", env=env)
    if workers_ready(app.control, 1, timeout=30):
        return worker
    worker.terminate()
    raise RuntimeError("the Celery worker did not start")


def _wait_for(queryset, count: int) -> float:
    deadline = time.monotonic() + 600
    while queryset.count() < count and time.monotonic() < deadline:
        time.sleep(0.2)
        connection.close()
    return time.perf_counter()


def worker_paths(accounts: list[CreditAccount]) -> dict:
    from accounts.tasks import recalculate_credit_scores_nightly

    worker = start_worker()
    try:
        started = time.perf_counter()
        for start in range(0, len(accounts), BATCH):
            with transaction.atomic():
                for account in accounts[start : start + BATCH]:
                    event_publish(
                        type="statement.closed",
                        aggregate_type="credit_account",
                        aggregate_id=str(account.public_id),
                        payload={"account_id": str(account.public_id)},
                    )
        events_done = _wait_for(
            CreditScore.objects.filter(trigger="statement.closed"), len(accounts)
        )
        nightly_started = time.perf_counter()
        recalculate_credit_scores_nightly.delay()
        nightly_done = _wait_for(
            CreditScore.objects.filter(trigger="nightly"), len(accounts)
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=30)
    events_seconds = events_done - started
    nightly_seconds = nightly_done - nightly_started
    return {
        "worker_processes": 1,
        "events": {
            "scores": CreditScore.objects.filter(trigger="statement.closed").count(),
            "seconds": round(events_seconds, 2),
            "scores_per_s": round(len(accounts) / events_seconds),
        },
        "nightly": {
            "scores": CreditScore.objects.filter(trigger="nightly").count(),
            "seconds": round(nightly_seconds, 2),
            "scores_per_s": round(len(accounts) / nightly_seconds),
        },
    }


def database_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        return str(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2_000)
    arguments = parser.parse_args()
    rng = random.Random(7)
    seed_started = time.perf_counter()
    accounts = seed(arguments.accounts, rng)
    seed_seconds = time.perf_counter() - seed_started
    results = {
        "database": database_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "accounts": len(accounts),
        "statements_per_account": 12,
        "seed_seconds": round(seed_seconds, 1),
        "event_path_in_process": event_path(accounts),
        "batched_in_process": batched_path(accounts),
        "through_worker": worker_paths(accounts),
        "limit_proposals": CreditLimitProposal.objects.count(),
    }
    report("credit_score", results)


if __name__ == "__main__":
    main()

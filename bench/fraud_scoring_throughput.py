"""Benchmark: live fraud scoring throughput and event-to-score latency.

1. Batched: one process scores authorizations with
   `authorizations_score_batch` (the `fraud.score_authorizations_batch`
   task's service, offline feature path) in batches of BATCH ids. Target
   >= 5,000 tx/s.
2. Latency: authorizations made in-process at ~200/s go through the real
   outbox relay (on commit -> Redis -> `kernel.relay_outbox`) to a real
   Celery worker (one solo process by default, queues default+fraud;
   `--worker-processes N` for a prefork pool): the relay hands
   `fraud.score_authorization_events` each pass's events, which it scores
   with the active version's backlog as one batch. Latency is the score's
   `scored_at` minus the authorization's `created_at` (the outbox event is
   written in the same transaction, a few ms later; batch-scored rows have
   no `event_created_at`). Target p99 <= 2 s.

A hand-set logistic model over the amount (the tests' tiny model) is
active: the cost measured is features, database and bookkeeping, which
dominate; the registry's real models score a row in ~25 us.
Prints one JSON object.

    .venv/bin/python bench/fraud_scoring_throughput.py [--authorizations 50000]
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault(
    "BENCH_DATABASE_URL", "mysql://issuer:issuer@127.0.0.1:3306/issuer_fraud_live_bench"
)
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
os.environ["CELERY_BROKER_URL"] = BROKER
os.environ["CELERY_RESULT_BACKEND"] = BROKER
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from fraud_support import (  # noqa: E402
    database_version,
    emit,
    machine,
    setup_django,
    tiny_model_activate,
)
from processes import celery_worker, workers_ready  # noqa: E402

setup_django(fresh_database=True)

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from cards.models import Authorization  # noqa: E402
from cards.services.authorizations import (  # noqa: E402
    AuthorizationRequest,
    authorization_create,
)
from cards.services.sandbox import sandbox_cards_issue  # noqa: E402
from fraud.models import FraudScore, HistoricalTransaction  # noqa: E402
from fraud.services.live_batch import authorizations_score_batch  # noqa: E402

CARDS = 200
MERCHANTS = 100
HISTORY_PER_CARD = 50
BATCH = 5_000


def amount(rng: random.Random) -> int:
    """Mostly Low-tier amounts (1.00-30.00); 1 % High (45.00)."""
    return 4_500 if rng.random() < 0.01 else rng.randint(100, 3_000)


def seed_history(cards: list, rng: random.Random) -> None:
    now = timezone.now()
    rows = [
        HistoricalTransaction(
            transaction_id=f"h-{card.issued.card.pk}-{n}",
            timestamp=now - timedelta(seconds=rng.randint(3_600, 29 * 86_400)),
            card_ref=str(card.issued.card.public_id),
            merchant_ref=f"m-{rng.randrange(MERCHANTS)}",
            amount_minor=amount(rng),
            currency="USD",
            mcc="5411",
            merchant_country="US",
            channel="pos",
            is_fraud=False,
            label_time=now - timedelta(seconds=1_800),
        )
        for card in cards
        for n in range(HISTORY_PER_CARD)
    ]
    HistoricalTransaction.objects.bulk_create(rows, batch_size=5_000)


def batched_throughput(cards: list, count: int, rng: random.Random) -> dict:
    now = timezone.now()
    rows = []
    for n in range(count):
        card = cards[n % len(cards)].issued.card
        rows.append(
            Authorization(
                card=card,
                account_id=card.account_id,
                amount=amount(rng),
                currency="USD",
                merchant_id=f"m-{rng.randrange(MERCHANTS)}",
                mcc="5411",
                merchant_country="US",
                channel="pos",
                status="declined",  # an approval needs a ledger hold; not measured
                response_code="51",
                reason="bench",
                created_at=now - timedelta(seconds=rng.uniform(0, 3_000)),
            )
        )
    Authorization.objects.bulk_create(rows, batch_size=5_000)
    ids = list(
        Authorization.objects.filter(reason="bench")
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    authorizations_score_batch(authorization_ids=ids[:200])  # warm caches
    started = time.perf_counter()
    stored = 0
    batch_seconds = []
    for start in range(200, len(ids), BATCH):
        batch_started = time.perf_counter()
        stored += authorizations_score_batch(
            authorization_ids=ids[start : start + BATCH]
        )
        batch_seconds.append(time.perf_counter() - batch_started)
    elapsed = time.perf_counter() - started
    return {
        "authorizations": len(ids) - 200,
        "scores_stored": stored,
        "batch_size": BATCH,
        "seconds": round(elapsed, 2),
        "tx_per_s": round((len(ids) - 200) / elapsed),
        "batch_p50_s": round(float(np.percentile(batch_seconds, 50)), 3),
        "batch_max_s": round(max(batch_seconds), 3),
    }


def start_worker(concurrency: int) -> subprocess.Popen[bytes]:
    from issuer.celery import app

    app.control.purge()  # throughput phase's relays must not reach the worker
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "issuer.settings.local",
        "CELERY_BROKER_URL": BROKER,
        "LOG_LEVEL": "WARNING",
    }
    worker = celery_worker(
        queues="default,fraud",
        node="fraud-bench@%h",
        env=env,
        concurrency=concurrency,
    )
    if workers_ready(app.control, 1, timeout=120):  # slow on a loaded machine
        return worker
    worker.terminate()
    raise RuntimeError("the Celery worker did not start")


def latency(
    cards: list, rate: float, seconds: float, concurrency: int, rng: random.Random
) -> dict:
    worker = start_worker(concurrency)
    try:
        made = []
        interval = 1.0 / rate
        started = time.perf_counter()
        total = int(rate * seconds)
        for n in range(total):
            due = started + n * interval
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            test_card = cards[rng.randrange(len(cards))]
            issued = test_card.issued
            request = AuthorizationRequest(
                pan=issued.pan,
                expiry=issued.card.expiry,
                cvv=test_card.cvv,
                amount=rng.randint(100, 3_000),
                currency="USD",
                merchant_id=f"m-{rng.randrange(MERCHANTS)}",
                merchant_name="Bench shop",
                mcc="5411",
                merchant_country="US",
                channel="pos",
            )
            made.append(authorization_create(request=request, partner=None).pk)
        offered_seconds = time.perf_counter() - started
        scores = FraudScore.objects.filter(authorization_id__in=made)
        deadline = time.monotonic() + 120
        while scores.count() < len(made) and time.monotonic() < deadline:
            time.sleep(0.5)
            connection.close()
        pairs = list(scores.values_list("authorization__created_at", "scored_at"))
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a prefork pool waits for its queue
            worker.kill()
            worker.wait(timeout=30)
    waits = np.array([(scored - made).total_seconds() for made, scored in pairs])
    return {
        "worker_processes": concurrency,
        "authorizations": len(made),
        "offered_tx_per_s": round(len(made) / offered_seconds, 1),
        "scored": len(pairs),
        "authorization_to_score_p50_ms": round(
            float(np.percentile(waits, 50)) * 1000, 1
        ),
        "authorization_to_score_p99_ms": round(
            float(np.percentile(waits, 99)) * 1000, 1
        ),
        "authorization_to_score_max_ms": round(float(waits.max()) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--authorizations", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--worker-processes", type=int, default=1)
    arguments = parser.parse_args()
    rng = random.Random(42)
    tiny_model_activate()
    cards = list(sandbox_cards_issue(count=CARDS, limit=10**11))
    seed_history(cards, rng)
    batched = batched_throughput(cards, arguments.authorizations, rng)
    live = latency(
        cards, arguments.rate, arguments.seconds, arguments.worker_processes, rng
    )
    emit(
        {
            "benchmark": "fraud_scoring_throughput",
            "date": timezone.now().date().isoformat(),
            "database": database_version(),
            **machine(),
            "history_rows_seeded": CARDS * HISTORY_PER_CARD,
            "batched": batched,
            "latency": live,
        }
    )


if __name__ == "__main__":
    main()

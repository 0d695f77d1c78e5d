"""One authorization request, taken apart: statements, database time, profile.

Posts authorizations through Django's full stack in one process (middleware,
DRF, the service; no gunicorn, no network) on MariaDB with Redis as broker,
and reports the statements one authorization sends, the share of its time
spent waiting on the database, and the functions that cost the most
(cProfile, own time).

    .venv/bin/python bench/authorize_profile.py [--requests 400]
"""

import argparse
import cProfile
import io
import os
import pstats
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

os.environ.setdefault(
    "CELERY_BROKER_URL", os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
)

from setup_django import report, setup

setup(fresh=__name__ == "__main__")

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.services.partners import partner_create  # noqa: E402
from cards.services.sandbox import sandbox_cards_issue  # noqa: E402

BIG_LIMIT = 10**11  # within the largest credit limit accounts accept


class DatabaseClock:
    """Time spent inside the database driver (execute_wrapper)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements = 0

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: Any,
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


def statement_kind(sql: str) -> str:
    words = sql.split()
    kind = words[0].upper() if words else ""
    if kind in {"INSERT", "UPDATE", "DELETE"}:
        target = words[2] if kind != "UPDATE" else words[1]
        return f"{kind} {target.strip('`')}"
    if kind == "SELECT":
        table = next(
            (words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() == "FROM"), ""
        )
        locking = " FOR UPDATE" if "FOR UPDATE" in sql.upper() else ""
        return f"SELECT {table.strip('`')}{locking}"
    return kind


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    cards = list(sandbox_cards_issue(count=args.cards, limit=BIG_LIMIT))
    _, key = partner_create(name="Bench Acquirer", scopes=["authorizations"])
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_HOST="127.0.0.1")

    def authorize(number: int) -> None:
        card = cards[number % len(cards)]
        response = client.post(
            "/api/v1/authorizations",
            data={
                "pan": card.issued.pan,
                "expiry": card.issued.card.expiry,
                "cvv": card.cvv,
                "amount": 100 + number % 9_000,
                "currency": "USD",
                "merchant": {
                    "id": f"m-{number % 500}",
                    "name": "Bench Store",
                    "mcc": "5411",
                    "country": "US",
                },
                "channel": "pos",
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "approved", response.content

    for number in range(50):  # warm-up: caches, connections, compiled paths
        authorize(number)

    with CaptureQueriesContext(connection) as one:
        authorize(50)
    statements = [query["sql"] for query in one.captured_queries]

    clock = DatabaseClock()
    with connection.execute_wrapper(clock):
        started = time.perf_counter()
        for number in range(args.requests):
            authorize(1_000 + number)
        elapsed = time.perf_counter() - started

    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(args.requests):
        authorize(5_000 + number)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(args.top)
    cumulative = io.StringIO()
    pstats.Stats(profiler, stream=cumulative).sort_stats("cumulative").print_stats(
        args.top
    )

    report(
        "authorize_profile",
        {
            "database": connection.vendor,
            "load_average_1m": round(os.getloadavg()[0], 2),
            "requests": args.requests,
            "statements_per_authorization": len(statements),
            "statement_kinds": Counter(statement_kind(sql) for sql in statements),
            "statements": statements,
            "ms_per_authorization": round(1000 * elapsed / args.requests, 2),
            "db_ms_per_authorization": round(1000 * clock.seconds / args.requests, 2),
            "db_share": round(clock.seconds / elapsed, 3),
            "authorizations_per_s_one_thread": round(args.requests / elapsed, 1),
            "profile_own_time": text.getvalue().splitlines()[-args.top - 2 :],
            "profile_cumulative": cumulative.getvalue().splitlines()[-args.top - 2 :],
        },
    )


if __name__ == "__main__":
    main()

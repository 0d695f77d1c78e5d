"""Authorization API over HTTP: gunicorn + MariaDB (+ Redis as broker).

16 concurrent keep-alive clients authorize on random cards among 1,000 and
report approvals/s and latency. Then: authorize+capture with the merchant
settlement account on one shard vs sharded; all traffic on 5 hot cards;
and authorization latency after the ledger grows from 10k to 1M postings.

    .venv/bin/python bench/authorize_http.py [--seconds 20] [--clients 16]
"""

import argparse
import tempfile
from pathlib import Path

from processes import load, start_server, stop_server, write_cards
from setup_django import report, setup

setup(fresh=True)

from django.db import connection  # noqa: E402
from history import grow_history, settle  # noqa: E402

from accounts.chart import MERCHANT_SETTLEMENT, program_account  # noqa: E402
from accounts.services.partners import partner_create  # noqa: E402
from cards.services.sandbox import sandbox_cards_issue  # noqa: E402
from ledger.models import LedgerAccount, Posting  # noqa: E402
from ledger.verification import ledger_breaches  # noqa: E402

BIG_LIMIT = 10**11  # within the largest credit limit accounts accept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--history", type=int, default=1_000_000)
    args = parser.parse_args()

    cards = list(sandbox_cards_issue(count=args.cards, limit=BIG_LIMIT))
    _, key = partner_create(name="Bench Acquirer", scopes=["authorizations"])
    settlement = program_account(MERCHANT_SETTLEMENT, "USD")
    common = {"clients": args.clients, "seconds": args.seconds}
    with tempfile.TemporaryDirectory() as directory:
        all_cards = write_cards(cards, Path(directory), "all.csv")
        hot_cards = write_cards(cards[:5], Path(directory), "hot.csv")
        run(args, key, settlement, common, all_cards, hot_cards, cards)


def run(args, key, settlement, common, all_cards, hot_cards, cards) -> None:  # type: ignore[no-untyped-def]

    server = start_server(args.workers, args.threads)
    try:
        load(all_cards, key, clients=args.clients, seconds=3)  # warm-up
        spread = load(all_cards, key, **common)
        hot = load(hot_cards, key, **common)
        captures_sharded = load(all_cards, key, capture=True, **common)
    finally:
        stop_server(server)

    LedgerAccount.objects.filter(pk=settlement.pk).update(shard_count=1)
    server = start_server(args.workers, args.threads)
    try:
        captures_single = load(all_cards, key, capture=True, **common)
    finally:
        stop_server(server)
    LedgerAccount.objects.filter(pk=settlement.pk).update(shard_count=16)

    postings_before = Posting.objects.count()
    server = start_server(args.workers, args.threads)
    try:
        grow_history(cards[-1].issued.card.account, max(0, 10_000 - postings_before))
        settled_10k = settle()
        at_10k = load(all_cards, key, clients=args.clients, seconds=args.seconds / 2)
        grow_history(
            cards[-1].issued.card.account, args.history - Posting.objects.count()
        )
        settled_1m = settle()
        at_1m = load(all_cards, key, clients=args.clients, seconds=args.seconds / 2)
    finally:
        stop_server(server)

    report(
        "authorize_http",
        {
            "database": connection.vendor,
            "server": f"gunicorn {args.workers} workers x {args.threads} threads",
            "clients": args.clients,
            "cards": args.cards,
            "seconds_per_case": args.seconds,
            "spread_1000_cards": spread,
            "hot_5_cards": hot,
            "authorize_and_capture_sharded_settlement": captures_sharded,
            "authorize_and_capture_single_settlement_row": captures_single,
            "single_vs_sharded_capture_ratio": round(
                captures_single["requests_per_s"] / captures_sharded["requests_per_s"],
                3,
            ),
            "latency_at_10k_postings": {**at_10k, **settled_10k},
            "latency_at_1m_postings": {**at_1m, **settled_1m},
            "postings_at_end": Posting.objects.count(),
            "ledger_verify_breaches": len(list(ledger_breaches())),
        },
    )


if __name__ == "__main__":
    main()

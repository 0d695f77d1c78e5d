"""`manage.py issue_test_cards --count N --limit MINOR_UNITS [--currency USD]`.

Sandbox only. CSV on stdout: card_id,account_id,pan,expiry,cvv
"""

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from cards.services.sandbox import sandbox_cards_issue
from issuer.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Issue sandbox cardholders with active cards; CSV with PAN and CVV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--limit", type=int, required=True, help="Minor units.")
        parser.add_argument("--currency", default="USD")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1:
            raise CommandError("--count must be at least 1.")
        if options["limit"] < 0:
            raise CommandError("--limit must be zero or more (minor units).")
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["card_id", "account_id", "pan", "expiry", "cvv"])
        cards = sandbox_cards_issue(
            count=options["count"],
            limit=options["limit"],
            currency=options["currency"],
        )
        try:
            for card in tqdm(
                cards,
                total=options["count"],
                desc="issuing test cards",
                unit="card",
                file=self.stderr._out,
                disable=options["count"] < 20,
            ):
                writer.writerow(card.csv_row())
        except DomainError as exc:
            raise CommandError(exc.message) from exc

"""`manage.py close_statements --as-of D`: the billing batch as if today were D."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.errors import BillingDayNotEnded
from accounts.services.billing import (
    billed_accounts_count,
    billing_batch_run,
    billing_day_ended_check,
)


class Command(BaseCommand):
    help = (
        "Close every cycle that ended on or before D, post interest and fees, "
        "run autopay and assess late fees for due dates passed, charge off "
        "long-delinquent lines. Re-running changes nothing. D must have ended "
        "in every billed account's billing time zone."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", required=True, help="ISO date, e.g. 2026-11-30")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"])
        except ValueError:
            raise CommandError(
                "--as-of: expected an ISO date like 2026-11-30."
            ) from None
        try:
            billing_day_ended_check(as_of=as_of)
        except BillingDayNotEnded as error:
            raise CommandError(f"--as-of: {error.message}") from None
        with tqdm(
            total=billed_accounts_count(), unit="account", file=self.stderr._out
        ) as progress:
            result = billing_batch_run(
                as_of=as_of, on_account=lambda: progress.update()
            )
        self.stdout.write(
            f"statements closed: {result.statements}; late fees: {result.late_fees}; "
            f"autopays: {result.autopays}"
        )

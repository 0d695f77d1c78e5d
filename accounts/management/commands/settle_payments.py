"""`manage.py settle_payments [--as-of T]`: settle payments due by then."""

from datetime import UTC, date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.services.payments import payments_settle_due


def _as_of(value: str | None) -> datetime:
    if not value:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            "--as-of: expected an ISO date or date-time, e.g. 2026-11-30T12:00Z."
        ) from None
    if len(value) == 10:  # a date: settle what is due by its end (UTC)
        return datetime.combine(date.fromisoformat(value), time.max, tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Make every payment whose settlement window has ended by --as-of "
        "(default: now) spendable. Re-running changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--as-of", help="ISO date or date-time (naive means UTC); default now"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settled = payments_settle_due(as_of=_as_of(options.get("as_of")))
        self.stdout.write(f"payments settled: {settled}")

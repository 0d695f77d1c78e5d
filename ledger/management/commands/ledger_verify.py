"""`manage.py ledger_verify`: exit 0 and `OK …`, or one line per breach."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ledger.models import JournalEntry, LedgerAccount, LedgerHold, Posting
from ledger.verification import ledger_breaches


class Command(BaseCommand):
    help = "Check every ledger invariant; non-zero exit on any breach."

    def handle(self, *args: Any, **options: Any) -> None:
        breaches = list(ledger_breaches())
        for breach in breaches:
            self.stdout.write(breach)
        if breaches:
            raise CommandError(f"{len(breaches)} ledger invariant breach(es).")
        self.stdout.write(
            f"OK {LedgerAccount.objects.count()} accounts, "
            f"{JournalEntry.objects.count()} entries, "
            f"{Posting.objects.count()} postings, "
            f"{LedgerHold.objects.count()} holds: every invariant holds."
        )

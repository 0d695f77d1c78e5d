"""Statements against the ledger: each check yields one line per breach.

`ledger_verify` runs them (registered in `AccountsConfig.ready`):

- a statement's new balance equals the receivable's posted balance at its
  cut-off as known when it closed (the postings its read mark covers);
- an account's statements chain: each one's previous balance is the last
  one's new balance, its period starts the day after, and its read mark
  (cut-off, last entry) does not go back. With the first check this proves
  every posting landed on exactly one statement and that the sum of their
  activity is the ledger.
- a statement's cut-off is the end of its last day in its account's zone.
"""

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import F, OuterRef

from accounts.billing_terms import billing_zone, cutoff
from accounts.models import Statement
from ledger.selectors import balance_at_mark_expression


def statements_match_ledger() -> Iterator[str]:
    """Every statement's new balance is the ledger's balance at its mark."""
    mismatched = (
        Statement.objects.annotate(
            ledger_balance=balance_at_mark_expression(
                account=OuterRef("account__receivable_id"),
                before=OuterRef("cutoff_at"),
                through=OuterRef("last_entry_id"),
            )
        )
        .exclude(new_balance=F("ledger_balance"))
        .order_by("pk")
        .values_list("public_id", "period_end", "new_balance", "ledger_balance")
    )
    for public_id, period_end, new_balance, ledger_balance in mismatched:
        yield (
            f"statement {public_id} ending {period_end} says new balance "
            f"{new_balance} but the ledger's posted balance at its cut-off is "
            f"{ledger_balance}"
        )


def statements_chain() -> Iterator[str]:
    """Each account's statements follow on from one another (one pass)."""
    rows = (
        Statement.objects.order_by("account_id", "period_end")
        .values_list(
            "account_id",
            "account__billing_time_zone",
            "public_id",
            "period_start",
            "period_end",
            "previous_balance",
            "new_balance",
            "cutoff_at",
            "last_entry_id",
        )
        .iterator(chunk_size=2_000)
    )
    last = None
    for row in rows:
        account_id, zone, public_id, start, end, opening, _, cut, through = row
        if cut != cutoff(end, billing_zone(zone)):
            yield f"statement {public_id} cut-off {cut} is not the end of {end}"
        if last is not None and last[0] == account_id:
            *_, last_end, _, last_new, last_cut, last_through = last
            if opening != last_new:
                yield (
                    f"statement {public_id} opens at {opening} but the one "
                    f"before closed at {last_new}"
                )
            if start != last_end + timedelta(days=1):
                yield f"statement {public_id} starts {start}, not after {last_end}"
            if cut <= last_cut or through < last_through:
                yield f"statement {public_id} covers less than the one before"
        elif opening != 0:
            yield f"first statement {public_id} opens at {opening}, not 0"
        last = row


STATEMENT_CHECKS = (
    ("statements equal the ledger at their cut-off", statements_match_ledger),
    ("statements follow on", statements_chain),
)


def statement_breaches() -> Iterator[str]:
    for name, run in STATEMENT_CHECKS:
        for breach in run():
            yield f"{name}: {breach}"

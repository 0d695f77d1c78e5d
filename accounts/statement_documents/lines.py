"""A statement's transaction lines: what moved the balance during the period."""

import datetime
import uuid
from dataclasses import dataclass

from accounts.billing_terms import LineGroup, billing_zone
from accounts.models import Statement
from ledger.models import Side
from ledger.selectors import ReadMark, account_postings_between

# What a line says when its entry has no description of its own.
KIND_DESCRIPTIONS = {
    "purchase": "Purchase",
    "refund": "Refund",
    "payment": "Payment",
    "payment_return": "Returned payment",
    "fee_late": "Late fee",
    "fee_returned_payment": "Returned payment fee",
    "interest": "Interest charged",
    "dispute_credit": "Dispute credit",
    "dispute_reversal": "Dispute credit reversed",
    "charge_off": "Balance charged off",
}


def kind_description(kind: str) -> str:
    return KIND_DESCRIPTIONS.get(kind) or kind.replace("_", " ").capitalize()


@dataclass(frozen=True)
class StatementLine:
    """One posting on the account's receivable, from the cardholder's side.

    `amount` is in minor units: positive adds to what is owed (a purchase, a
    fee, a returned payment), negative reduces it (a payment, a refund).
    """

    date: datetime.date
    description: str
    group: LineGroup
    amount: int
    reference: uuid.UUID


def statement_read_marks(*, statement: Statement) -> tuple[ReadMark | None, ReadMark]:
    """What the statement before it covered (None for the first) and what it
    covers: its lines are the difference (see accounts.models.billing)."""
    previous = (
        Statement.objects.filter(
            account_id=statement.account_id, period_end__lt=statement.period_end
        )
        .order_by("-period_end")
        .values_list("cutoff_at", "last_entry_id")
        .first()
    )
    return (
        ReadMark(before=previous[0], through=previous[1]) if previous else None,
        ReadMark(before=statement.cutoff_at, through=statement.last_entry_id),
    )


def statement_lines(*, statement: Statement) -> list[StatementLine]:
    """List the postings on the statement account's receivable that landed
    on it: effective before its cut-off, posted before it closed, and not on
    the statement before (a late posting is listed with its own date).

    Ordered by effective time, then entry.
    """
    previous, current = statement_read_marks(statement=statement)
    postings = account_postings_between(
        account=statement.account.receivable_id, previous=previous, current=current
    )
    zone = billing_zone(statement.account.billing_time_zone)
    lines = []
    for posting in postings:
        entry = posting.entry
        group = LineGroup.for_kind(entry.kind)
        lines.append(
            StatementLine(
                date=entry.effective_at.astimezone(zone).date(),
                description=entry.description or kind_description(entry.kind),
                group=group,
                amount=posting.amount
                if posting.side == Side.DEBIT
                else -posting.amount,
                reference=entry.public_id,
            )
        )
    return lines

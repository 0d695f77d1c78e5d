"""A statement's transaction lines: what moved the balance during the period."""

import datetime
import uuid
from dataclasses import dataclass

from accounts.billing_terms import LineGroup, day_start
from accounts.models import Statement
from ledger.models import Posting, Side

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


def statement_period_bounds(
    *, statement: Statement
) -> tuple[datetime.datetime, datetime.datetime]:
    """Return [period start 00:00 UTC, day after period end 00:00 UTC)."""
    return (
        day_start(statement.period_start),
        day_start(statement.period_end + datetime.timedelta(days=1)),
    )


def statement_lines(*, statement: Statement) -> list[StatementLine]:
    """List the postings on the statement account's receivable in its period.

    Ordered by effective time, then entry; one query when the statement's
    account is loaded (`select_related("account")`), two otherwise.
    """
    start, end = statement_period_bounds(statement=statement)
    postings = (
        Posting.objects.filter(
            account_id=statement.account.receivable_id,
            effective_at__gte=start,
            effective_at__lt=end,
        )
        .select_related("entry")
        .order_by("effective_at", "entry_id", "pk")
    )
    lines = []
    for posting in postings:
        entry = posting.entry
        group = LineGroup.for_kind(entry.kind)
        lines.append(
            StatementLine(
                date=entry.effective_at.astimezone(datetime.UTC).date(),
                description=entry.description or kind_description(entry.kind),
                group=group,
                amount=posting.amount
                if posting.side == Side.DEBIT
                else -posting.amount,
                reference=entry.public_id,
            )
        )
    return lines

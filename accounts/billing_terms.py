"""Billing's shared vocabulary: the ledger entry kinds on a receivable, the
statement line each counts towards, and the UTC days billing works in.

Every posting on a receivable counts towards exactly one statement group:
purchases, fees (kinds starting "fee_"), interest, and everything else
(payments, returned payments, refunds, dispute credits and reversals,
charge-offs) nets into payments and credits. The cycle close and the
statement's lines both classify with `LineGroup.for_kind`, so the lines
always add up to the statement's figures.
"""

import datetime
import enum

PURCHASE = "purchase"
PAYMENT = "payment"
PAYMENT_RETURN = "payment_return"
INTEREST = "interest"
LATE_FEE = "fee_late"
RETURNED_PAYMENT_FEE = "fee_returned_payment"
CHARGE_OFF = "charge_off"
FEE_PREFIX = "fee_"
# What counts as paid towards a statement: payments less returned ones.
PAYMENT_KINDS = (PAYMENT, PAYMENT_RETURN)


class LineGroup(enum.Enum):
    """The statement summary line a posting counts towards (see the contract)."""

    PURCHASE = ("purchase", "Purchase")
    PAYMENT_OR_CREDIT = ("payment_or_credit", "Payment or credit")
    FEE = ("fee", "Fee")
    INTEREST = ("interest", "Interest")

    def __init__(self, key: str, label: str) -> None:
        self.key = key
        self.label = label

    @classmethod
    def for_kind(cls, kind: str) -> "LineGroup":
        """Group an entry kind; anything unnamed nets into payments and credits."""
        if kind == PURCHASE:
            return cls.PURCHASE
        if kind.startswith(FEE_PREFIX):
            return cls.FEE
        if kind == INTEREST:
            return cls.INTEREST
        return cls.PAYMENT_OR_CREDIT


def day_start(day: datetime.date) -> datetime.datetime:
    """The first moment of a UTC day."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def day_end(day: datetime.date) -> datetime.datetime:
    """The last moment of a UTC day: where a cycle's interest is dated."""
    return day_start(day + datetime.timedelta(days=1)) - datetime.timedelta(
        microseconds=1
    )

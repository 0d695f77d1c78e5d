"""Billing's shared vocabulary: the ledger entry kinds on a receivable, the
statement line each counts towards, and the days billing works in: days of
the account's billing time zone (UTC unless its product names another).

Every posting on a receivable counts towards exactly one statement group:
purchases, fees (kinds starting "fee_"), interest, and everything else
(payments, returned payments, refunds, dispute credits and reversals,
charge-offs) nets into payments and credits. The cycle close and the
statement's lines both classify with `LineGroup.for_kind`, so the lines
always add up to the statement's figures.
"""

import datetime
import enum
import zoneinfo

from issuer.kernel.errors import InvalidInput

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


def billing_zone(name: str) -> datetime.tzinfo:
    """The time zone an account's billing days are days of (an IANA name)."""
    return datetime.UTC if name == "UTC" else zoneinfo.ZoneInfo(name)


def validate_time_zone(name: object, *, field: str = "billing_time_zone") -> str:
    """An IANA time zone name this machine knows, or InvalidInput naming field."""
    if not isinstance(name, str) or not name:
        raise InvalidInput.for_field(field, "Name an IANA time zone, e.g. UTC.")
    try:
        billing_zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.for_field(
            field, f"{name!r} is not an IANA time zone, e.g. Europe/Paris."
        ) from None
    return name


def day_start(
    day: datetime.date, zone: datetime.tzinfo = datetime.UTC
) -> datetime.datetime:
    """The first moment of a day in `zone` (UTC by default), as an aware time."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def day_end(
    day: datetime.date, zone: datetime.tzinfo = datetime.UTC
) -> datetime.datetime:
    """The last moment of a day in `zone`: where a cycle's interest is dated."""
    return day_start(day + datetime.timedelta(days=1), zone) - datetime.timedelta(
        microseconds=1
    )


def cutoff(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    """The moment a cycle ending on `day` is over: the next day's start in
    `zone`, as UTC. A statement holds postings effective strictly before it."""
    return day_start(day + datetime.timedelta(days=1), zone).astimezone(datetime.UTC)


def local_day(moment: datetime.datetime, zone: datetime.tzinfo) -> datetime.date:
    """The day of `zone` that an aware moment falls on."""
    return moment.astimezone(zone).date()

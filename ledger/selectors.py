"""Ledger reads. Balances come from running totals: O(shards), never O(history)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from ledger.models import LedgerAccount, LedgerBalance, Posting, Side


@dataclass(frozen=True)
class Totals:
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0
    credits_unsettled: int = 0

    def posted_balance(self, normal_side: str) -> int:
        """The posted balance on the account's normal side (positive = normal)."""
        if normal_side == Side.DEBIT:
            return self.debits_posted - self.credits_posted
        return self.credits_posted - self.debits_posted

    def pending_balance(self, normal_side: str) -> int:
        if normal_side == Side.DEBIT:
            return self.debits_pending - self.credits_pending
        return self.credits_pending - self.debits_pending


_TOTALS_SQL = (
    "SELECT COALESCE(SUM(debits_posted), 0), COALESCE(SUM(credits_posted), 0), "
    "COALESCE(SUM(debits_pending), 0), COALESCE(SUM(credits_pending), 0), "
    "COALESCE(SUM(credits_unsettled), 0) "
    f"FROM {LedgerBalance._meta.db_table} WHERE account_id = %s"
)


def account_totals(*, account: LedgerAccount | int) -> Totals:
    """Running totals of an account, summed over its shards (one statement).

    Hand-written: it runs on every authorization and the ORM's aggregate
    compilation costs more than the query.
    """
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS_SQL, [account_id])
        row = cursor.fetchone()
    return Totals(*(int(value) for value in row))


@dataclass(frozen=True)
class Movement:
    """One posting on an account, as statements need it."""

    effective_at: datetime
    kind: str
    side: str
    amount: int
    entry_id: int = 0

    @property
    def day(self) -> date:
        return self.effective_at.astimezone(UTC).date()

    @property
    def debit(self) -> int:
        """Signed for a debit-normal account: debits add, credits subtract."""
        return self.amount if self.side == Side.DEBIT else -self.amount


def account_movements(
    *, account: LedgerAccount | int, start: datetime, end: datetime
) -> list[Movement]:
    """The account's postings effective in [start, end), oldest first.

    One index range scan on (account, effective_at): as cheap with ten
    years of history as with one month.
    """
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    rows = (
        Posting.objects.filter(
            account_id=account_id, effective_at__gte=start, effective_at__lt=end
        )
        .order_by("effective_at", "pk")
        .values_list("effective_at", "entry__kind", "side", "amount")
    )
    return [Movement(*row) for row in rows]


@dataclass(frozen=True)
class ReadMark:
    """What a reader of an account (a statement) covered: the postings
    effective before `before` in entries up to `through`.

    Entries only grow, so a posting is covered by the first of a series of
    growing marks that covers it, and by exactly one of the differences
    between consecutive marks (`account_postings_between`).
    """

    before: datetime
    through: int


def account_last_entry_id(*, account: LedgerAccount | int) -> int:
    """The newest journal entry with a posting on the account (0 when none).

    Read under the lock every poster on the account takes, it is a mark no
    later commit can fall below.
    """
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    newest = Posting.objects.filter(account_id=account_id).aggregate(
        newest=Max("entry_id")
    )["newest"]
    return int(newest or 0)


def _between(
    account_id: int, previous: ReadMark | None, current: ReadMark
) -> list[QuerySet[Posting]]:
    covered = Posting.objects.filter(
        account_id=account_id,
        effective_at__lt=current.before,
        entry_id__lte=current.through,
    )
    if previous is None:
        return [covered]
    # Two index ranges, disjoint: on time after the previous cut-off, and on
    # entries after the previous mark but dated before its cut-off (late).
    return [
        covered.filter(effective_at__gte=previous.before),
        covered.filter(effective_at__lt=previous.before, entry_id__gt=previous.through),
    ]


def account_postings_between(
    *, account: LedgerAccount | int, previous: ReadMark | None, current: ReadMark
) -> list[Posting]:
    """The postings `current` covers and `previous` did not, with their
    entries, ordered by effective time then entry."""
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    postings = [
        posting
        for queryset in _between(account_id, previous, current)
        for posting in queryset.select_related("entry")
    ]
    return sorted(postings, key=lambda p: (p.effective_at, p.entry_id, p.pk))


def account_movements_between(
    *, account: LedgerAccount | int, previous: ReadMark | None, current: ReadMark
) -> list[Movement]:
    """`account_postings_between` as movements (oldest first), cheaply."""
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    rows = [
        Movement(*row)
        for queryset in _between(account_id, previous, current)
        for row in queryset.values_list(
            "effective_at", "entry__kind", "side", "amount", "entry_id"
        )
    ]
    return sorted(rows, key=lambda m: (m.effective_at, m.entry_id))


def account_balance_at_mark(*, account: LedgerAccount | int, mark: ReadMark) -> int:
    """Debits minus credits of the postings a mark covers."""
    account_id = account.pk if isinstance(account, LedgerAccount) else account
    total = 0
    for side, amount in (
        Posting.objects.filter(
            account_id=account_id,
            effective_at__lt=mark.before,
            entry_id__lte=mark.through,
        )
        .values("side")
        .annotate(total=Sum("amount"))
        .values_list("side", "total")
    ):
        total += int(amount) if side == Side.DEBIT else -int(amount)
    return total


def balance_at_mark_expression(
    *, account: OuterRef, before: OuterRef, through: OuterRef
) -> Coalesce:
    """For a query over rows that name an account and a read mark: debits
    minus credits of the postings the mark covers (one subquery a row)."""
    signed = Case(
        When(side=Side.DEBIT, then=F("amount")),
        default=-F("amount"),
        output_field=BigIntegerField(),
    )
    covered = (
        Posting.objects.filter(
            account_id=account, effective_at__lt=before, entry_id__lte=through
        )
        .order_by()
        .values("account_id")
        .annotate(net=Sum(signed))
        .values("net")
    )
    return Coalesce(Subquery(covered), Value(0), output_field=BigIntegerField())

"""Running activity counters: approvals counted by owner and time bucket.

Every approval adds 1 and its amount to its card's minute, hour, day and
month buckets and to its account's day and month buckets, in one upsert
statement, in the transaction that places the hold and after the credit
account's row lock (`accounts.lock_objects`), so two approvals on one
account never decide from the same counts. A release (reversal, expiry,
the remainder of a final capture) takes its amount back from the buckets
the authorization was counted in, in one statement; the count stays.

Buckets are calendar buckets in UTC. A trailing window (a velocity rule's
`window_seconds`) is read as every bucket from the one holding
`now - window_seconds` to now: it may count a little more than the exact
window (never less), so a bound is never passed, and a burst may be
declined up to one bucket early. The bucket size grows with the window so a
read stays short: minutes up to an hour, hours up to two days, days beyond.

The counters are generic running aggregates (see `ActivityCounter`):
`activity_totals` reads any set of windows in one query.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from cards.models import ActivityCounter

Scope = ActivityCounter.Scope
Granularity = ActivityCounter.Granularity

CARD_GRANULARITIES = (
    Granularity.MINUTE,
    Granularity.HOUR,
    Granularity.DAY,
    Granularity.MONTH,
)
ACCOUNT_GRANULARITIES = (Granularity.DAY, Granularity.MONTH)
MINUTE_BUCKETS_UP_TO_SECONDS = 3_600
HOUR_BUCKETS_UP_TO_SECONDS = 2 * 86_400
# How long each bucket size is kept: beyond the longest window read from it
# (velocity windows are at most 31 days; months are kept for a year and more).
RETENTION = {
    Granularity.MINUTE: datetime.timedelta(hours=2),
    Granularity.HOUR: datetime.timedelta(days=3),
    Granularity.DAY: datetime.timedelta(days=40),
    Granularity.MONTH: datetime.timedelta(days=400),
}
PRUNE_BATCH = 5_000


def bucket_start(moment: datetime.datetime, granularity: str) -> datetime.datetime:
    """The UTC start of the calendar bucket holding `moment`."""
    utc = moment.astimezone(datetime.UTC)
    if granularity == Granularity.MINUTE:
        return utc.replace(second=0, microsecond=0)
    if granularity == Granularity.HOUR:
        return utc.replace(minute=0, second=0, microsecond=0)
    day = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == Granularity.DAY:
        return day
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    raise ValueError(f"Unknown granularity {granularity!r}.")


def granularity_for_window(window_seconds: int) -> str:
    """The bucket size a trailing window of this length is read from."""
    if window_seconds <= MINUTE_BUCKETS_UP_TO_SECONDS:
        return Granularity.MINUTE
    if window_seconds <= HOUR_BUCKETS_UP_TO_SECONDS:
        return Granularity.HOUR
    return Granularity.DAY


@dataclass(frozen=True)
class Window:
    """What to total: one owner's buckets of one size from `since` on."""

    scope: str
    owner_id: int
    granularity: str
    since: datetime.datetime

    def covers(self, row: tuple[str, int, str, datetime.datetime]) -> bool:
        scope, owner_id, granularity, start = row
        mine = (self.scope, self.owner_id, self.granularity)
        return (scope, owner_id, granularity) == mine and start >= self.since


@dataclass(frozen=True)
class Totals:
    count: int
    amount: int


def calendar_window(
    *, scope: str, owner_id: int, granularity: str, now: datetime.datetime
) -> Window:
    """The current calendar day or month (UTC) of one owner."""
    return Window(scope, owner_id, granularity, bucket_start(now, granularity))


def trailing_window(
    *, scope: str, owner_id: int, window_seconds: int, now: datetime.datetime
) -> Window:
    """At least the last `window_seconds` of one owner (see the module doc)."""
    granularity = granularity_for_window(window_seconds)
    since = now - datetime.timedelta(seconds=window_seconds)
    return Window(scope, owner_id, granularity, bucket_start(since, granularity))


def activity_totals(windows: Iterable[Window]) -> dict[Window, Totals]:
    """Count and amount in each window, from one query (none for no window)."""
    wanted = list(dict.fromkeys(windows))
    if not wanted:
        return {}
    earliest: dict[tuple[str, int, str], datetime.datetime] = {}
    for window in wanted:
        key = (window.scope, window.owner_id, window.granularity)
        earliest[key] = min(earliest.get(key, window.since), window.since)
    condition = Q()
    for (scope, owner_id, granularity), since in earliest.items():
        condition |= Q(
            scope=scope,
            owner_id=owner_id,
            granularity=granularity,
            bucket_start__gte=since,
        )
    rows = list(
        ActivityCounter.objects.filter(condition).values_list(
            "scope", "owner_id", "granularity", "bucket_start", "count", "amount"
        )
    )
    totals = {}
    for window in wanted:
        counted = [row for row in rows if window.covers(row[:4])]
        totals[window] = Totals(
            count=sum(row[4] for row in counted),
            amount=sum(row[5] for row in counted),
        )
    return totals


def _buckets(
    *, card_id: int, account_id: int, at: datetime.datetime
) -> list[tuple[str, int, str, datetime.datetime]]:
    owners: list[tuple[str, int, tuple[str, ...]]] = [
        (Scope.CARD, card_id, CARD_GRANULARITIES),
        (Scope.ACCOUNT, account_id, ACCOUNT_GRANULARITIES),
    ]
    return [
        (scope, owner_id, granularity, bucket_start(at, granularity))
        for scope, owner_id, granularities in owners
        for granularity in granularities
    ]


def activity_count_approval(
    *,
    card_id: int,
    account_id: int,
    amount: int,
    currency: str,
    at: datetime.datetime,
) -> None:
    """Add one approval of `amount` to every bucket it falls in: one upsert.

    Call it inside the transaction that holds the credit account's row lock.
    """
    table = connection.ops.quote_name(ActivityCounter._meta.db_table)
    columns = "scope, owner_id, granularity, bucket_start, count, amount, currency"
    buckets = _buckets(card_id=card_id, account_id=account_id, at=at)
    params: list[Any] = []
    for scope, owner_id, granularity, start in buckets:
        params += [
            scope,
            owner_id,
            granularity,
            connection.ops.adapt_datetimefield_value(start),
            1,
            amount,
            currency,
        ]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(buckets))
    if connection.vendor == "mysql":
        on_conflict = (
            "ON DUPLICATE KEY UPDATE count = count + VALUES(count), "
            "amount = amount + VALUES(amount)"
        )
    else:  # SQLite and PostgreSQL
        on_conflict = (
            "ON CONFLICT (scope, owner_id, granularity, bucket_start) DO UPDATE "
            f"SET count = {table}.count + excluded.count, "
            f"amount = {table}.amount + excluded.amount"
        )
    with connection.cursor() as cursor:
        # Only this module's own table name and placeholders are formatted in.
        sql = f"INSERT INTO {table} ({columns}) VALUES {values} {on_conflict}"  # noqa: S608
        cursor.execute(sql, params)


def activity_release(
    *, card_id: int, account_id: int, amount: int, at: datetime.datetime
) -> None:
    """Take `amount` back from the buckets of an approval made at `at`: one
    update. Buckets already pruned are left alone; none goes below zero."""
    if amount <= 0:
        return
    condition = Q()
    for scope, owner_id, granularity, start in _buckets(
        card_id=card_id, account_id=account_id, at=at
    ):
        condition |= Q(
            scope=scope, owner_id=owner_id, granularity=granularity, bucket_start=start
        )
    ActivityCounter.objects.filter(condition).update(
        amount=Greatest(F("amount") - amount, 0)
    )


def activity_uncount_approval(
    *, card_id: int, account_id: int, amount: int, at: datetime.datetime
) -> None:
    """Take back an approval counted at `at` that did not stand (its program
    declined it): its count and its amount, from every bucket, in one update.

    Call it under the credit account's row lock, like the count itself.
    """
    condition = Q()
    for scope, owner_id, granularity, start in _buckets(
        card_id=card_id, account_id=account_id, at=at
    ):
        condition |= Q(
            scope=scope, owner_id=owner_id, granularity=granularity, bucket_start=start
        )
    ActivityCounter.objects.filter(condition).update(
        count=Greatest(F("count") - 1, 0), amount=Greatest(F("amount") - amount, 0)
    )


def activity_counters_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete buckets past their retention, in batches; return how many."""
    now = now or timezone.now()
    deleted = 0
    for granularity, keep in RETENTION.items():
        older = bucket_start(now - keep, granularity)
        while True:
            batch = list(
                ActivityCounter.objects.filter(
                    granularity=granularity, bucket_start__lt=older
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:PRUNE_BATCH]
            )
            if not batch:
                break
            deleted += ActivityCounter.objects.filter(pk__in=batch).delete()[0]
    return deleted

"""The running activity counters: buckets, what an approval adds, what a
release takes back, and the windows the decision reads from them."""

import datetime

import pytest
from django.utils import timezone

from cards.models import ActivityCounter, Authorization, Card, VelocityRule
from cards.selectors import card_spent
from cards.services.activity import (
    activity_counters_prune,
    bucket_start,
    granularity_for_window,
    trailing_window,
)
from cards.services.authorizations import authorization_create, velocity_rules_forget
from cards.services.clearing import (
    authorization_capture,
    authorization_reverse,
    stale_holds_expire,
)
from cards.tests.conftest import authorization_request
from issuer.kernel.models import OutboxEvent
from ledger.models import LedgerHold
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOON = datetime.datetime(2026, 3, 14, 12, 0, 30, 500, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_velocity_rules():
    velocity_rules_forget()
    yield
    velocity_rules_forget()


@pytest.fixture
def clock(monkeypatch):
    """`clock(at)`: timezone.now() returns `at` from then on."""

    def set_to(at: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: at)

    return set_to


def _authorize(test_card, amount: int) -> Authorization:
    return authorization_create(
        request=authorization_request(test_card, amount=amount), partner=None
    )


def _counters(test_card) -> dict[tuple[str, str], tuple[int, int]]:
    """(scope, granularity) -> (count, amount), summed over buckets."""
    card = test_card.issued.card
    rows = ActivityCounter.objects.filter(
        scope="card", owner_id=card.pk
    ) | ActivityCounter.objects.filter(scope="account", owner_id=card.account_id)
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for row in rows:
        count, amount = totals.get((row.scope, row.granularity), (0, 0))
        totals[(row.scope, row.granularity)] = (count + row.count, amount + row.amount)
    return totals


def _all_buckets(count: int, amount: int) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        ("card", "minute"): (count, amount),
        ("card", "hour"): (count, amount),
        ("card", "day"): (count, amount),
        ("card", "month"): (count, amount),
        ("account", "day"): (count, amount),
        ("account", "month"): (count, amount),
    }


def test_buckets_are_calendar_buckets_in_utc():
    at = datetime.datetime(
        2026, 3, 1, 1, 30, 15, 7, tzinfo=datetime.timezone(datetime.timedelta(hours=5))
    )  # 2026-02-28 20:30:15.000007 UTC

    assert bucket_start(at, "minute") == datetime.datetime(
        2026, 2, 28, 20, 30, tzinfo=UTC
    )
    assert bucket_start(at, "hour") == datetime.datetime(2026, 2, 28, 20, tzinfo=UTC)
    assert bucket_start(at, "day") == datetime.datetime(2026, 2, 28, tzinfo=UTC)
    assert bucket_start(at, "month") == datetime.datetime(2026, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "granularity"),
    [
        (1, "minute"),
        (3_600, "minute"),
        (3_601, "hour"),
        (172_800, "hour"),
        (172_801, "day"),
        (31 * 86_400, "day"),
    ],
)
def test_the_bucket_size_grows_with_the_window(seconds, granularity):
    assert granularity_for_window(seconds) == granularity


def test_a_trailing_window_starts_at_the_bucket_holding_its_start():
    window = trailing_window(scope="card", owner_id=7, window_seconds=60, now=NOON)

    assert window.granularity == "minute"
    assert window.since == datetime.datetime(2026, 3, 14, 11, 59, tzinfo=UTC)


def test_an_approval_counts_in_every_bucket_and_a_decline_in_none(issue_card):
    test_card = issue_card(limit=5_000)

    assert _authorize(test_card, 1_250).status == "approved"
    assert _authorize(test_card, 4_000).status == "declined"  # 51: no credit

    assert _counters(test_card) == _all_buckets(1, 1_250)
    assert set(ActivityCounter.objects.values_list("currency", flat=True)) == {"USD"}


def test_a_reversal_stops_counting_and_shows_as_reversed(test_card):
    """Given 3,000 approved, when 1,000 is reversed, then every bucket holds
    2,000 (the count stays 1) and the authorization shows 1,000 reversed."""
    authorization = _authorize(test_card, 3_000)

    authorization_reverse(authorization=authorization, amount=1_000)

    assert _counters(test_card) == _all_buckets(1, 2_000)
    assert Authorization.objects.get(pk=authorization.pk).reversed_amount == 1_000


def test_a_final_partial_capture_releases_the_remainder(test_card):
    """2,000 held, 1,500 captured as final: 500 is released, reversed on the
    authorization, and no longer counted; a daily limit of 3,000 then lets
    exactly 1,500 more through."""
    Card.objects.filter(pk=test_card.issued.card.pk).update(daily_limit=3_000)
    authorization = _authorize(test_card, 2_000)

    authorization_capture(authorization=authorization, amount=1_500, final=True)

    stored = Authorization.objects.get(pk=authorization.pk)
    assert (stored.captured_amount, stored.reversed_amount) == (1_500, 500)
    assert _counters(test_card) == _all_buckets(1, 1_500)
    assert _authorize(test_card, 1_501).response_code == "61"
    assert _authorize(test_card, 1_500).status == "approved"
    assert list(ledger_breaches()) == []


def test_a_partial_capture_that_is_not_final_releases_nothing(test_card):
    authorization = _authorize(test_card, 2_000)

    authorization_capture(authorization=authorization, amount=1_500)

    assert Authorization.objects.get(pk=authorization.pk).reversed_amount == 0
    assert _counters(test_card) == _all_buckets(1, 2_000)


def test_an_expired_hold_stops_counting_and_shows_as_reversed(test_card):
    """An approval of 2,000 with 500 captured expires: 1,500 is released."""
    Card.objects.filter(pk=test_card.issued.card.pk).update(daily_limit=2_500)
    authorization = _authorize(test_card, 2_000)
    authorization_capture(authorization=authorization, amount=500)
    assert _authorize(test_card, 501).response_code == "61"

    expired = stale_holds_expire(now=timezone.now() + datetime.timedelta(days=30))

    assert expired == 1
    stored = Authorization.objects.get(pk=authorization.pk)
    assert (stored.captured_amount, stored.reversed_amount) == (500, 1_500)
    assert _counters(test_card) == _all_buckets(1, 500)
    assert OutboxEvent.objects.filter(type="authorization.expired").count() == 1
    assert _authorize(test_card, 2_000).status == "approved"
    assert list(ledger_breaches()) == []


def test_a_hold_expired_twice_is_released_once(test_card):
    """Two sweeps holding the same stale hold (or a sweep and a forced
    capture): the second finds it expired under its lock and releases
    nothing more, so other approvals keep counting."""
    from cards.services.clearing import _expire_one

    first = _authorize(test_card, 2_000)
    other = _authorize(test_card, 300)
    hold = LedgerHold.objects.get(pk=first.hold_id)

    assert _expire_one(hold) is True
    assert _expire_one(hold) is False  # the stale copy a racing sweep holds

    stored = Authorization.objects.get(pk=first.pk)
    assert stored.reversed_amount == 2_000
    assert _counters(test_card) == _all_buckets(2, other.amount)
    assert OutboxEvent.objects.filter(type="authorization.expired").count() == 1
    assert list(ledger_breaches()) == []


def test_the_api_shows_what_an_expiry_released(partner_client, test_card):
    """GET authorization: `reversed_amount` is what was released, whatever
    released it; captured + reversed + pending = the amount."""
    from cards.tests.conftest import authorization_body

    response = partner_client.post(
        "/api/v1/authorizations",
        authorization_body(test_card, amount=2_000),
        format="json",
    )
    authorization_id = response.json()["id"]
    authorization = Authorization.objects.get(public_id=authorization_id)
    authorization_capture(authorization=authorization, amount=700)
    stale_holds_expire(now=timezone.now() + datetime.timedelta(days=30))

    body = partner_client.get(f"/api/v1/authorizations/{authorization_id}").json()

    assert (
        body["amount"],
        body["captured_amount"],
        body["reversed_amount"],
        body["pending_amount"],
    ) == (2_000, 700, 1_300, 0)


def test_the_admin_lists_the_reversed_amount(admin_client, test_card):
    authorization = _authorize(test_card, 2_000)
    authorization_reverse(authorization=authorization, amount=750)

    page = admin_client.get("/admin/cards/authorization/")

    assert page.status_code == 200
    assert "Reversed amount" in page.content.decode()
    assert ">750<" in page.content.decode()


def test_the_month_resets_at_00_00_utc_on_the_first(test_card, clock):
    Card.objects.filter(pk=test_card.issued.card.pk).update(monthly_limit=3_000)
    first_of_april = datetime.datetime(2026, 4, 1, tzinfo=UTC)
    clock(first_of_april - datetime.timedelta(microseconds=1))
    assert _authorize(test_card, 3_000).status == "approved"
    assert _authorize(test_card, 1).response_code == "61"

    clock(first_of_april)

    assert _authorize(test_card, 3_000).status == "approved"


def test_a_velocity_count_reads_whole_minutes_never_less_than_the_window(
    test_card, clock
):
    """3 a minute, 3 approved at 12:00:30: at 12:01:31 the exact trailing
    minute is empty of them, but its first bucket (12:00) is not, so the
    fourth is still declined (one bucket early, never late); at 12:02:00 the
    window starts in the 12:01 bucket and it is approved."""
    VelocityRule.objects.create(name="3 a minute", window_seconds=60, max_count=3)
    clock(NOON)
    for _ in range(3):
        assert _authorize(test_card, 100).status == "approved"
    clock(NOON + datetime.timedelta(seconds=29))
    assert _authorize(test_card, 100).response_code == "65"

    clock(NOON + datetime.timedelta(seconds=61))
    assert _authorize(test_card, 100).response_code == "65"

    clock(datetime.datetime(2026, 3, 14, 12, 2, tzinfo=UTC))
    assert _authorize(test_card, 100).status == "approved"


def test_a_velocity_amount_counts_net_of_releases(test_card):
    VelocityRule.objects.create(
        name="5,000 an hour", window_seconds=3_600, max_amount=5_000
    )
    first = _authorize(test_card, 4_000)
    assert _authorize(test_card, 1_001).response_code == "65"

    authorization_reverse(authorization=first, amount=1_000)

    assert _authorize(test_card, 2_000).status == "approved"
    assert _authorize(test_card, 1).response_code == "65"


def test_the_portal_reads_the_same_counters(test_card):
    authorization = _authorize(test_card, 2_000)
    authorization_reverse(authorization=authorization, amount=500)

    spent = card_spent(card=test_card.issued.card, now=timezone.now())

    assert (spent.day, spent.month) == (1_500, 1_500)


def test_pruning_keeps_every_bucket_a_window_can_still_read(test_card, clock):
    clock(NOON)
    _authorize(test_card, 1_000)

    deleted = activity_counters_prune(now=NOON + datetime.timedelta(hours=3))

    assert deleted == 1  # the minute bucket; the hour is kept 3 days
    assert _counters(test_card) == {
        key: value
        for key, value in _all_buckets(1, 1_000).items()
        if key != ("card", "minute")
    }
    assert activity_counters_prune(now=NOON + datetime.timedelta(days=500)) == 5
    assert ActivityCounter.objects.count() == 0


def test_the_migration_fills_the_counters_as_the_approvals_left_them(test_card):
    """Given approvals made before the counters (3,000 reversed by 1,000 then
    expired, 2,000 expired, 500 pending) with `reversed_amount` as the old
    code left it (reversals only), when the migration's data steps run, then
    `reversed_amount` counts the expiries and the counters hold what the
    service counted."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cards.migrations.0008_activity_counters")
    reversed_one = _authorize(test_card, 3_000)
    authorization_reverse(authorization=reversed_one, amount=1_000)
    expired = _authorize(test_card, 2_000)
    stale_holds_expire(now=timezone.now() + datetime.timedelta(days=30))
    _authorize(test_card, 500)
    expected = _counters(test_card)
    assert [
        Authorization.objects.get(pk=pk).reversed_amount
        for pk in (reversed_one.pk, expired.pk)
    ] == [3_000, 2_000]
    Authorization.objects.filter(pk=reversed_one.pk).update(reversed_amount=1_000)
    Authorization.objects.filter(pk=expired.pk).update(reversed_amount=0)
    ActivityCounter.objects.all().delete()

    migration.released_as_reversed(apps, None)
    migration.count_recent_approvals(apps, None)

    assert [
        Authorization.objects.get(pk=pk).reversed_amount
        for pk in (reversed_one.pk, expired.pk)
    ] == [3_000, 2_000]
    assert expected == _all_buckets(3, 500)
    assert _counters(test_card) == expected

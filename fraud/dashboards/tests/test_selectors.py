"""Every dashboard figure of the small world (see conftest), worked out by
hand, over the 24 hours to 2026-03-10 14:30 UTC in hourly buckets."""

from datetime import UTC, datetime

import pytest

from fraud.dashboards import selectors
from fraud.dashboards.models import ImpactAssumptions
from fraud.dashboards.tests.conftest import FIXED_NOW
from fraud.models import ReviewCase
from fraud.services.live import live_transaction_id
from issuer.kernel.errors import InvalidInput


def hour(value: int) -> int:
    """Index of today's bucket `value`:00 in the 24-hour window (15:00 is 0)."""
    return value + 9


def at(values: list, **by_hour: object) -> bool:
    """`values` holds by_hour's values at those hours and None or 0 elsewhere."""
    expected = {hour(int(name[1:])): value for name, value in by_hour.items()}
    return all(
        value == expected[index] if index in expected else value in (None, 0)
        for index, value in enumerate(values)
    )


@pytest.fixture
def window():
    return selectors.dashboard_window(key="24h", now=FIXED_NOW)


def test_the_window_is_24_hourly_buckets_ending_with_the_current_one(window):
    assert window.start == datetime(2026, 3, 9, 15, tzinfo=UTC)
    assert window.end == datetime(2026, 3, 10, 15, tzinfo=UTC)
    assert len(window.buckets) == 24
    assert window.buckets[hour(11)] == datetime(2026, 3, 10, 11, tzinfo=UTC)


def test_an_unknown_window_names_the_field():
    with pytest.raises(InvalidInput) as raised:
        selectors.dashboard_window(key="2y", now=FIXED_NOW)

    assert list(raised.value.fields) == ["window"]


def test_labels_are_read_from_the_live_history_rows(world, window):
    """The ids `live_transaction_id` gives, read back as authorizations."""
    labels = selectors._labels(window)

    by_id = {a.public_id: name for name, a in world.authorizations.items()}
    assert sorted(by_id[public_id] for public_id in labels[True]) == ["a2", "a5", "a7"]
    assert [by_id[public_id] for public_id in labels[False]] == ["a3"]
    assert live_transaction_id(world.authorizations["a3"]).startswith(
        selectors.LIVE_PREFIX
    )


def test_volume_decline_and_fraud_rates(world, window):
    volume = selectors.authorization_volume(window=window)

    assert volume["totals"] == {
        "authorizations": 6,
        "approved": 5,
        "declined": 1,
        "decline_rate": 1 / 6,
        "confirmed_fraud": 3,
        "fraud_rate": 3 / 6,
    }
    assert at(volume["approved"], h11=2, h13=1, h14=2)
    assert at(volume["declined"], h13=1)
    assert at(volume["decline_rate"], h11=0.0, h13=0.5, h14=0.0)
    assert at(volume["fraud"], h11=1, h14=2)
    assert at(volume["fraud_rate"], h11=0.5, h13=0.0, h14=1.0)


def test_tiers_and_histogram_count_the_active_scores_only(world, window):
    tiers = selectors.tier_distribution(window=window)
    histogram = selectors.score_histogram(window=window)

    assert tiers == {
        "tiers": ["low", "medium", "high", "critical"],
        "counts": [2, 1, 1, 1],
    }
    # 0.05 | 0.15, 0.25 | 0.55, 0.95
    assert histogram["counts"] == [0, 0, 0, 0, 0, 0, 1, 2, 2]
    assert histogram["labels"][6:] == ["0.03-0.1", "0.1-0.3", "0.3-1"]


def test_a_bin_holds_its_lower_edge_and_the_last_holds_one(world, window):
    from fraud.models import FraudScore

    FraudScore.objects.filter(score=0.95).update(score=1.0)
    FraudScore.objects.filter(score=0.05).update(score=0.0)
    FraudScore.objects.filter(score=0.15).update(score=0.0001)

    counts = selectors.score_histogram(window=window)["counts"]

    assert counts == [1, 1, 0, 0, 0, 0, 0, 1, 2]


def test_fraud_by_hour_of_day(world, window):
    hours = selectors.fraud_by_hour(window=window)

    assert hours["hours"] == list(range(24))
    assert [hours["authorizations"][h] for h in (11, 13, 14)] == [2, 2, 2]
    assert sum(hours["authorizations"]) == 6
    assert [hours["fraud"][h] for h in (11, 13, 14)] == [1, 0, 2]
    assert sum(hours["fraud"]) == 3
    assert [hours["fraud_rate"][h] for h in (10, 11, 13, 14)] == [None, 0.5, 0.0, 1.0]


def test_queue_health(world, window):
    ReviewCase.objects.filter(pk=world.cases["a1"].pk).update(is_escalated=True)

    queue = selectors.queue_health(window=window, now=FIXED_NOW)

    assert {
        key: queue[key] for key in ("open", "in_review", "overdue", "escalated")
    } == {"open": 1, "in_review": 1, "overdue": 1, "escalated": 1}
    assert queue["oldest_pending_at"] == datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert (queue["opened"], queue["closed"], queue["closed_late"]) == (4, 2, 1)
    assert queue["outcomes"] == {
        "confirmed_fraud": 1,
        "legitimate": 1,
        "inconclusive": 0,
    }
    assert at(queue["opened_series"], h11=1, h12=1, h13=2)
    assert at(queue["closed_series"], h12=1, h14=1)
    assert queue["throughput"] == [{"analyst": "ana", "closed": 2, "late": 1}]


def test_latest_authorizations_newest_first_with_the_active_score(world):
    latest = selectors.authorizations_latest(limit=3)

    names = {a.public_id: name for name, a in world.authorizations.items()}
    assert [names[row["id"]] for row in latest] == ["a7", "a5", "a4"]
    assert [(row["score"], row["tier"]) for row in latest] == [
        (None, None),
        (0.15, "low"),
        (0.25, "medium"),
    ]
    assert latest[2]["status"] == "declined"
    assert latest[1]["amount"] == 4_000
    assert latest[1]["card_last_four"] == world.authorizations["a5"].card.last_four


def test_model_performance_of_the_active_and_shadow_versions(world, window):
    """Active on a2 (fraud) 0.55, a3 (genuine) 0.95, a5 (fraud) 0.15;
    shadow on the same 0.60, 0.30, 0.70. The retired version scored nothing
    in the window and is left out."""
    versions = selectors.model_performance(window=window)["versions"]

    assert [v["id"] for v in versions] == [
        world.active.public_id,
        world.shadow.public_id,
    ]
    active, shadow = versions
    assert (active["status"], active["labelled"], active["frauds"]) == ("active", 3, 2)
    assert active["average_precision"] == pytest.approx(7 / 12, abs=1e-15)
    assert [
        (p["tier"], p["flagged"], p["true_positives"], p["precision"], p["recall"])
        for p in active["at_thresholds"]
    ] == [
        ("medium", 2, 1, 0.5, 0.5),
        ("high", 2, 1, 0.5, 0.5),
        ("critical", 1, 0, 0.0, 0.0),
    ]
    assert shadow["status"] == "shadow"
    assert shadow["average_precision"] == 1.0
    assert [(p["precision"], p["recall"]) for p in shadow["at_thresholds"]] == [
        (2 / 3, 1.0),
        (1.0, 1.0),
        (None, 0.0),
    ]
    series = active["series"]
    assert at(series["labelled"], h11=1, h13=1, h14=1)
    assert at(series["average_precision"], h11=1.0, h14=1.0)
    assert at(series["precision_at_high"], h11=1.0, h13=0.0)
    assert at(series["recall_at_high"], h11=1.0, h14=0.0)


def test_business_impact_under_the_default_assumptions(world, window):
    """Caught: a2 (2,000). Missed: a5 (4,000; a flag is no action). False
    positive: a3. Four cases. The EUR fraud a7 is left out."""
    figures = selectors.business_impact(
        window=window, assumptions=selectors.impact_assumptions_get()
    )

    counts, totals = figures["counts"], figures["totals"]
    assert (counts.caught_fraud, counts.caught_fraud_amount) == (1, 2_000)
    assert (counts.missed_fraud, counts.missed_fraud_amount) == (1, 4_000)
    assert (counts.false_positives, counts.cases_opened) == (1, 4)
    assert figures["other_currency_transactions"] == 1
    assert totals.fraud_prevented == 2_000
    assert totals.recovered == 1_000
    assert totals.fraud_losses == 3_000
    assert totals.review_cost == 6_000
    assert totals.false_positive_cost == 500
    assert totals.net_benefit == 2_000 - 6_000 - 500
    per_hour = figures["series"]
    assert at([point.fraud_prevented for point in per_hour], h11=2_000)
    assert at(
        [point.review_cost for point in per_hour], h11=1_500, h12=1_500, h13=3_000
    )
    assert at([point.false_positive_cost for point in per_hour], h13=500)
    assert at([point.fraud_losses for point in per_hour], h14=3_000)


def test_business_impact_follows_the_stored_assumptions(
    world, window, stored_assumptions
):
    ImpactAssumptions.objects.filter(pk=1).update(
        currency="EUR", review_cost_per_case=0, chargeback_recovery_basis_points=0
    )

    figures = selectors.business_impact(
        window=window, assumptions=selectors.impact_assumptions_get()
    )

    assert figures["counts"].missed_fraud_amount == 7_000
    assert figures["totals"].fraud_losses == 7_000
    assert figures["totals"].review_cost == 0
    assert figures["other_currency_transactions"] == 3


def test_without_a_stored_row_the_defaults_apply(db):
    ImpactAssumptions.objects.all().delete()

    assumptions = selectors.impact_assumptions_get()

    assert assumptions._state.adding
    assert (
        assumptions.currency,
        assumptions.review_cost_per_case,
        assumptions.false_positive_cost,
        assumptions.chargeback_recovery_basis_points,
    ) == ("USD", 1_500, 500, 2_500)

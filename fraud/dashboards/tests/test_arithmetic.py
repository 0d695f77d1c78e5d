"""The dashboards' arithmetic, with values worked out by hand."""

from datetime import UTC, datetime, timedelta

import pytest
from sklearn.metrics import average_precision_score

from fraud.dashboards.arithmetic import (
    Assumptions,
    ImpactCounts,
    bucket_label,
    bucket_starts,
    histogram_labels,
    impact,
    model_quality,
    rate,
    rates,
    recovered_amount,
    series,
)

END = datetime(2026, 3, 10, 14, 37, 12, 345, tzinfo=UTC)


def test_a_rate_divides_and_is_none_without_a_denominator():
    assert rate(1, 4) == 0.25
    assert rate(0, 3) == 0.0
    assert rate(3, 0) is None
    assert rates([1, 0, 2], [4, 0, 2]) == [0.25, None, 1.0]


def test_buckets_cover_the_span_up_to_the_bucket_now_falls_in():
    hours = bucket_starts(end=END, span=timedelta(hours=24), unit="hour")
    minutes = bucket_starts(end=END, span=timedelta(hours=1), unit="minute")
    days = bucket_starts(end=END, span=timedelta(days=7), unit="day")

    assert len(hours) == 24
    assert hours[0] == datetime(2026, 3, 9, 15, tzinfo=UTC)
    assert hours[-1] == datetime(2026, 3, 10, 14, tzinfo=UTC)
    assert len(minutes) == 60
    assert minutes[0] == datetime(2026, 3, 10, 13, 38, tzinfo=UTC)
    assert minutes[-1] == datetime(2026, 3, 10, 14, 37, tzinfo=UTC)
    assert days == [datetime(2026, 3, day, tzinfo=UTC) for day in range(4, 11)]


def test_buckets_have_short_names_and_missing_counts_are_zero():
    hour = datetime(2026, 3, 10, 9, tzinfo=UTC)
    later = hour + timedelta(hours=1)

    assert bucket_label(hour, "hour") == "09:00"
    assert bucket_label(hour, "day") == "03-10"
    assert series([hour, later], {later: 7}) == [0, 7]


def test_an_unknown_bucket_unit_is_refused():
    with pytest.raises(ValueError, match="week"):
        bucket_starts(end=END, span=timedelta(days=7), unit="week")


def test_histogram_bins_are_named_by_their_edges():
    assert histogram_labels([0.0, 0.0001, 0.03, 1.0]) == [
        "0-0.0001",
        "0.0001-0.03",
        "0.03-1",
    ]


LABELS = [True, False, True, False, False, True]
SCORES = [0.95, 0.9, 0.6, 0.4, 0.2, 0.1]
THRESHOLDS = {"critical": 0.9, "medium": 0.2, "high": 0.5}


def test_model_quality_at_each_threshold_lowest_first():
    quality = model_quality(labels=LABELS, scores=SCORES, thresholds=THRESHOLDS)

    assert (quality.labelled, quality.frauds) == (6, 3)
    assert [
        (p.tier, p.threshold, p.flagged, p.true_positives, p.precision, p.recall)
        for p in quality.at_thresholds
    ] == [
        ("medium", 0.2, 5, 2, 2 / 5, 2 / 3),
        ("high", 0.5, 3, 2, 2 / 3, 2 / 3),
        ("critical", 0.9, 2, 1, 1 / 2, 1 / 3),
    ]


def test_average_precision_is_scikit_learns():
    """Fraud at ranks 1, 3 and 6: AP = 1/3 * (1 + 2/3 + 1/2) = 13/18."""
    quality = model_quality(labels=LABELS, scores=SCORES, thresholds=THRESHOLDS)

    assert quality.average_precision == pytest.approx(13 / 18, abs=1e-15)
    assert quality.average_precision == average_precision_score(LABELS, SCORES)


def test_without_fraud_there_is_no_recall_nor_average_precision():
    quality = model_quality(
        labels=[False, False], scores=[0.7, 0.1], thresholds={"high": 0.5}
    )
    empty = model_quality(labels=[], scores=[], thresholds={"high": 0.5})

    assert quality.average_precision is None
    assert quality.at_thresholds[0].precision == 0.0
    assert quality.at_thresholds[0].recall is None
    assert empty.labelled == 0
    assert empty.at_thresholds[0].flagged == 0
    assert empty.at_thresholds[0].precision is None


def test_one_label_per_score():
    with pytest.raises(ValueError, match="one label per score"):
        model_quality(labels=[True], scores=[0.1, 0.2], thresholds={})


def test_recovery_rounds_half_a_minor_unit_up():
    assert recovered_amount(10_001, 2_500) == 2_500  # 2,500.25
    assert recovered_amount(2, 2_500) == 1  # 0.5
    assert recovered_amount(1, 2_500) == 0  # 0.25
    assert recovered_amount(12_345, 10_000) == 12_345
    assert recovered_amount(12_345, 0) == 0


def test_impact_in_money():
    counts = ImpactCounts(
        caught_fraud=2,
        caught_fraud_amount=12_345,
        missed_fraud=3,
        missed_fraud_amount=10_001,
        false_positives=4,
        cases_opened=5,
    )
    assumptions = Assumptions(
        currency="USD",
        review_cost_per_case=1_500,
        false_positive_cost=500,
        chargeback_recovery_basis_points=2_500,
    )

    result = impact(counts=counts, assumptions=assumptions)

    assert result.fraud_prevented == 12_345
    assert result.fraud_losses_gross == 10_001
    assert result.recovered == 2_500
    assert result.fraud_losses == 7_501
    assert result.review_cost == 7_500
    assert result.false_positive_cost == 2_000
    assert result.net_benefit == 12_345 - 7_500 - 2_000

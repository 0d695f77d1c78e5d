"""The behavioural scorecard against hand-computed cases, and its shape."""

import dataclasses
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.scorecard import (
    BASE_POINTS,
    CHARACTERISTICS,
    MAX_SCORE,
    MIN_SCORE,
    ScoreInputs,
    score_compute,
    utilisation_bps,
)

NEW_ACCOUNT = ScoreInputs(
    utilisation_bps=0,
    on_time_payments_12m=0,
    missed_payments_12m=0,
    days_past_due=0,
    account_age_months=0,
    billed_statements_6=0,
    paid_in_full_6=0,
    returned_payments_12m=0,
    purchases_30d=0,
)


def test_a_new_unused_account_scores_710_with_thin_history_reasons():
    # 300 + 100 + 110 + 110 + 40 + 10 + 25 + 5 + 10
    result = score_compute(NEW_ACCOUNT)

    assert result.score == 710
    assert result.reasons == [
        "You have a short record of on-time payments",  # lost 50
        "Your account has been open for a short time",  # lost 45
        "You have few statements paid in full yet",  # lost 25
        "You have not used your card in the last 30 days",  # lost 20
    ]


def test_a_model_account_scores_850_with_no_reasons():
    inputs = ScoreInputs(
        utilisation_bps=500,
        on_time_payments_12m=12,
        missed_payments_12m=0,
        days_past_due=0,
        account_age_months=60,
        billed_statements_6=6,
        paid_in_full_6=6,
        returned_payments_12m=0,
        purchases_30d=10,
    )

    result = score_compute(inputs)

    assert (result.score, result.reasons) == (850, [])


def test_a_troubled_account_scores_470_led_by_missed_payments():
    inputs = ScoreInputs(
        utilisation_bps=9_500,  # 15 points, lost 95
        on_time_payments_12m=8,  # 50, lost 10
        missed_payments_12m=3,  # 0, lost 110
        days_past_due=45,  # 30, lost 70
        account_age_months=30,  # 40, lost 10
        billed_statements_6=6,
        paid_in_full_6=0,  # 0, lost 50
        returned_payments_12m=1,  # 15, lost 25
        purchases_30d=25,  # 20, lost 10
    )

    result = score_compute(inputs)

    assert result.score == 300 + 30 + 0 + 15 + 15 + 50 + 0 + 40 + 20 == 470
    assert result.reasons == [
        "You missed three or more minimum payments in 12 months",
        "Your balance is high compared with your credit limit",
        "Your account is 30 or more days past due",
        "You have not paid a recent statement balance in full",
    ]
    assert result.points == {
        "days_past_due": 30,
        "missed_payments_12m": 0,
        "utilisation": 15,
        "returned_payments_12m": 15,
        "on_time_payments_12m": 50,
        "paid_in_full_share": 0,
        "account_age_months": 40,
        "purchases_30d": 20,
    }


def test_equal_losses_keep_the_characteristics_order():
    inputs = ScoreInputs(
        utilisation_bps=3_000,  # 70, lost 40
        on_time_payments_12m=12,
        missed_payments_12m=0,
        days_past_due=0,
        account_age_months=12,  # 30, lost 20
        billed_statements_6=4,
        paid_in_full_6=2,  # 50 % -> 35, lost 15
        returned_payments_12m=0,
        purchases_30d=0,  # 10, lost 20 (after account age)
    )

    result = score_compute(inputs)

    assert result.score == 300 + 100 + 110 + 70 + 40 + 60 + 35 + 30 + 10 == 755
    assert result.reasons == [
        "Your balance is high compared with your credit limit",
        "Your account has been open for a short time",
        "You have not used your card in the last 30 days",
        "You seldom pay your statement balance in full",
    ]


def test_the_worst_account_scores_325():
    inputs = ScoreInputs(
        utilisation_bps=12_000,
        on_time_payments_12m=0,
        missed_payments_12m=5,
        days_past_due=120,
        account_age_months=0,
        billed_statements_6=3,
        paid_in_full_6=0,
        returned_payments_12m=3,
        purchases_30d=0,
    )

    result = score_compute(inputs)

    assert result.score == 325
    assert result.reasons == [
        "You missed three or more minimum payments in 12 months",  # lost 110
        "Your balance is at or over your credit limit",  # lost 110
        "Your account is 90 or more days past due",  # lost 100
        "You have a short record of on-time payments",  # lost 50 (before paid)
    ]


@pytest.mark.parametrize(
    ("days", "points"), [(0, 100), (1, 60), (29, 60), (30, 30), (60, 10), (90, 0)]
)
def test_days_past_due_bins(days, points):
    result = score_compute(dataclasses.replace(NEW_ACCOUNT, days_past_due=days))

    assert result.points["days_past_due"] == points


@pytest.mark.parametrize(
    ("bps", "points"),
    [
        (0, 110),
        (999, 110),
        (1_000, 95),
        (2_999, 95),
        (3_000, 70),
        (9_999, 15),
        (10_000, 0),
        (25_000, 0),
    ],
)
def test_utilisation_bins(bps, points):
    result = score_compute(dataclasses.replace(NEW_ACCOUNT, utilisation_bps=bps))

    assert result.points["utilisation"] == points


def test_the_points_add_up_to_300_to_850():
    best = sum(c.max_points for c in CHARACTERISTICS)
    worst = sum(min(b.points for b in c.bins) for c in CHARACTERISTICS)

    assert BASE_POINTS + best == MAX_SCORE
    assert BASE_POINTS + worst == 325 >= MIN_SCORE


@pytest.mark.parametrize("characteristic", CHARACTERISTICS, ids=lambda c: c.name)
def test_bins_cover_every_value_once_and_every_loss_has_words(characteristic):
    bins = characteristic.bins
    assert bins[-1].high is None
    for before, after in itertools.pairwise(bins):
        assert before.high is not None and after.low == before.high + 1
    for bin_ in bins:
        is_best = bin_.points == characteristic.max_points
        assert bool(bin_.reason) != is_best, bin_


counts = st.integers(min_value=0, max_value=40)


@st.composite
def score_inputs(draw):  # type: ignore[no-untyped-def]
    billed = draw(st.integers(min_value=0, max_value=6))
    return ScoreInputs(
        utilisation_bps=draw(st.integers(min_value=0, max_value=30_000)),
        on_time_payments_12m=draw(st.integers(min_value=0, max_value=12)),
        missed_payments_12m=draw(st.integers(min_value=0, max_value=12)),
        days_past_due=draw(st.integers(min_value=0, max_value=400)),
        account_age_months=draw(st.integers(min_value=0, max_value=600)),
        billed_statements_6=billed,
        paid_in_full_6=draw(st.integers(min_value=0, max_value=billed)),
        returned_payments_12m=draw(counts),
        purchases_30d=draw(st.integers(min_value=0, max_value=500)),
    )


@given(score_inputs())
def test_every_score_is_in_range_with_at_most_four_distinct_reasons(inputs):
    result = score_compute(inputs)

    assert MIN_SCORE <= result.score <= MAX_SCORE
    assert result.score == BASE_POINTS + sum(result.points.values())
    assert len(result.reasons) == min(
        4, sum(1 for c in CHARACTERISTICS if c.bin_for(inputs).reason)
    )
    assert len(set(result.reasons)) == len(result.reasons)
    assert (result.score == MAX_SCORE) == (result.reasons == [])


@given(score_inputs(), st.integers(min_value=1, max_value=5))
def test_paying_better_never_lowers_the_score(inputs, better):
    improved = dataclasses.replace(
        inputs,
        utilisation_bps=max(inputs.utilisation_bps - better * 1_000, 0),
        missed_payments_12m=max(inputs.missed_payments_12m - better, 0),
        days_past_due=max(inputs.days_past_due - better * 30, 0),
        returned_payments_12m=max(inputs.returned_payments_12m - better, 0),
        account_age_months=inputs.account_age_months + better * 12,
    )

    assert score_compute(improved).score >= score_compute(inputs).score


@pytest.mark.parametrize(
    ("owed", "limit", "bps"),
    [
        (25_000, 100_000, 2_500),
        (1, 3, 3_333),
        (0, 100_000, 0),
        (-5_000, 100_000, 0),  # a credit balance uses nothing
        (1, 0, 10_000),
        (0, 0, 0),
        (150_000, 100_000, 15_000),
    ],
)
def test_utilisation_in_basis_points(owed, limit, bps):
    assert utilisation_bps(owed=owed, credit_limit=limit) == bps

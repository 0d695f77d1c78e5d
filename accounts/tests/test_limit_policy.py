"""When a new score proposes a limit change, and to what (no database)."""

import dataclasses

import pytest

from accounts.limit_policy import (
    Direction,
    LimitPlan,
    LimitReview,
    limit_review,
    limit_step,
)

REASONS = ["Your balance is high compared with your credit limit"]
STEADY = LimitReview(
    score=760,
    reference_score=760,
    status="active",
    credit_limit=100_000,
    owed=20_000,
    utilisation_bps=2_000,
    days_past_due=0,
    missed_payments_12m=0,
    pending_direction=None,
    is_delinquency_decrease_proposed=False,
    step=10_000,
)


def review(**changes) -> LimitPlan | None:
    return limit_review(dataclasses.replace(STEADY, **changes), score_reasons=REASONS)


def test_a_score_that_barely_moved_proposes_nothing():
    assert review(score=799) is None
    assert review(score=721) is None


def test_a_rise_of_40_with_low_use_proposes_20_percent_more():
    plan = review(score=800, utilisation_bps=1_234)

    assert plan == LimitPlan(
        Direction.INCREASE,
        120_000,
        [
            "Credit score rose from 760 to 800 since the last review",
            "Uses 12.3% of the credit limit",
            "No payment past due and no missed payment in 12 months",
        ],
    )


@pytest.mark.parametrize(
    ("limit", "proposed"),
    [
        (35_000, 45_000),  # 42,000 rounds down to 40,000: at least one step more
        (250_000, 300_000),
        (0, 10_000),
        (123_456, 140_000),  # 148,147 rounds down
    ],
)
def test_increases_round_down_to_100_major_units_and_add_at_least_one(limit, proposed):
    plan = review(score=800, credit_limit=limit, owed=0, utilisation_bps=0)

    assert plan is not None
    assert plan.proposed_limit == proposed


@pytest.mark.parametrize(
    "changes",
    [
        {"utilisation_bps": 3_000},
        {"days_past_due": 1},
        {"missed_payments_12m": 1},
        {"pending_direction": Direction.INCREASE},
        {"reference_score": None},
        {"status": "suspended"},
        {"status": "closed"},
    ],
    ids=lambda c: next(iter(c.items()))[0] + "=" + str(next(iter(c.values()))),
)
def test_no_increase_without_every_condition(changes):
    assert review(score=850, **changes) is None


def test_an_increase_supersedes_a_pending_decrease():
    plan = review(score=800, pending_direction=Direction.DECREASE)

    assert plan is not None
    assert plan.direction is Direction.INCREASE


def test_a_fall_of_40_proposes_20_percent_less_with_the_scores_reasons():
    plan = review(score=720)

    assert plan == LimitPlan(
        Direction.DECREASE,
        80_000,
        [
            "Your credit score fell from 760 to 720 since our last review",
            "Your balance is high compared with your credit limit",
        ],
    )


def test_a_decrease_never_goes_below_what_is_owed():
    plan = review(score=700, owed=91_234, utilisation_bps=9_123)

    assert plan is not None
    assert plan.proposed_limit == 91_234


def test_nothing_to_decrease_when_the_whole_limit_is_owed():
    assert review(score=600, owed=100_000, utilisation_bps=10_000) is None
    assert review(score=600, owed=120_000, utilisation_bps=12_000) is None


def test_30_days_past_due_halves_the_limit_once():
    plan = review(days_past_due=31, owed=30_000)

    assert plan == LimitPlan(
        Direction.DECREASE,
        50_000,
        ["Your account is 31 days past due", *REASONS],
    )
    assert review(days_past_due=31, is_delinquency_decrease_proposed=True) is None
    assert review(days_past_due=29) is None


def test_no_second_decrease_while_one_is_pending():
    assert review(score=600, pending_direction=Direction.DECREASE) is None
    assert review(days_past_due=60, pending_direction=Direction.DECREASE) is None


def test_suspended_accounts_may_only_decrease_and_closed_ones_nothing():
    assert review(score=700, status="suspended") is not None
    assert review(score=700, status="closed") is None
    assert review(score=700, status="charged_off") is None


def test_a_reason_already_given_is_not_repeated():
    plan = limit_review(
        dataclasses.replace(STEADY, days_past_due=45),
        score_reasons=["Your account is 45 days past due", "Other"],
    )

    assert plan is not None
    assert plan.reasons == ["Your account is 45 days past due", "Other"]


@pytest.mark.parametrize(("exponent", "step"), [(2, 10_000), (0, 100), (3, 100_000)])
def test_the_step_is_100_major_units(exponent, step):
    assert limit_step(exponent) == step

"""When a new credit score proposes a limit change, and to what.

No ORM here. The policy compares the new score with the score of the
account's last review: the score the latest limit proposal was made with
(whatever the officer decided), or the account's first score when it has
never had a proposal.

- Increase by 20 % (rounded down to a step of 100 major units, and at least
  one step) when the account is active, the score rose 40 points or more
  since the last review, less than 30 % of the limit is used, nothing is
  past due and no minimum was missed in 12 months.
- Decrease by 20 % when the score fell 40 points or more since the last
  review; by 50 % when a payment is 30 or more days past due and no
  decrease has been proposed since the account fell behind. A limit is
  never proposed below what the account owes (posted and held), so when
  it owes the whole limit there is nothing to propose.
- Never while a proposal in the same direction is pending; one in the other
  direction is superseded by the new one.
- Closed and charged-off accounts get no proposals; suspended ones only
  decreases.
"""

from dataclasses import dataclass
from enum import Enum

MATERIAL_CHANGE_POINTS = 40
INCREASE_PERCENT = 20
INCREASE_MAX_UTILISATION_BPS = 3_000
DECREASE_PERCENT = 20
DELINQUENT_DAYS = 30
DELINQUENT_DECREASE_PERCENT = 50
STEP_MAJOR_UNITS = 100


class Direction(Enum):
    INCREASE = "increase"
    DECREASE = "decrease"


@dataclass(frozen=True)
class LimitReview:
    """What the policy looks at, read when a new score is stored."""

    score: int
    reference_score: int | None
    """The score of the last review; None when there is nothing to compare."""
    status: str
    """The account's status: active, suspended, closed or charged_off."""
    credit_limit: int
    owed: int
    """Posted balance plus pending holds, minor units."""
    utilisation_bps: int
    days_past_due: int
    missed_payments_12m: int
    pending_direction: Direction | None
    """The direction of the proposal pending review, if any."""
    is_delinquency_decrease_proposed: bool
    """A decrease was proposed since the account's oldest unpaid due date."""
    step: int
    """Rounding step of limits, minor units (see `limit_step`)."""


@dataclass(frozen=True)
class LimitPlan:
    direction: Direction
    proposed_limit: int
    reasons: list[str]


def limit_step(exponent: int) -> int:
    """100 major units of a currency with `exponent` minor-unit decimals."""
    return STEP_MAJOR_UNITS * 10**exponent


def limit_review(review: LimitReview, *, score_reasons: list[str]) -> LimitPlan | None:
    """Return the limit change to propose, if any; `score_reasons` (the new
    score's reason codes) explain a decrease to the cardholder."""
    if review.status in ("closed", "charged_off"):
        return None
    decrease = _decrease(review, score_reasons)
    if decrease is not None:
        return decrease
    if review.status != "active":
        return None
    return _increase(review)


def _decrease(review: LimitReview, score_reasons: list[str]) -> LimitPlan | None:
    if review.pending_direction is Direction.DECREASE:
        return None
    if (
        review.days_past_due >= DELINQUENT_DAYS
        and not review.is_delinquency_decrease_proposed
    ):
        percent = DELINQUENT_DECREASE_PERCENT
        why = f"Your account is {review.days_past_due} days past due"
    elif (
        review.reference_score is not None
        and review.score <= review.reference_score - MATERIAL_CHANGE_POINTS
    ):
        percent = DECREASE_PERCENT
        why = (
            f"Your credit score fell from {review.reference_score} to "
            f"{review.score} since our last review"
        )
    else:
        return None
    lower = _round_down(review.credit_limit * (100 - percent) // 100, review.step)
    proposed = max(review.owed, lower, 0)
    if proposed >= review.credit_limit:
        return None
    reasons = [why, *(r for r in score_reasons if r != why)]
    return LimitPlan(Direction.DECREASE, proposed, reasons)


def _increase(review: LimitReview) -> LimitPlan | None:
    if (
        review.pending_direction is Direction.INCREASE
        or review.reference_score is None
        or review.score < review.reference_score + MATERIAL_CHANGE_POINTS
        or review.utilisation_bps >= INCREASE_MAX_UTILISATION_BPS
        or review.days_past_due > 0
        or review.missed_payments_12m > 0
    ):
        return None
    raised = _round_down(
        review.credit_limit * (100 + INCREASE_PERCENT) // 100, review.step
    )
    proposed = max(raised, review.credit_limit + review.step)
    return LimitPlan(
        Direction.INCREASE,
        proposed,
        [
            f"Credit score rose from {review.reference_score} to {review.score} "
            "since the last review",
            f"Uses {review.utilisation_bps / 100:.1f}% of the credit limit",
            "No payment past due and no missed payment in 12 months",
        ],
    )


def _round_down(amount: int, step: int) -> int:
    return amount // step * step

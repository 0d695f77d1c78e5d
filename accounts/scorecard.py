"""The behavioural credit scorecard: account behaviour in, score 300-850 out.

No ORM here: the same code scores one account after an event, every open
account at night, and hand-computed cases in tests.

How it scores (a points-based scorecard, the form lenders publish and
regulators read): each characteristic of the account's behaviour falls in
one bin, each bin is worth a number of points, and the score is the base
points plus the points of every bin, clamped to 300-850. Bins are ordered
by risk, so doing better on a characteristic never lowers the score
(except recent activity, where both no use and very heavy use are weaker).
The points are set by judgement, ranked the way published behavioural
scorecards rank these characteristics (payment behaviour first, then
utilisation, then history and activity); once charge-off outcomes exist
they can be fitted (weights of evidence, logistic regression scaled to
points) without changing this shape.

Reason codes: for each characteristic, the points lost are its best bin's
points minus the points earned. The reasons are the bins' plain-words texts
of the (at most) four characteristics that lost the most points, largest
first; ties keep the order of `CHARACTERISTICS`. A characteristic that lost
nothing gives no reason.
"""

from collections.abc import Callable
from dataclasses import dataclass

BASE_POINTS = 300
MIN_SCORE = 300
MAX_SCORE = 850
REASON_COUNT = 4
# A balance equal to the credit limit, in basis points.
FULL_UTILISATION_BPS = 10_000


@dataclass(frozen=True)
class ScoreInputs:
    """What the scorecard knows about an account's behaviour.

    Windows end at the moment scored. "Statements" are those whose due date
    has passed and been assessed; a statement with no minimum to pay is
    neither on time nor missed.
    """

    utilisation_bps: int
    """What is owed (posted and held) over the credit limit, in basis points."""
    on_time_payments_12m: int
    """Statements due in the last 12 months whose minimum was paid by the due date."""
    missed_payments_12m: int
    """Statements due in the last 12 months whose minimum was not paid by then."""
    days_past_due: int
    """Days since the oldest unpaid due date; 0 when the account is current."""
    account_age_months: int
    """Whole months since the account was opened."""
    billed_statements_6: int
    """The last (at most) 6 assessed statements that had a balance to pay."""
    paid_in_full_6: int
    """Of those, how many were paid in full by their due date."""
    returned_payments_12m: int
    """Payments returned (bounced) in the last 12 months."""
    purchases_30d: int
    """Purchases posted in the last 30 days."""


@dataclass(frozen=True)
class Bin:
    """Values from `low` up to `high` (inclusive; None: no upper end)."""

    low: int
    high: int | None
    points: int
    reason: str = ""

    def holds(self, value: int) -> bool:
        return value >= self.low and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class Characteristic:
    name: str
    value: Callable[[ScoreInputs], int]
    bins: tuple[Bin, ...]

    @property
    def max_points(self) -> int:
        return max(b.points for b in self.bins)

    def bin_for(self, inputs: ScoreInputs) -> Bin:
        value = self.value(inputs)
        for candidate in self.bins:
            if candidate.holds(value):
                return candidate
        raise ValueError(f"{self.name}: no bin holds {value}")


def _paid_in_full_share(inputs: ScoreInputs) -> int:
    """Percent of billed statements paid in full; -1 when none was billed."""
    if inputs.billed_statements_6 <= 0:
        return -1
    return inputs.paid_in_full_6 * 100 // inputs.billed_statements_6


_PAST_DUE = "Your account has a payment past due"
_HIGH_BALANCE = "Your balance is high compared with your credit limit"
_SHORT_RECORD = "You have a short record of on-time payments"
_PAID_IN_FULL = "You seldom pay your statement balance in full"
_NEW_ACCOUNT = "Your account has been open for a short time"

# In reason priority order (ties in points lost keep this order).
CHARACTERISTICS: tuple[Characteristic, ...] = (
    Characteristic(
        "days_past_due",
        lambda i: max(i.days_past_due, 0),
        (
            Bin(0, 0, 100),
            Bin(1, 29, 60, _PAST_DUE),
            Bin(30, 59, 30, "Your account is 30 or more days past due"),
            Bin(60, 89, 10, "Your account is 60 or more days past due"),
            Bin(90, None, 0, "Your account is 90 or more days past due"),
        ),
    ),
    Characteristic(
        "missed_payments_12m",
        lambda i: max(i.missed_payments_12m, 0),
        (
            Bin(0, 0, 110),
            Bin(1, 1, 60, "You missed a minimum payment in the last 12 months"),
            Bin(2, 2, 30, "You missed minimum payments in the last 12 months"),
            Bin(3, None, 0, "You missed three or more minimum payments in 12 months"),
        ),
    ),
    Characteristic(
        "utilisation",
        lambda i: max(i.utilisation_bps, 0),
        (
            Bin(0, 999, 110),
            Bin(1_000, 2_999, 95, _HIGH_BALANCE),
            Bin(3_000, 4_999, 70, _HIGH_BALANCE),
            Bin(5_000, 6_999, 50, _HIGH_BALANCE),
            Bin(7_000, 8_999, 30, _HIGH_BALANCE),
            Bin(9_000, 9_999, 15, _HIGH_BALANCE),
            Bin(
                FULL_UTILISATION_BPS,
                None,
                0,
                "Your balance is at or over your credit limit",
            ),
        ),
    ),
    Characteristic(
        "returned_payments_12m",
        lambda i: max(i.returned_payments_12m, 0),
        (
            Bin(0, 0, 40),
            Bin(1, 1, 15, "A payment to your account was returned unpaid"),
            Bin(2, None, 0, "Payments to your account were returned unpaid"),
        ),
    ),
    Characteristic(
        "on_time_payments_12m",
        lambda i: max(i.on_time_payments_12m, 0),
        (
            Bin(0, 0, 10, _SHORT_RECORD),
            Bin(1, 2, 20, _SHORT_RECORD),
            Bin(3, 5, 35, _SHORT_RECORD),
            Bin(6, 11, 50, _SHORT_RECORD),
            Bin(12, None, 60),
        ),
    ),
    Characteristic(
        "paid_in_full_share",
        _paid_in_full_share,
        (
            Bin(-1, -1, 25, "You have few statements paid in full yet"),
            Bin(0, 0, 0, "You have not paid a recent statement balance in full"),
            Bin(1, 49, 20, _PAID_IN_FULL),
            Bin(50, 99, 35, _PAID_IN_FULL),
            Bin(100, None, 50),
        ),
    ),
    Characteristic(
        "account_age_months",
        lambda i: max(i.account_age_months, 0),
        (
            Bin(0, 5, 5, _NEW_ACCOUNT),
            Bin(6, 11, 15, _NEW_ACCOUNT),
            Bin(12, 23, 30, _NEW_ACCOUNT),
            Bin(24, 47, 40, _NEW_ACCOUNT),
            Bin(48, None, 50),
        ),
    ),
    Characteristic(
        "purchases_30d",
        lambda i: max(i.purchases_30d, 0),
        (
            Bin(0, 0, 10, "You have not used your card in the last 30 days"),
            Bin(1, 20, 30),
            Bin(21, None, 20, "You made many purchases in the last 30 days"),
        ),
    ),
)


@dataclass(frozen=True)
class ScoreResult:
    score: int
    reasons: list[str]
    points: dict[str, int]
    """Points earned per characteristic, by name."""


def score_compute(inputs: ScoreInputs) -> ScoreResult:
    """Score an account's behaviour and give its top reason codes."""
    points: dict[str, int] = {}
    losses: list[tuple[int, int, str]] = []
    for order, characteristic in enumerate(CHARACTERISTICS):
        earned = characteristic.bin_for(inputs)
        points[characteristic.name] = earned.points
        lost = characteristic.max_points - earned.points
        if lost > 0:
            losses.append((-lost, order, earned.reason))
    total = BASE_POINTS + sum(points.values())
    reasons = [reason for _, _, reason in sorted(losses)[:REASON_COUNT]]
    return ScoreResult(
        score=min(max(total, MIN_SCORE), MAX_SCORE), reasons=reasons, points=points
    )


def utilisation_bps(*, owed: int, credit_limit: int) -> int:
    """What is owed over the limit in basis points (rounded down); a zero
    limit with anything owed is full use, with nothing owed no use."""
    if owed <= 0:
        return 0
    if credit_limit <= 0:
        return FULL_UTILISATION_BPS
    return owed * FULL_UTILISATION_BPS // credit_limit

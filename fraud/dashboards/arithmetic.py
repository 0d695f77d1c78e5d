"""The dashboards' arithmetic: rates, time buckets, model quality at the tier
thresholds and business impact in money. No ORM: numbers in, numbers out.

Money is integer minor units throughout; the one division (the chargeback
recovery) rounds half up to a whole minor unit.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from fraud.scoring.metrics import average_precision

BASIS_POINTS = 10_000
STEPS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
}


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def bucket_floor(moment: datetime, unit: str) -> datetime:
    """The start of the minute, hour or day `moment` falls in."""
    if unit == "minute":
        return moment.replace(second=0, microsecond=0)
    if unit == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    if unit == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    raise ValueError(f"unknown bucket unit {unit!r}")


def bucket_starts(*, end: datetime, span: timedelta, unit: str) -> list[datetime]:
    """Starts of the buckets covering `span` up to `end`, oldest first; the
    last is the bucket `end` falls in (still filling)."""
    last = bucket_floor(end, unit)
    step = STEPS[unit]
    count = max(1, span // step)
    return [last - step * offset for offset in range(count - 1, -1, -1)]


def bucket_label(start: datetime, unit: str) -> str:
    """A bucket's short name: its date for days, its clock time otherwise."""
    return start.strftime("%m-%d" if unit == "day" else "%H:%M")


def series(buckets: Sequence[datetime], counts: Mapping[datetime, int]) -> list[int]:
    """The count of each bucket, zero where none was counted."""
    return [counts.get(bucket, 0) for bucket in buckets]


def rates(numerators: Sequence[int], denominators: Sequence[int]) -> list[float | None]:
    return [
        rate(numerator, denominator)
        for numerator, denominator in zip(numerators, denominators, strict=True)
    ]


def histogram_labels(edges: Sequence[float]) -> list[str]:
    """'0-0.0001', '0.0001-0.0003', ... for the bins between `edges`."""
    return [f"{low:g}-{high:g}" for low, high in pairwise(edges)]


@dataclass(frozen=True)
class ThresholdQuality:
    """How a version does when it flags every score at or above a threshold."""

    tier: str
    threshold: float
    flagged: int
    true_positives: int
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class ModelQuality:
    labelled: int
    frauds: int
    average_precision: float | None
    at_thresholds: list[ThresholdQuality]


def model_quality(
    *,
    labels: Sequence[bool],
    scores: Sequence[float],
    thresholds: Mapping[str, float],
) -> ModelQuality:
    """Precision and recall at each tier threshold and the Average Precision
    of labelled scores (AP as scikit-learn's; None without a fraud)."""
    if len(labels) != len(scores):
        raise ValueError("one label per score")
    frauds = sum(1 for label in labels if label)
    at_thresholds = []
    for tier, threshold in sorted(thresholds.items(), key=lambda item: item[1]):
        flagged = 0
        true_positives = 0
        for label, score in zip(labels, scores, strict=True):
            if score >= threshold:
                flagged += 1
                true_positives += bool(label)
        at_thresholds.append(
            ThresholdQuality(
                tier=tier,
                threshold=threshold,
                flagged=flagged,
                true_positives=true_positives,
                precision=rate(true_positives, flagged),
                recall=rate(true_positives, frauds),
            )
        )
    return ModelQuality(
        labelled=len(labels),
        frauds=frauds,
        average_precision=(
            average_precision([int(label) for label in labels], list(scores))
            if frauds
            else None
        ),
        at_thresholds=at_thresholds,
    )


@dataclass(frozen=True)
class Assumptions:
    """The editable figures (see `dashboards.ImpactAssumptions`)."""

    currency: str
    review_cost_per_case: int
    false_positive_cost: int
    chargeback_recovery_basis_points: int


@dataclass(frozen=True)
class ImpactCounts:
    """What happened, in one currency: labelled fraud the system acted on
    (caught) or did not act on while it was approved (missed), genuine
    transactions it acted on (false positives) and cases opened."""

    caught_fraud: int = 0
    caught_fraud_amount: int = 0
    missed_fraud: int = 0
    missed_fraud_amount: int = 0
    false_positives: int = 0
    cases_opened: int = 0


@dataclass(frozen=True)
class Impact:
    fraud_prevented: int
    fraud_losses_gross: int
    recovered: int
    fraud_losses: int
    review_cost: int
    false_positive_cost: int
    net_benefit: int


def recovered_amount(gross: int, basis_points: int) -> int:
    """The share of `gross` recovered, half a minor unit rounded up."""
    return (gross * basis_points + BASIS_POINTS // 2) // BASIS_POINTS


def impact(*, counts: ImpactCounts, assumptions: Assumptions) -> Impact:
    """Money the fraud operation saved and cost.

    - fraud prevented: the amount of confirmed fraud the system acted on
      (the card frozen or the transaction questioned before it settled);
    - fraud losses: confirmed fraud approved without any action, less the
      share chargebacks recover;
    - review cost: cases opened x the cost of reviewing one;
    - false-positive cost: genuine transactions acted on x their cost;
    - net benefit: fraud prevented less the review and false-positive costs.
    """
    recovered = recovered_amount(
        counts.missed_fraud_amount, assumptions.chargeback_recovery_basis_points
    )
    review_cost = counts.cases_opened * assumptions.review_cost_per_case
    false_positive_cost = counts.false_positives * assumptions.false_positive_cost
    return Impact(
        fraud_prevented=counts.caught_fraud_amount,
        fraud_losses_gross=counts.missed_fraud_amount,
        recovered=recovered,
        fraud_losses=counts.missed_fraud_amount - recovered,
        review_cost=review_cost,
        false_positive_cost=false_positive_cost,
        net_benefit=counts.caught_fraud_amount - review_cost - false_positive_cost,
    )

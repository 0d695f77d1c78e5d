"""Staff rules over the feature vector: 1-3 conditions, ANDed.

A condition is `{"feature": <FEATURE_NAMES entry>, "operator": one of
OPERATORS, "threshold": <number>}`. Pure functions, no ORM: the same code
decides a live authorization (one vector) and a backtest (a matrix).
"""

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from fraud.scoring.features import FEATURE_NAMES

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}
MAX_CONDITIONS = 3


class ConditionError(ValueError):
    """Conditions that are not a valid rule; the message says which and why."""


def conditions_clean(conditions: object) -> list[dict[str, Any]]:
    """Validate conditions and return them normalised (threshold a float)."""
    if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise ConditionError(f"Give 1 to {MAX_CONDITIONS} conditions as a list.")
    cleaned = []
    for position, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict) or set(condition) != {
            "feature",
            "operator",
            "threshold",
        }:
            raise ConditionError(
                f"Condition {position} needs exactly feature, operator, threshold."
            )
        feature, op, threshold = (
            condition["feature"],
            condition["operator"],
            condition["threshold"],
        )
        if feature not in FEATURE_NAMES:
            raise ConditionError(f"Condition {position}: unknown feature {feature!r}.")
        if op not in OPERATORS:
            raise ConditionError(
                f"Condition {position}: operator must be one of {list(OPERATORS)}."
            )
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
        ):
            raise ConditionError(f"Condition {position}: threshold must be a number.")
        cleaned.append({"feature": feature, "operator": op, "threshold": threshold})
    return cleaned


def conditions_match(
    conditions: Sequence[Mapping[str, Any]], features: Mapping[str, float]
) -> bool:
    """Whether one transaction's features meet every condition."""
    return all(
        bool(OPERATORS[c["operator"]](float(features[c["feature"]]), c["threshold"]))
        for c in conditions
    )


def conditions_mask(
    conditions: Sequence[Mapping[str, Any]],
    matrix: np.ndarray,
    names: Sequence[str] = FEATURE_NAMES,
) -> np.ndarray:
    """Which rows of a feature matrix (columns `names`) meet every condition."""
    mask = np.ones(len(matrix), dtype=bool)
    for c in conditions:
        column = matrix[:, list(names).index(c["feature"])]
        mask &= OPERATORS[c["operator"]](column, c["threshold"])
    return mask


def conditions_text(conditions: Sequence[Mapping[str, Any]]) -> str:
    return " and ".join(
        f"{c['feature']} {c['operator']} {c['threshold']:g}" for c in conditions
    )

"""A hand-set logistic model: no training, known scores.

For the fault suite, benchmarks and tests, which need an active model that
scores like the real ones (same features, same evaluator) without a
training run. The model reads the standardised log1p of each weighted
feature; with the default intercept a row near the mean scores ~0.02.
"""

import numpy as np

from fraud.scoring.evaluators import LinearEvaluator
from fraud.scoring.features import FEATURE_NAMES, RiskEncodings
from fraud.scoring.model import ScoringModel

TIER_THRESHOLDS = {"medium": 0.2, "high": 0.5, "critical": 0.9}


def hand_set_model(weights: dict[str, float]) -> ScoringModel:
    """A logistic model giving each named feature its weight (others 0)."""
    width = len(FEATURE_NAMES)
    coefficients = np.zeros(width)
    for name, weight in weights.items():
        coefficients[FEATURE_NAMES.index(name)] = weight
    return ScoringModel(
        kind="logistic_regression",
        feature_names=FEATURE_NAMES,
        encodings=RiskEncodings(prior=0.01),
        evaluator=LinearEvaluator(
            mean=np.full(width, 3.0),
            scale=np.ones(width),
            coefficients=coefficients,
            intercept=-4.0,
        ),
        tier_thresholds=dict(TIER_THRESHOLDS),
    )

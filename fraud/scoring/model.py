"""The scoring model artifact: features in, fraud probability and tier out.

A `ScoringModel` is what `fraud_train` saves with joblib and the registry
loads after checking its SHA-256. It holds everything scoring needs and
nothing from the database: the feature names it was trained on, the risk
encodings learnt from training history, the fast evaluator for one row,
optionally the scikit-learn estimator it was compiled from (faster for large
batches, same scores), and the default tier thresholds.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from fraud.scoring.evaluators import Contribution, Evaluator, top_contributions
from fraud.scoring.features import (
    RiskEncodings,
    feature_matrix,
    history_raw_features,
    transaction_raw_features,
)
from fraud.scoring.records import Transaction

ARTIFACT_FORMAT = 1

LOW, MEDIUM, HIGH, CRITICAL = "low", "medium", "high", "critical"
TIERS = (LOW, MEDIUM, HIGH, CRITICAL)


def tier_for(score: float, thresholds: Mapping[str, float]) -> str:
    """The highest tier whose threshold the score reaches (Low below all)."""
    tier = LOW
    for name in (MEDIUM, HIGH, CRITICAL):
        if score >= thresholds[name]:
            tier = name
    return tier


@dataclass(frozen=True)
class ScoredTransaction:
    score: float
    tier: str
    explanations: list[Contribution]


@dataclass
class ScoringModel:
    kind: str
    feature_names: tuple[str, ...]
    encodings: RiskEncodings
    evaluator: Evaluator
    tier_thresholds: dict[str, float]
    batch_estimator: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    artifact_format: int = ARTIFACT_FORMAT

    def score_matrix(self, features: np.ndarray) -> np.ndarray:
        """Fraud probabilities of many rows (columns in `feature_names` order)."""
        if len(features) == 0:
            return np.zeros(0, dtype=np.float64)
        if self.batch_estimator is not None:
            return np.asarray(self.batch_estimator.predict_proba(features)[:, 1])
        return np.asarray(self.evaluator.predict(features))

    def score_vector(self, features: np.ndarray) -> float:
        """Fraud probability of one row, on the fast path."""
        return self.evaluator.predict_one(features)

    def explain_vector(self, features: np.ndarray, top: int = 5) -> list[Contribution]:
        return top_contributions(self.evaluator, features, self.feature_names, top=top)

    def tier(self, score: float, thresholds: Mapping[str, float] | None = None) -> str:
        return tier_for(score, thresholds or self.tier_thresholds)

    def transaction_vector(
        self,
        transaction: Transaction,
        *,
        card_history: Sequence[Transaction],
        merchant_history: Sequence[Transaction],
        card_first_seen: datetime | None = None,
    ) -> np.ndarray:
        raw = transaction_raw_features(
            transaction,
            card_history=card_history,
            merchant_history=merchant_history,
            card_first_seen=card_first_seen,
        )
        return feature_matrix(raw, self.encodings, self.feature_names)[0]

    def score_transaction(
        self,
        transaction: Transaction,
        *,
        card_history: Sequence[Transaction],
        merchant_history: Sequence[Transaction],
        card_first_seen: datetime | None = None,
        thresholds: Mapping[str, float] | None = None,
        explain: int = 5,
    ) -> ScoredTransaction:
        """Score one transaction from its card's and merchant's history (online)."""
        vector = self.transaction_vector(
            transaction,
            card_history=card_history,
            merchant_history=merchant_history,
            card_first_seen=card_first_seen,
        )
        score = self.score_vector(vector)
        return ScoredTransaction(
            score=score,
            tier=self.tier(score, thresholds),
            explanations=self.explain_vector(vector, top=explain) if explain else [],
        )

    def score_history(self, history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every history row (offline), in time order, and that order.

        `history.iloc[order]` lines up with the scores.
        """
        raw, order = history_raw_features(history)
        features = feature_matrix(raw, self.encodings, self.feature_names)
        return self.score_matrix(features), order

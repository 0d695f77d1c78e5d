"""Training with a time split: fit candidates, compare, compile, pick tiers.

Protocol (the Fraud Detection Handbook's): train on the transactions of a
training window with the labels known when the label delay has passed after
it (`labels_as_of`, normally the window's end + delay); then measure on a
later validation window, with the labels known today. Labels not yet known
at `labels_as_of` count as genuine, as they would have in production.
Features are point-in-time for every row, training and validation alike.

Three candidates are compared on the validation window: logistic
regression, random forest and histogram gradient boosting. The one with the
highest Average Precision is compiled to a fast evaluator (checked against
scikit-learn's own predictions) and becomes the model; the tier thresholds
come from its validation scores.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from fraud.scoring.evaluators import (
    Evaluator,
    LinearEvaluator,
    TreeEnsembleEvaluator,
)
from fraud.scoring.features import (
    FEATURE_NAMES,
    RawFeatures,
    RiskEncodings,
    feature_matrix,
    history_raw_features,
)
from fraud.scoring.metrics import detection_metrics
from fraud.scoring.model import CRITICAL, HIGH, MEDIUM, ScoringModel
from fraud.scoring.records import EPOCH, as_utc, epoch_us

LOGISTIC_REGRESSION = "logistic_regression"
RANDOM_FOREST = "random_forest"
GRADIENT_BOOSTING = "hist_gradient_boosting"
CANDIDATES = (LOGISTIC_REGRESSION, RANDOM_FOREST, GRADIENT_BOOSTING)

# Tier thresholds: the lowest score reaching the precision target on the
# validation window, but never flagging more than the share of transactions.
TIER_PRECISION_TARGETS = {MEDIUM: 0.10, HIGH: 0.50, CRITICAL: 0.90}
TIER_MAX_SHARE = {MEDIUM: 0.01, HIGH: 0.002, CRITICAL: 0.0005}
ONE_MICROSECOND = timedelta(microseconds=1)
# Compiled evaluator vs scikit-learn: the largest difference accepted.
COMPILE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TrainingConfig:
    candidates: tuple[str, ...] = CANDIDATES
    feature_names: tuple[str, ...] = FEATURE_NAMES
    random_state: int = 0
    n_jobs: int = 2
    # Above this many training rows, genuine rows are sampled (every fraud
    # kept) and weighted by 1 / sampling rate, so probabilities stay calibrated.
    max_train_rows: int = 300_000
    forest_trees: int = 100
    forest_max_depth: int = 14
    forest_min_samples_leaf: int = 3
    forest_max_rows_per_tree: int = 30_000
    boosting_iterations: int = 250
    boosting_learning_rate: float = 0.08
    boosting_leaf_nodes: int = 31
    boosting_max_depth: int = 8
    boosting_min_samples_leaf: int = 40


@dataclass(frozen=True)
class TrainingWindow:
    train_start: datetime
    train_end: datetime  # exclusive
    labels_as_of: datetime
    validation_start: datetime
    validation_end: datetime  # exclusive


@dataclass
class PreparedData:
    """Feature matrices of the training and validation rows."""

    encodings: RiskEncodings
    train_features: np.ndarray
    train_labels: np.ndarray  # labels known at labels_as_of
    validation_features: np.ndarray
    validation_labels: np.ndarray  # labels known today
    validation_cards: np.ndarray
    validation_days: np.ndarray
    feature_names: tuple[str, ...]

    @property
    def summary(self) -> dict[str, Any]:
        return {
            "train_rows": len(self.train_labels),
            "train_frauds_known": int(self.train_labels.sum()),
            "validation_rows": len(self.validation_labels),
            "validation_frauds": int(self.validation_labels.sum()),
        }


@dataclass
class CandidateResult:
    kind: str
    estimator: Any
    metrics: dict[str, float]
    fit_seconds: float
    validation_scores: np.ndarray = field(repr=False)


@dataclass
class TrainingResult:
    model: ScoringModel
    candidates: list[CandidateResult]
    data_summary: dict[str, Any]
    tier_report: dict[str, dict[str, float]]

    @property
    def chosen(self) -> CandidateResult:
        return next(c for c in self.candidates if c.kind == self.model.kind)

    def metrics(self) -> dict[str, Any]:
        """What the registry stores: every candidate's figures and the choice."""
        return {
            "chosen": self.model.kind,
            "validation": self.chosen.metrics,
            "candidates": {
                c.kind: {**c.metrics, "fit_seconds": round(c.fit_seconds, 1)}
                for c in self.candidates
            },
            "data": self.data_summary,
            "tiers": self.tier_report,
            **self.model.metadata,
        }


def _slice(raw: RawFeatures, mask: np.ndarray) -> RawFeatures:
    return {name: values[mask] for name, values in raw.items()}


def prepare_data(
    history: pd.DataFrame,
    window: TrainingWindow,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> PreparedData:
    """Point-in-time features for the training and validation rows of `history`.

    `history` must reach back far enough before `train_start` for the
    windows (see features.MERCHANT_LOOKBACK_SECONDS).
    """
    raw, order = history_raw_features(history)
    timestamps = epoch_us(history["timestamp"])[order]

    def between(start: datetime, end: datetime) -> np.ndarray:
        low = (as_utc(start) - EPOCH) // ONE_MICROSECOND
        high = (as_utc(end) - EPOCH) // ONE_MICROSECOND
        return (timestamps >= low) & (timestamps < high)

    train = between(window.train_start, window.train_end)
    validation = between(window.validation_start, window.validation_end)
    is_fraud = history["is_fraud"].fillna(0).to_numpy(dtype=np.int64)[order] == 1
    label_times = history["label_time"]
    as_of = pd.Timestamp(window.labels_as_of)
    known_by_then = (label_times.notna() & (label_times <= as_of)).to_numpy()[order]
    train_labels = (is_fraud & known_by_then)[train].astype(np.int64)

    encodings = RiskEncodings.fit(
        mcc=raw["mcc"][train],
        country=raw["merchant_country"][train],
        labels=train_labels,
    )
    names = tuple(feature_names)
    days = timestamps // (86_400 * 1_000_000)  # UTC calendar day number
    return PreparedData(
        encodings=encodings,
        train_features=feature_matrix(_slice(raw, train), encodings, names),
        train_labels=train_labels,
        validation_features=feature_matrix(_slice(raw, validation), encodings, names),
        validation_labels=is_fraud[validation].astype(np.int64),
        validation_cards=history["card_ref"].to_numpy(dtype=object)[order][validation],
        validation_days=days[validation],
        feature_names=names,
    )


def _row_sample(n: int, limit: int, seed: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def genuine_sample(
    labels: np.ndarray, limit: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows to train on and their weights: every fraud, genuine rows sampled.

    Genuine rows are kept with probability r so that at most `limit` rows
    remain, and weigh 1 / r.
    """
    n = len(labels)
    frauds = int(labels.sum())
    if n <= limit:
        return np.arange(n), np.ones(n)
    rate = max(limit - frauds, 1) / max(n - frauds, 1)
    keep = (labels == 1) | (np.random.default_rng(seed).random(n) < rate)
    rows = np.flatnonzero(keep)
    weights = np.where(labels[rows] == 1, 1.0, 1.0 / rate)
    return rows, weights


def fit_candidate(
    kind: str, features: np.ndarray, labels: np.ndarray, config: TrainingConfig
) -> Any:
    """Fit one candidate estimator on the training rows."""
    rows, weights = genuine_sample(labels, config.max_train_rows, config.random_state)
    features, labels = features[rows], labels[rows]
    if kind == LOGISTIC_REGRESSION:
        transformed = np.log1p(np.maximum(features, 0.0))
        mean = transformed.mean(axis=0)
        scale = transformed.std(axis=0)
        scale[scale == 0] = 1.0
        regression = LogisticRegression(C=0.1, max_iter=2000)
        regression.fit((transformed - mean) / scale, labels, sample_weight=weights)
        return LinearEvaluator(
            mean=mean,
            scale=scale,
            coefficients=regression.coef_[0].astype(np.float64),
            intercept=float(regression.intercept_[0]),
        )
    if kind == RANDOM_FOREST:
        share = min(1.0, config.forest_max_rows_per_tree / max(len(labels), 1))
        return RandomForestClassifier(
            n_estimators=config.forest_trees,
            max_depth=config.forest_max_depth,
            min_samples_leaf=config.forest_min_samples_leaf,
            max_samples=share if share < 1.0 else None,
            n_jobs=config.n_jobs,
            random_state=config.random_state,
        ).fit(features, labels, sample_weight=weights)
    if kind == GRADIENT_BOOSTING:
        return HistGradientBoostingClassifier(
            learning_rate=config.boosting_learning_rate,
            max_iter=config.boosting_iterations,
            max_leaf_nodes=config.boosting_leaf_nodes,
            max_depth=config.boosting_max_depth,
            min_samples_leaf=config.boosting_min_samples_leaf,
            l2_regularization=1.0,
            early_stopping=True,
            validation_fraction=0.1,
            n_iter_no_change=30,
            random_state=config.random_state,
        ).fit(features, labels, sample_weight=weights)
    raise ValueError(f"unknown candidate {kind!r}; choose from {CANDIDATES}")


def predict(estimator: Any, features: np.ndarray) -> np.ndarray:
    if isinstance(estimator, LinearEvaluator):
        return estimator.predict(features)
    return np.asarray(estimator.predict_proba(features)[:, 1])


def compile_estimator(estimator: Any) -> Evaluator:
    if isinstance(estimator, LinearEvaluator):
        return estimator
    if isinstance(estimator, HistGradientBoostingClassifier):
        return TreeEnsembleEvaluator.from_hist_gradient_boosting(estimator)
    if isinstance(estimator, RandomForestClassifier):
        return TreeEnsembleEvaluator.from_random_forest(estimator)
    raise TypeError(f"cannot compile {type(estimator).__name__}")


def check_compiled(
    evaluator: Evaluator, expected: np.ndarray, features: np.ndarray
) -> float:
    """Largest difference between the evaluator and the reference scores."""
    rows = _row_sample(len(features), 500, 0)
    got = np.array([evaluator.predict_one(features[row]) for row in rows])
    return float(np.abs(got - expected[rows]).max()) if len(rows) else 0.0


def single_row_latency_us(evaluator: Evaluator, features: np.ndarray) -> float:
    """Median time to score one row on the fast path, in microseconds."""
    rows = features[: min(len(features), 200)]
    if not len(rows):
        return 0.0
    timings = []
    for row in np.concatenate([rows, rows]):
        start = time.perf_counter()
        evaluator.predict_one(row)
        timings.append(time.perf_counter() - start)
    return round(float(np.median(timings)) * 1e6, 1)


def choose_tier_thresholds(
    labels: np.ndarray, scores: np.ndarray
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Tier thresholds from validation scores, and how each performed there."""
    n = len(scores)
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    hits = np.cumsum(labels[order])
    flagged = np.arange(1, n + 1)
    # Only positions where the next score differs are real thresholds.
    boundary = np.r_[ranked[1:] != ranked[:-1], True]
    precision = hits / flagged
    thresholds: dict[str, float] = {}
    for tier in (MEDIUM, HIGH, CRITICAL):
        cap_rank = max(int(TIER_MAX_SHARE[tier] * n), 1)
        volume_threshold = float(ranked[min(cap_rank, n) - 1]) if n else 1.0
        reach = np.flatnonzero(boundary & (precision >= TIER_PRECISION_TARGETS[tier]))
        threshold = volume_threshold
        if len(reach):
            threshold = max(float(ranked[reach[-1]]), volume_threshold)
        thresholds[tier] = threshold
    thresholds[HIGH] = max(thresholds[HIGH], thresholds[MEDIUM])
    thresholds[CRITICAL] = max(thresholds[CRITICAL], thresholds[HIGH])
    frauds = max(int(labels.sum()), 1)
    report = {}
    for tier, threshold in thresholds.items():
        chosen = scores >= threshold
        report[tier] = {
            "threshold": threshold,
            "share_flagged": round(float(chosen.mean()) if n else 0.0, 6),
            "precision": round(
                float(labels[chosen].mean()) if chosen.any() else 0.0, 4
            ),
            "recall": round(float(labels[chosen].sum()) / frauds, 4),
        }
    return thresholds, report


def train(
    data: PreparedData,
    config: TrainingConfig = TrainingConfig(),
    metadata: dict[str, Any] | None = None,
) -> TrainingResult:
    """Fit every candidate, keep the best on validation AP, compile it."""
    if data.train_labels.sum() == 0:
        raise ValueError("no fraud label known in the training window")
    if data.validation_labels.sum() == 0:
        raise ValueError("no fraud in the validation window")
    results = []
    for kind in config.candidates:
        started = time.perf_counter()
        estimator = fit_candidate(kind, data.train_features, data.train_labels, config)
        seconds = time.perf_counter() - started
        scores = predict(estimator, data.validation_features)
        metrics = detection_metrics(
            labels=data.validation_labels,
            scores=scores,
            cards=data.validation_cards,
            days=data.validation_days,
        )
        results.append(CandidateResult(kind, estimator, metrics, seconds, scores))
    best = max(
        results,
        key=lambda c: (
            c.metrics["average_precision"],
            c.metrics["card_precision_at_100"],
        ),
    )
    evaluator = compile_estimator(best.estimator)
    difference = check_compiled(
        evaluator, best.validation_scores, data.validation_features
    )
    if difference > COMPILE_TOLERANCE:
        raise RuntimeError(f"compiled {best.kind} differs by {difference:g}")
    thresholds, tier_report = choose_tier_thresholds(
        data.validation_labels, best.validation_scores
    )
    model = ScoringModel(
        kind=best.kind,
        feature_names=data.feature_names,
        encodings=data.encodings,
        evaluator=evaluator,
        tier_thresholds=thresholds,
        batch_estimator=None
        if isinstance(evaluator, LinearEvaluator)
        else best.estimator,
        metadata={
            **(metadata or {}),
            "serving_latency_us": single_row_latency_us(
                evaluator, data.validation_features
            ),
            "compiled_max_difference": difference,
        },
    )
    return TrainingResult(
        model=model,
        candidates=results,
        data_summary=data.summary,
        tier_report=tier_report,
    )

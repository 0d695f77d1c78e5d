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

# Tier defaults (settings override them, see TierPolicy): a tier's threshold
# is the lowest score that reaches its precision target on the most recent
# validation window, raised until the expected volume fits: High and
# Critical open a review case each, so together they fit the daily review
# capacity; Critical also freezes the card, Medium asks the cardholder.
TIER_PRECISION_TARGETS = {MEDIUM: 0.10, HIGH: 0.50, CRITICAL: 0.90}
TIER_MAX_SHARE = {MEDIUM: 0.01, HIGH: 0.002, CRITICAL: 0.0005}
DEFAULT_REVIEW_CASES_PER_DAY = 50.0
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
    # Select-then-refit (`fraud_train --as-of`): this many time-ordered
    # folds, each training on `fold_train_days`, then a refit on the last
    # `refit_days` of transactions whose labels are known.
    selection_folds: int = 2
    fold_train_days: int = 14
    validation_days: int = 7
    refit_days: int = 28


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
class FoldResult:
    window: TrainingWindow
    data_summary: dict[str, Any]
    candidates: list[CandidateResult]

    def figures(self) -> dict[str, Any]:
        return {
            "train": [_day(self.window.train_start), _last_day(self.window.train_end)],
            "labels_as_of": self.window.labels_as_of.isoformat(),
            "validation": [
                _day(self.window.validation_start),
                _last_day(self.window.validation_end),
            ],
            **self.data_summary,
            "candidates": {c.kind: c.metrics for c in self.candidates},
        }


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _last_day(end: datetime) -> str:
    """The last day (inclusive) of a window ending at midnight `end`."""
    return (end - timedelta(days=1)).date().isoformat()


@dataclass
class TrainingResult:
    model: ScoringModel
    candidates: list[CandidateResult]
    data_summary: dict[str, Any]
    tier_report: dict[str, dict[str, float]]
    # Select-then-refit only: the folds the choice was made on, most recent
    # first, and the refit's window and data.
    folds: list[FoldResult] = field(default_factory=list)
    refit: dict[str, Any] | None = None

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
            **(
                {
                    "selection": {
                        "folds": [fold.figures() for fold in self.folds],
                        "mean": {c.kind: c.metrics for c in self.candidates},
                    },
                    "refit": self.refit,
                }
                if self.refit is not None
                else {}
            ),
            **self.model.metadata,
        }


def _slice(raw: RawFeatures, mask: np.ndarray) -> RawFeatures:
    return {name: values[mask] for name, values in raw.items()}


@dataclass
class HistoryRaw:
    """Raw point-in-time aggregates of a whole history, computed once and cut
    into any number of training and validation windows."""

    raw: RawFeatures
    timestamps: np.ndarray  # epoch microseconds, time order
    is_fraud: np.ndarray  # bool, time order
    label_times: pd.Series  # history order
    order: np.ndarray
    cards: np.ndarray  # time order

    @classmethod
    def of(cls, history: pd.DataFrame) -> "HistoryRaw":
        raw, order = history_raw_features(history)
        is_fraud = history["is_fraud"].fillna(0).to_numpy(dtype=np.int64)[order] == 1
        return cls(
            raw=raw,
            timestamps=epoch_us(history["timestamp"])[order],
            is_fraud=is_fraud,
            label_times=history["label_time"],
            order=order,
            cards=history["card_ref"].to_numpy(dtype=object)[order],
        )

    def between(self, start: datetime, end: datetime) -> np.ndarray:
        low = (as_utc(start) - EPOCH) // ONE_MICROSECOND
        high = (as_utc(end) - EPOCH) // ONE_MICROSECOND
        return (self.timestamps >= low) & (self.timestamps < high)

    def known_fraud(self, as_of: datetime | None) -> np.ndarray:
        """Fraud labels known at `as_of` (every label when None), time order."""
        if as_of is None:
            return self.is_fraud
        moment = pd.Timestamp(as_utc(as_of))
        known = (self.label_times.notna() & (self.label_times <= moment)).to_numpy()
        return self.is_fraud & known[self.order]


def prepare_window(
    history: HistoryRaw,
    window: TrainingWindow,
    feature_names: Sequence[str] = FEATURE_NAMES,
    *,
    validation_labels_as_of: datetime | None = None,
) -> PreparedData:
    """Training and validation matrices of one window of a history.

    Training rows carry the labels known at `window.labels_as_of`;
    validation rows the labels known at `validation_labels_as_of` (today
    when None).
    """
    raw = history.raw
    train = history.between(window.train_start, window.train_end)
    validation = history.between(window.validation_start, window.validation_end)
    train_labels = history.known_fraud(window.labels_as_of)[train].astype(np.int64)
    encodings = RiskEncodings.fit(
        mcc=raw["mcc"][train],
        country=raw["merchant_country"][train],
        labels=train_labels,
    )
    names = tuple(feature_names)
    days = history.timestamps // (86_400 * 1_000_000)  # UTC calendar day number
    return PreparedData(
        encodings=encodings,
        train_features=feature_matrix(_slice(raw, train), encodings, names),
        train_labels=train_labels,
        validation_features=feature_matrix(_slice(raw, validation), encodings, names),
        validation_labels=history.known_fraud(validation_labels_as_of)[
            validation
        ].astype(np.int64),
        validation_cards=history.cards[validation],
        validation_days=days[validation],
        feature_names=names,
    )


def prepare_data(
    history: pd.DataFrame,
    window: TrainingWindow,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> PreparedData:
    """Point-in-time features for the training and validation rows of `history`.

    `history` must reach back far enough before `train_start` for the
    windows (see features.MERCHANT_LOOKBACK_SECONDS).
    """
    return prepare_window(HistoryRaw.of(history), window, feature_names)


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


@dataclass(frozen=True)
class TierPolicy:
    """What the tiers may cost: review capacity and the precision each must reach.

    High and Critical each open a review case: together they are held to
    `review_cases_per_day`. Critical (which also freezes the card) and
    Medium (which asks the cardholder) are held to a share of the traffic.
    """

    review_cases_per_day: float = DEFAULT_REVIEW_CASES_PER_DAY
    precision_targets: dict[str, float] = field(
        default_factory=lambda: dict(TIER_PRECISION_TARGETS)
    )
    max_share: dict[str, float] = field(default_factory=lambda: dict(TIER_MAX_SHARE))


def choose_tier_thresholds(
    labels: np.ndarray,
    scores: np.ndarray,
    policy: TierPolicy | None = None,
    days: float | None = None,
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Tier thresholds from validation scores, and how each performed there.

    Each tier's threshold is the lowest score whose cumulative precision
    reaches the tier's target, raised to respect its volume limit: a share
    of the traffic, and for High (and so Critical) the daily review capacity
    over the `days` the window spans. Without `days` only the shares apply.
    """
    policy = policy or TierPolicy()
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
        cap_rank = max(int(policy.max_share[tier] * n), 1)
        if tier in (HIGH, CRITICAL) and days:
            capacity_rank = max(int(policy.review_cases_per_day * days), 1)
            cap_rank = capacity_rank if tier == HIGH else min(cap_rank, capacity_rank)
        volume_threshold = float(ranked[min(cap_rank, n) - 1]) if n else 1.0
        target = policy.precision_targets[tier]
        reach = np.flatnonzero(boundary & (precision >= target))
        threshold = volume_threshold
        if len(reach):
            threshold = max(float(ranked[reach[-1]]), volume_threshold)
        elif n:
            threshold = float(ranked[0]) + 1e-9  # nothing reaches the target
        thresholds[tier] = threshold
    thresholds[HIGH] = max(thresholds[HIGH], thresholds[MEDIUM])
    thresholds[CRITICAL] = max(thresholds[CRITICAL], thresholds[HIGH])
    return thresholds, tier_report(labels, scores, thresholds, days)


def tier_report(
    labels: np.ndarray,
    scores: np.ndarray,
    thresholds: dict[str, float],
    days: float | None = None,
) -> dict[str, dict[str, float]]:
    """Per tier: its threshold, the share and (with `days`) the number per day
    at or above it, and precision and recall there."""
    n = len(scores)
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
        if days:
            report[tier]["per_day"] = round(float(chosen.sum()) / days, 2)
    return report


def _window_days(days: np.ndarray) -> int:
    return max(len(np.unique(days)), 1)


def _fit_and_validate(
    data: PreparedData, config: TrainingConfig
) -> list[CandidateResult]:
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
    return results


def _ranking_key(metrics: dict[str, float]) -> tuple[float, float]:
    return (metrics["average_precision"], metrics["card_precision_at_100"])


def _compile_checked(estimator: Any, features: np.ndarray) -> tuple[Evaluator, float]:
    evaluator = compile_estimator(estimator)
    difference = check_compiled(evaluator, predict(estimator, features), features)
    if difference > COMPILE_TOLERANCE:
        raise RuntimeError(f"compiled estimator differs by {difference:g}")
    return evaluator, difference


def train(
    data: PreparedData,
    config: TrainingConfig = TrainingConfig(),
    metadata: dict[str, Any] | None = None,
    policy: TierPolicy | None = None,
) -> TrainingResult:
    """Fit every candidate, keep the best on validation AP, compile it."""
    if data.train_labels.sum() == 0:
        raise ValueError("no fraud label known in the training window")
    if data.validation_labels.sum() == 0:
        raise ValueError("no fraud in the validation window")
    results = _fit_and_validate(data, config)
    best = max(results, key=lambda c: _ranking_key(c.metrics))
    evaluator = compile_estimator(best.estimator)
    difference = check_compiled(
        evaluator, best.validation_scores, data.validation_features
    )
    if difference > COMPILE_TOLERANCE:
        raise RuntimeError(f"compiled {best.kind} differs by {difference:g}")
    thresholds, tiers = choose_tier_thresholds(
        data.validation_labels,
        best.validation_scores,
        policy,
        days=_window_days(data.validation_days),
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
        tier_report=tiers,
    )


def selection_folds(
    *, labelled_end: datetime, label_delay: timedelta, config: TrainingConfig
) -> list[TrainingWindow]:
    """Time-ordered selection folds inside the labelled period, most recent first.

    Each validates on `validation_days` ending at most at `labelled_end`
    (the transactions whose labels are known at training time) and trains
    on the `fold_train_days` that end `label_delay` before its validation
    starts, with the labels known then: the deployment protocol, replayed.
    """
    validation = timedelta(days=config.validation_days)
    folds = []
    for index in range(config.selection_folds):
        validation_end = labelled_end - index * validation
        validation_start = validation_end - validation
        train_end = validation_start - label_delay
        folds.append(
            TrainingWindow(
                train_start=train_end - timedelta(days=config.fold_train_days),
                train_end=train_end,
                labels_as_of=validation_start,
                validation_start=validation_start,
                validation_end=validation_end,
            )
        )
    return folds


def _carry_thresholds(
    fold_scores: np.ndarray, fold_thresholds: dict[str, float], refit_scores: np.ndarray
) -> dict[str, float]:
    """Thresholds for the refit model that flag the same share of traffic as
    the fold model's thresholds did (the refit's scores on transactions it
    was not trained on)."""
    if not len(refit_scores) or not len(fold_scores):
        return dict(fold_thresholds)
    ranked = np.sort(refit_scores)[::-1]
    carried = {}
    for tier, threshold in fold_thresholds.items():
        share = float((fold_scores >= threshold).mean())
        rank = round(share * len(ranked))
        carried[tier] = (
            float(ranked[rank - 1]) if rank >= 1 else float(np.nextafter(1.0, 2.0))
        )
    carried[HIGH] = max(carried[HIGH], carried[MEDIUM])
    carried[CRITICAL] = max(carried[CRITICAL], carried[HIGH])
    return carried


def select_and_refit(
    history: HistoryRaw,
    *,
    as_of: datetime,
    label_delay: timedelta,
    config: TrainingConfig = TrainingConfig(),
    policy: TierPolicy | None = None,
    metadata: dict[str, Any] | None = None,
) -> tuple[TrainingResult, TrainingWindow]:
    """Choose the candidate on time-ordered folds, refit it on every label
    known at `as_of`; return the result and the refit's window.

    The refit trains on the `refit_days` of transactions that end
    `label_delay` before `as_of` (their labels are known), with the labels
    known at `as_of`; the transactions of the last `label_delay` (labels
    not known yet) are its out-of-sample window: the tier thresholds chosen
    on the most recent fold keep the share of traffic they flag there.
    """
    labelled_end = as_of - label_delay
    folds: list[FoldResult] = []
    recent: tuple[PreparedData, list[CandidateResult]] | None = None
    for window in selection_folds(
        labelled_end=labelled_end, label_delay=label_delay, config=config
    ):
        data = prepare_window(
            history, window, config.feature_names, validation_labels_as_of=as_of
        )
        if data.train_labels.sum() == 0 or data.validation_labels.sum() == 0:
            continue
        results = _fit_and_validate(data, config)
        folds.append(FoldResult(window, data.summary, results))
        if recent is None:
            recent = (data, results)
    if recent is None:
        raise ValueError(
            "no selection fold has known frauds in both its training and "
            "validation windows; give more labelled history"
        )
    mean_metrics = {
        kind: {
            name: round(
                float(
                    np.mean(
                        [
                            next(c for c in fold.candidates if c.kind == kind).metrics[
                                name
                            ]
                            for fold in folds
                        ]
                    )
                ),
                4,
            )
            for name in ("auc_roc", "average_precision", "card_precision_at_100")
        }
        for kind in config.candidates
    }
    best_kind = max(
        config.candidates, key=lambda kind: _ranking_key(mean_metrics[kind])
    )
    refit_window = TrainingWindow(
        train_start=labelled_end - timedelta(days=config.refit_days),
        train_end=labelled_end,
        labels_as_of=as_of,
        validation_start=labelled_end,
        validation_end=as_of,
    )
    refit = prepare_window(history, refit_window, config.feature_names)
    if refit.train_labels.sum() == 0:
        raise ValueError("no fraud label known in the refit window")
    started = time.perf_counter()
    estimator = fit_candidate(
        best_kind, refit.train_features, refit.train_labels, config
    )
    refit_seconds = time.perf_counter() - started
    check_rows = (
        refit.validation_features
        if len(refit.validation_features)
        else refit.train_features
    )
    evaluator, difference = _compile_checked(estimator, check_rows)

    recent_data, recent_results = recent
    chosen_recent = next(c for c in recent_results if c.kind == best_kind)
    days = _window_days(recent_data.validation_days)
    fold_thresholds, tiers = choose_tier_thresholds(
        recent_data.validation_labels, chosen_recent.validation_scores, policy, days
    )
    thresholds = _carry_thresholds(
        chosen_recent.validation_scores,
        fold_thresholds,
        predict(estimator, refit.validation_features),
    )
    for tier, threshold in thresholds.items():
        tiers[tier]["fold_threshold"] = tiers[tier]["threshold"]
        tiers[tier]["threshold"] = threshold
    model = ScoringModel(
        kind=best_kind,
        feature_names=refit.feature_names,
        encodings=refit.encodings,
        evaluator=evaluator,
        tier_thresholds=thresholds,
        batch_estimator=None if isinstance(evaluator, LinearEvaluator) else estimator,
        metadata={
            **(metadata or {}),
            "serving_latency_us": single_row_latency_us(evaluator, check_rows),
            "compiled_max_difference": difference,
        },
    )
    mean_results = [
        CandidateResult(
            kind=kind,
            estimator=None,
            metrics=mean_metrics[kind],
            fit_seconds=sum(
                next(c for c in fold.candidates if c.kind == kind).fit_seconds
                for fold in folds
            ),
            validation_scores=next(
                c for c in recent_results if c.kind == kind
            ).validation_scores,
        )
        for kind in config.candidates
    ]
    result = TrainingResult(
        model=model,
        candidates=mean_results,
        data_summary=recent_data.summary,
        tier_report=tiers,
        folds=folds,
        refit={
            "train": [
                _day(refit_window.train_start),
                _last_day(refit_window.train_end),
            ],
            "labels_as_of": as_of.isoformat(),
            "rows": len(refit.train_labels),
            "frauds_known": int(refit.train_labels.sum()),
            "unlabelled_rows_for_tiers": len(refit.validation_features),
            "fit_seconds": round(refit_seconds, 1),
        },
    )
    return result, refit_window

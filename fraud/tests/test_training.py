"""Training: a time split with label delay, and a model that clearly learns."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from fraud.scoring.features import FEATURE_NAMES
from fraud.scoring.metrics import average_precision
from fraud.scoring.training import (
    CANDIDATES,
    TrainingWindow,
    choose_tier_thresholds,
    genuine_sample,
    prepare_data,
    train,
)
from fraud.tests.conftest import FAST_TRAINING

WINDOW = TrainingWindow(
    train_start=datetime(2026, 1, 6, tzinfo=UTC),
    train_end=datetime(2026, 1, 13, tzinfo=UTC),
    labels_as_of=datetime(2026, 1, 16, tzinfo=UTC),
    validation_start=datetime(2026, 1, 16, tzinfo=UTC),
    validation_end=datetime(2026, 1, 23, tzinfo=UTC),
)


@pytest.fixture(scope="module")
def prepared(small_world_frame):
    return prepare_data(small_world_frame, WINDOW)


def test_training_uses_only_the_labels_known_after_the_delay(
    small_world_frame, prepared
):
    """Frauds of the training week reported after labels_as_of count as genuine."""
    frame = small_world_frame
    in_training = (frame["timestamp"] >= WINDOW.train_start) & (
        frame["timestamp"] < WINDOW.train_end
    )
    frauds = frame[in_training & (frame["is_fraud"] == 1)]
    known = frauds["label_time"] <= pd.Timestamp(WINDOW.labels_as_of)

    assert prepared.train_labels.sum() == known.sum()
    assert known.sum() < len(frauds)  # some were reported too late
    assert len(prepared.train_labels) == in_training.sum()


def test_a_trained_model_beats_a_trivial_baseline_by_a_clear_margin(prepared):
    """On the later validation week, AP far above ranking by amount."""
    result = train(prepared, FAST_TRAINING)

    amount = prepared.validation_features[:, FEATURE_NAMES.index("amount")]
    baseline = average_precision(prepared.validation_labels, amount)
    chosen = result.chosen.metrics
    assert [c.kind for c in result.candidates] == list(CANDIDATES)
    assert chosen["average_precision"] == max(
        c.metrics["average_precision"] for c in result.candidates
    )
    assert chosen["average_precision"] >= 0.6
    assert chosen["average_precision"] >= baseline + 0.4
    assert chosen["auc_roc"] >= 0.9
    assert result.model.metadata["compiled_max_difference"] <= 1e-9
    thresholds = result.model.tier_thresholds
    assert thresholds["medium"] <= thresholds["high"] <= thresholds["critical"]


def test_tier_thresholds_reach_precision_within_volume_caps():
    """Scores 1..1000, frauds at the top 10: every tier flags only frauds."""
    scores = np.arange(1, 1001) / 1000
    labels = (scores > 0.990).astype(int)

    thresholds, report = choose_tier_thresholds(labels, scores)

    assert thresholds == {"medium": 0.991, "high": 0.999, "critical": 1.0}
    assert report["medium"]["precision"] == 1.0
    assert report["medium"]["recall"] == 1.0
    assert report["high"]["share_flagged"] == 0.002


def test_genuine_rows_are_sampled_and_weighted_above_the_limit():
    labels = np.array([1] * 10 + [0] * 990)

    rows, weights = genuine_sample(labels, limit=110, seed=0)

    assert set(range(10)) <= set(rows.tolist())
    assert weights[:10].tolist() == [1.0] * 10
    assert weights[10:].tolist() == [990 / 100] * (len(rows) - 10)
    assert 60 < len(rows) < 160

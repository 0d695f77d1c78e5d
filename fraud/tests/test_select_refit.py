"""Select on time-ordered folds, then refit on every label known at training time."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from fraud.models import ModelVersion
from fraud.scoring.training import (
    HistoryRaw,
    TierPolicy,
    choose_tier_thresholds,
    select_and_refit,
    selection_folds,
)
from fraud.tests.conftest import FAST_TRAINING

AS_OF = datetime(2026, 1, 24, tzinfo=UTC)
DELAY = timedelta(days=3)
CONFIG = replace(FAST_TRAINING, fold_train_days=6, validation_days=4, refit_days=12)


def test_folds_are_time_ordered_inside_the_labelled_period_with_the_delay():
    """Validation ends where labels stop being known; training ends a delay
    before its validation starts and reads the labels known then."""
    folds = selection_folds(
        labelled_end=AS_OF - DELAY, label_delay=DELAY, config=CONFIG
    )

    day = datetime(2026, 1, 1, tzinfo=UTC)
    assert [
        (
            (f.train_start - day).days,
            (f.train_end - day).days,
            (f.labels_as_of - day).days,
            (f.validation_start - day).days,
            (f.validation_end - day).days,
        )
        for f in folds
    ] == [(7, 13, 16, 16, 20), (3, 9, 12, 12, 16)]


@pytest.fixture(scope="module")
def refit(small_world_frame):
    return select_and_refit(
        HistoryRaw.of(small_world_frame), as_of=AS_OF, label_delay=DELAY, config=CONFIG
    )


def test_the_refit_trains_on_every_transaction_whose_label_is_known(
    small_world_frame, refit
):
    result, window = refit
    frame = small_world_frame
    in_window = (frame["timestamp"] >= window.train_start) & (
        frame["timestamp"] < window.train_end
    )
    known = (frame["is_fraud"] == 1) & (frame["label_time"] <= pd.Timestamp(AS_OF))

    assert window.train_end == AS_OF - DELAY
    assert window.train_start == AS_OF - DELAY - timedelta(days=12)
    assert result.refit["rows"] == int(in_window.sum())
    assert result.refit["frauds_known"] == int((in_window & known).sum())
    assert result.refit["labels_as_of"] == AS_OF.isoformat()
    assert [fold.window.validation_end for fold in result.folds] == [
        AS_OF - DELAY,
        AS_OF - DELAY - timedelta(days=4),
    ]
    assert (
        result.model.kind
        == max(
            result.candidates,
            key=lambda c: (
                c.metrics["average_precision"],
                c.metrics["card_precision_at_100"],
            ),
        ).kind
    )
    metrics = result.metrics()
    assert len(metrics["selection"]["folds"]) == 2
    assert metrics["refit"]["train"] == ["2026-01-09", "2026-01-20"]


def test_labels_reported_after_the_training_time_change_nothing(
    small_world_frame, refit
):
    """Erase every label not yet known at as_of: same choice, same model."""
    result, _ = refit
    erased = small_world_frame.copy()
    future = erased["label_time"] > pd.Timestamp(AS_OF)
    assert ((erased["is_fraud"] == 1) & future).any()
    erased.loc[future, "is_fraud"] = 0
    erased.loc[future, "label_time"] = pd.NaT

    again, _ = select_and_refit(
        HistoryRaw.of(erased), as_of=AS_OF, label_delay=DELAY, config=CONFIG
    )

    assert again.model.kind == result.model.kind
    assert again.model.tier_thresholds == result.model.tier_thresholds
    assert [c.metrics for c in again.candidates] == [
        c.metrics for c in result.candidates
    ]
    rows = np.random.default_rng(0).random((50, len(result.model.feature_names)))
    assert np.array_equal(
        again.model.score_matrix(rows), result.model.score_matrix(rows)
    )


def test_high_and_critical_together_fit_the_daily_review_capacity():
    """2,000 transactions over 4 days, frauds at the top 40: with 5 cases a
    day, High flags the top 20 only, although 40 would reach its precision."""
    scores = np.arange(1, 2001) / 2000
    labels = (np.arange(1, 2001) > 1960).astype(int)
    policy = TierPolicy(review_cases_per_day=5)

    thresholds, report = choose_tier_thresholds(labels, scores, policy, days=4)

    assert thresholds["high"] == scores[-20]
    assert report["high"]["per_day"] == 5.0
    assert report["high"]["precision"] == 1.0
    assert report["critical"]["per_day"] == 0.25  # the 0.05 % share cap
    assert report["medium"]["per_day"] == 5.0  # 1 % share cap: 20 rows


def test_a_tier_no_score_reaches_in_precision_flags_nothing():
    scores = np.arange(1, 101) / 100
    labels = np.zeros(100, dtype=int)
    labels[::10] = 1  # precision 0.1 everywhere

    thresholds, report = choose_tier_thresholds(
        labels, scores, TierPolicy(review_cases_per_day=100), days=1
    )

    assert thresholds["high"] > 1.0
    assert report["high"]["per_day"] == 0.0


@pytest.mark.django_db
def test_fraud_train_as_of_registers_the_refit_and_prints_its_id_last(
    small_world_csv, media_root
):
    call_command(
        "import_transactions", str(small_world_csv), "--no-progress", stdout=StringIO()
    )
    out = StringIO()

    call_command(
        "fraud_train",
        "--as-of",
        "2026-01-23",
        "--label-delay-days",
        "3",
        "--candidates",
        "logistic_regression,random_forest",
        "--jobs",
        "1",
        stdout=out,
    )

    version = ModelVersion.objects.get()
    lines = out.getvalue().splitlines()
    assert lines[-1] == str(version.public_id)
    assert version.refit_to.isoformat() == "2026-01-20"  # as of the 23rd, 3 days
    assert version.labels_as_of == AS_OF
    assert version.validation_to.isoformat() == "2026-01-20"
    assert version.train_to < version.validation_from
    assert set(version.metrics["selection"]["mean"]) == {
        "logistic_regression",
        "random_forest",
    }
    assert version.metrics["refit"]["labels_as_of"] == AS_OF.isoformat()
    assert any(line.startswith("refit ") for line in lines)


@pytest.mark.django_db
def test_fraud_train_wants_one_form_or_the_other():
    for arguments in (
        [],
        ["--train-from", "2026-01-01"],
        [
            "--as-of",
            "2026-01-23",
            "--train-from",
            "2026-01-01",
            "--train-to",
            "2026-01-07",
        ],
    ):
        with pytest.raises(Exception, match="--as-of"):
            call_command("fraud_train", *arguments, stdout=StringIO())

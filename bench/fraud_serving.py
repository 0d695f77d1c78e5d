"""Benchmark: scoring one transaction on the hot path (target: well under 1 ms).

Trains the standard candidates on a simulated history (no database), then
times, per single row: the compiled serving model, its explanations, the
online features from a card's and a merchant's history, and the whole
`score_transaction`; next to scikit-learn's own predict_proba on one row
(gradient boosting, and a 200-tree random forest). Also the batch rate.
Prints one JSON object.

    .venv/bin/python bench/fraud_serving.py
"""

import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import joblib
import numpy as np
import pandas as pd
from fraud_support import emit, machine
from sklearn.ensemble import RandomForestClassifier

from fraud.scoring.features import (
    CARD_LOOKBACK_SECONDS,
    MERCHANT_LOOKBACK_SECONDS,
    history_features,
)
from fraud.scoring.records import frame_records, normalise_history_frame
from fraud.scoring.training import (
    TrainingConfig,
    TrainingWindow,
    prepare_data,
    train,
)
from fraud.simulation import SimulationConfig, Simulator

REPEATS = 5_000


def timings_us(function, arguments: list) -> dict[str, float]:  # type: ignore[no-untyped-def]
    for argument in arguments[:50]:
        function(argument)
    samples = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        samples.append(time.perf_counter() - started)
    values = np.array(samples) * 1e6
    return {
        "p50_us": round(float(np.percentile(values, 50)), 1),
        "p99_us": round(float(np.percentile(values, 99)), 1),
    }


def main() -> None:
    simulator = Simulator(
        SimulationConfig(cards=4_000, days=50, start=date(2026, 1, 1))
    )
    frame = pd.concat(list(simulator.days()), ignore_index=True)
    frame = normalise_history_frame(frame.drop(columns=["scenario"]))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    window = TrainingWindow(
        train_start=start + timedelta(days=30),
        train_end=start + timedelta(days=37),
        labels_as_of=start + timedelta(days=44),
        validation_start=start + timedelta(days=44),
        validation_end=start + timedelta(days=50),
    )
    data = prepare_data(frame, window)
    result = train(data, TrainingConfig())
    model = result.model
    rows = list(data.validation_features[:REPEATS])

    # Online: each test transaction with its card's and merchant's history.
    _features, order = history_features(frame, model.encodings)
    records = frame_records(frame.iloc[order])
    by_card, by_merchant = defaultdict(list), defaultdict(list)
    cases = []
    for record in records:
        if record.timestamp >= window.validation_start and len(cases) < 2_000:
            moment = record.timestamp
            card = [
                r
                for r in by_card[record.card_ref]
                if (moment - r.timestamp).total_seconds() < CARD_LOOKBACK_SECONDS
            ]
            merchant = [
                r
                for r in by_merchant[record.merchant_ref]
                if (moment - r.timestamp).total_seconds() < MERCHANT_LOOKBACK_SECONDS
            ]
            cases.append((record, card, merchant))
        by_card[record.card_ref].append(record)
        by_merchant[record.merchant_ref].append(record)

    def online(case):  # type: ignore[no-untyped-def]
        record, card, merchant = case
        return model.transaction_vector(
            record, card_history=card, merchant_history=merchant
        )

    def whole(case):  # type: ignore[no-untyped-def]
        record, card, merchant = case
        return model.score_transaction(
            record, card_history=card, merchant_history=merchant
        )

    chosen = result.chosen.estimator
    forest = RandomForestClassifier(n_estimators=200, n_jobs=1, random_state=0).fit(
        data.train_features[:50_000], data.train_labels[:50_000]
    )
    one_row = [row.reshape(1, -1) for row in rows[:300]]

    batch = data.validation_features
    started = time.perf_counter()
    model.score_matrix(batch)
    batch_seconds = time.perf_counter() - started

    artifact = Path("/tmp/fraud-serving-bench.joblib")
    joblib.dump(model, artifact, compress=3)
    started = time.perf_counter()
    joblib.load(artifact)
    load_seconds = time.perf_counter() - started
    artifact.unlink()

    emit(
        {
            "benchmark": "fraud_serving",
            "model": model.kind,
            "trees": len(getattr(model.evaluator, "roots", [])),
            "features": len(model.feature_names),
            "score_one_row": timings_us(model.score_vector, rows),
            "score_and_explain_one_row": timings_us(
                lambda row: (model.score_vector(row), model.explain_vector(row)), rows
            ),
            "online_features_one_transaction": timings_us(online, cases),
            "score_transaction_end_to_end": timings_us(whole, cases),
            "mean_card_history_rows": round(
                float(np.mean([len(c[1]) for c in cases])), 1
            ),
            "mean_merchant_history_rows": round(
                float(np.mean([len(c[2]) for c in cases])), 1
            ),
            "sklearn_predict_proba_one_row": timings_us(
                lambda row: chosen.predict_proba(row), one_row
            ),
            "sklearn_random_forest_200_trees_one_row": timings_us(
                lambda row: forest.predict_proba(row), one_row
            ),
            "batch_rows_per_second": round(len(batch) / batch_seconds),
            "artifact_load_ms": round(load_seconds * 1e3, 1),
            **machine(),
        }
    )


if __name__ == "__main__":
    main()

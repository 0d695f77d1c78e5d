"""Benchmark: model quality on the simulator's standard protocol.

simulate -> import_transactions -> fraud_train (train 7 days, 7-day label
delay, test the 7 days after) -> fraud_score_history on the test week.
Reports AUC ROC, AP and Card Precision@100 of our model next to a random
forest on the Fraud Detection Handbook's 15 features, trained on the same
rows with the same labels. The forest's hyper-parameters are picked on the
test week itself, which flatters the baseline. Prints one JSON object.

    .venv/bin/python bench/fraud_quality.py [--cards 10000] [--seed 42]
"""

import argparse
import csv
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

from fraud_support import emit, machine, setup_django

START = date(2026, 1, 1)
DAYS = 60
TRAIN_FROM = START + timedelta(days=38)  # after a month of history for features
TRAIN_TO = TRAIN_FROM + timedelta(days=6)
DELAY = 7
TEST_FROM = TRAIN_TO + timedelta(days=DELAY + 1)
TEST_TO = TEST_FROM + timedelta(days=6)
FOREST_GRID = [
    {"max_depth": depth, "min_samples_leaf": leaf}
    for depth in (5, 10, 20, None)
    for leaf in (1, 5)
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    arguments = parser.parse_args()
    setup_django()

    import numpy as np
    from django.core.management import call_command
    from sklearn.ensemble import RandomForestClassifier

    from fraud.models import HistoricalTransaction, ModelVersion
    from fraud.scoring.features import HANDBOOK_FEATURE_NAMES
    from fraud.scoring.metrics import detection_metrics
    from fraud.scoring.training import prepare_data
    from fraud.selectors import HISTORY_LOOKBACK, history_frame
    from fraud.services.training import training_window
    from fraud.simulation import SimulationConfig, simulate_to_path

    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "history.csv"
        totals = simulate_to_path(
            SimulationConfig(
                cards=arguments.cards, days=DAYS, start=START, seed=arguments.seed
            ),
            history,
        )
        call_command(
            "import_transactions", str(history), "--no-progress", stdout=StringIO()
        )

        started = time.perf_counter()
        out = StringIO()
        call_command(
            "fraud_train",
            "--train-from",
            TRAIN_FROM.isoformat(),
            "--train-to",
            TRAIN_TO.isoformat(),
            "--label-delay-days",
            str(DELAY),
            stdout=out,
        )
        train_seconds = time.perf_counter() - started
        version = ModelVersion.objects.get(public_id=out.getvalue().splitlines()[-1])

        scores_path = Path(folder) / "scores.csv"
        call_command(
            "fraud_score_history",
            "--model",
            str(version.public_id),
            "--from",
            TEST_FROM.isoformat(),
            "--to",
            TEST_TO.isoformat(),
            "--output",
            str(scores_path),
            stdout=StringIO(),
        )
        with scores_path.open(newline="") as handle:
            scored = list(csv.DictReader(handle))

    labels = dict(
        HistoricalTransaction.objects.filter(
            transaction_id__in=[row["transaction_id"] for row in scored]
        ).values_list("transaction_id", "is_fraud")
    )
    from_file = detection_metrics(
        labels=np.array([int(bool(labels[row["transaction_id"]])) for row in scored]),
        scores=np.array([float(row["score"]) for row in scored]),
        cards=np.array([row["card_ref"] for row in scored], dtype=object),
        days=np.array([row["timestamp"][:10] for row in scored], dtype=object),
    )

    window = training_window(
        train_from=TRAIN_FROM,
        train_to=TRAIN_TO,
        label_delay_days=DELAY,
        validation_days=7,
    )
    frame = history_frame(
        start=window.train_start - HISTORY_LOOKBACK, end=window.validation_end
    )
    handbook = prepare_data(frame, window, HANDBOOK_FEATURE_NAMES)
    grid = []
    for parameters in FOREST_GRID:
        forest = RandomForestClassifier(
            n_estimators=100, n_jobs=-1, random_state=0, **parameters
        ).fit(handbook.train_features, handbook.train_labels)
        metrics = detection_metrics(
            labels=handbook.validation_labels,
            scores=forest.predict_proba(handbook.validation_features)[:, 1],
            cards=handbook.validation_cards,
            days=handbook.validation_days,
        )
        grid.append({"parameters": parameters, **metrics})
    best = max(grid, key=lambda row: row["average_precision"])
    # The best CP@100 any scoring could reach: the labels themselves as scores.
    ceiling = detection_metrics(
        labels=handbook.validation_labels,
        scores=handbook.validation_labels.astype(float),
        cards=handbook.validation_cards,
        days=handbook.validation_days,
    )["card_precision_at_100"]
    ours = version.metrics["validation"]
    emit(
        {
            "benchmark": "fraud_quality",
            "protocol": {
                "simulated_days": DAYS,
                "cards": arguments.cards,
                "seed": arguments.seed,
                "train": [TRAIN_FROM.isoformat(), TRAIN_TO.isoformat()],
                "label_delay_days": DELAY,
                "test": [TEST_FROM.isoformat(), TEST_TO.isoformat()],
            },
            "transactions": totals["rows"],
            "fraud_share": round(totals["frauds"] / totals["rows"], 5),
            "train_rows": version.metrics["data"]["train_rows"],
            "train_frauds_known": version.metrics["data"]["train_frauds_known"],
            "test_rows": version.metrics["data"]["validation_rows"],
            "test_frauds": version.metrics["data"]["validation_frauds"],
            "ours": {"model": version.kind, **ours},
            "ours_from_fraud_score_history": from_file,
            "candidates": version.metrics["candidates"],
            "card_precision_at_100_ceiling": ceiling,
            "handbook_random_forest": best,
            "handbook_grid": grid,
            "ap_ratio": round(ours["average_precision"] / best["average_precision"], 2),
            "cp100_ratio": round(
                ours["card_precision_at_100"] / best["card_precision_at_100"], 2
            ),
            "train_seconds": round(train_seconds, 1),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **machine(),
        }
    )


if __name__ == "__main__":
    main()

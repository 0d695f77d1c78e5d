"""Benchmark: `fraud_train` on 1M labelled transactions (target <= 3 min, <= 4 GB).

Simulates ~1.5M transactions over 40 days (about 1M in the 26-day training
window, then 7 days of label delay and 7 of validation), imports them into
a fresh MariaDB database, then times `manage.py fraud_train` in a child
process and reads its peak memory. Prints one JSON object.

    .venv/bin/python bench/fraud_train.py [--cards 25000]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from fraud_support import ROOT, database_version, emit, machine, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=25_000)
    arguments = parser.parse_args()
    setup_django()

    from fraud.models import HistoricalTransaction, ModelVersion
    from fraud.services.history import historical_transactions_import
    from fraud.simulation import SimulationConfig, simulate_to_path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.csv"
        simulate_to_path(
            SimulationConfig(cards=arguments.cards, days=40, start=date(2026, 1, 1)),
            path,
        )
        started = time.perf_counter()
        imported = historical_transactions_import(path=path)
        import_seconds = time.perf_counter() - started

    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "fraud_train",
            "--train-from",
            "2026-01-01",
            "--train-to",
            "2026-01-26",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_kilobytes = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    version = ModelVersion.objects.get(public_id=completed.stdout.splitlines()[-1])
    metrics = version.metrics
    emit(
        {
            "benchmark": "fraud_train",
            "stored_rows": HistoricalTransaction.objects.count(),
            "train_rows": metrics["data"]["train_rows"],
            "validation_rows": metrics["data"]["validation_rows"],
            "train_seconds": round(seconds, 1),
            "train_peak_memory_mb": round(peak_kilobytes / 1024),
            "chosen": metrics["chosen"],
            "validation": metrics["validation"],
            "fit_seconds": {
                kind: figures["fit_seconds"]
                for kind, figures in metrics["candidates"].items()
            },
            "serving_latency_us": metrics["serving_latency_us"],
            "import_rows_per_second": round(imported.rows_read / import_seconds),
            "target": {"seconds": 180, "memory_mb": 4096},
            "database": database_version(),
            **machine(),
        }
    )


if __name__ == "__main__":
    main()

"""Benchmark: `import_transactions` rate into MariaDB (target >= 20,000 rows/s).

Simulates a history file, imports it into a fresh database, then imports it
again (every row already present). Prints one JSON object.

    .venv/bin/python bench/fraud_import.py [--cards 20000] [--days 15]
"""

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from fraud_support import database_version, emit, machine, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=15)
    arguments = parser.parse_args()
    setup_django()

    from fraud.models import HistoricalTransaction
    from fraud.services.history import historical_transactions_import
    from fraud.simulation import SimulationConfig, simulate_to_path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.csv"
        config = SimulationConfig(
            cards=arguments.cards, days=arguments.days, start=date(2026, 1, 1)
        )
        totals = simulate_to_path(config, path)
        started = time.perf_counter()
        first = historical_transactions_import(path=path)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = historical_transactions_import(path=path)
        again_seconds = time.perf_counter() - started
        size = path.stat().st_size
    emit(
        {
            "benchmark": "fraud_import",
            "rows": totals["rows"],
            "file_megabytes": round(size / 1e6, 1),
            "inserted": first.inserted,
            "seconds": round(first_seconds, 1),
            "rows_per_second": round(first.rows_read / first_seconds),
            "rerun_inserted": again.inserted,
            "rerun_rows_per_second": round(again.rows_read / again_seconds),
            "stored_rows": HistoricalTransaction.objects.count(),
            "target_rows_per_second": 20_000,
            "database": database_version(),
            **machine(),
        }
    )


if __name__ == "__main__":
    main()

"""Point Django at a benchmark database on MariaDB, migrated and ready.

Benchmarks default to mysql://issuer:issuer@127.0.0.1:3306/issuer_bench
(override with BENCH_DATABASE_URL) so they never touch the demo database.
"""

import json
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "mysql://issuer:issuer@127.0.0.1:3306/issuer_bench"


def setup(*, fresh: bool = False) -> None:
    """Configure Django for a benchmark; `fresh` drops and recreates the database."""
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issuer.settings.local")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "off")
    if url.startswith("mysql"):
        _ensure_database(url, fresh=fresh)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _ensure_database(url: str, *, fresh: bool) -> None:
    import environ
    import MySQLdb

    config = environ.Env.db_url_config(url)
    connection = MySQLdb.connect(
        host=config["HOST"] or "127.0.0.1",
        port=int(config["PORT"] or 3306),
        user=config["USER"],
        passwd=config["PASSWORD"],
    )
    cursor = connection.cursor()
    if fresh:
        cursor.execute(f"DROP DATABASE IF EXISTS `{config['NAME']}`")
    cursor.execute(
        f"CREATE DATABASE IF NOT EXISTS `{config['NAME']}` CHARACTER SET utf8mb4"
    )
    connection.close()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    millis = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(millis, 0.50), 3),
        "p99_ms": round(percentile(millis, 0.99), 3),
        "p999_ms": round(percentile(millis, 0.999), 3),
        "mean_ms": round(statistics.fmean(millis), 3) if millis else 0.0,
    }


def report(name: str, results: dict[str, Any]) -> None:
    """Print the benchmark's one JSON object."""
    print(
        json.dumps(
            {
                "benchmark": name,
                "date": datetime.now(UTC).date().isoformat(),
                "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
                f"Python {platform.python_version()}",
                **results,
            }
        )
    )

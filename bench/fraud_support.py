"""Shared set-up for the fraud benchmarks: Django on a fresh MariaDB database.

The database is `issuer_fraud_bench` unless BENCH_DATABASE_URL says
otherwise; it is dropped and re-created on each run. Artifacts go to a
temporary MEDIA_ROOT. Logs go to stderr; stdout carries one JSON object.
"""

import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "mysql://issuer:issuer@127.0.0.1:3306/issuer_fraud_bench"


def setup_django(*, fresh_database: bool = True) -> str:
    """Point Django at the benchmark database, migrate it; return its URL."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issuer.settings.local")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="fraud-bench-media-"))
    sys.path.insert(0, str(ROOT))
    parsed = urlparse(url)
    if fresh_database and parsed.scheme == "mysql":
        import MySQLdb

        name = parsed.path.lstrip("/")
        if not name.startswith("issuer_fraud"):
            raise SystemExit(f"refusing to recreate {name!r}: not an issuer_fraud* db")
        connection = MySQLdb.connect(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 3306,
            user=parsed.username or "",
            password=parsed.password or "",
        )
        cursor = connection.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
        connection.close()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("SELECT VERSION()")
            return f"MariaDB/MySQL {cursor.fetchone()[0]}"
    return connection.vendor


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def tiny_model_activate(*, amount_weight: float = 6.0) -> None:
    """Register and activate a hand-set logistic model over the amount (the
    tests' tiny model): scoring then costs features, database and
    bookkeeping, which dominate (a trained model adds ~25 us a row).

    With `amount_weight` 0 every score is Low (0.018): scored and stored,
    no action taken (no card frozen under a benchmark's feet)."""
    from datetime import timedelta

    from django.utils import timezone

    from fraud.scoring.handset import hand_set_model
    from fraud.services.registry import model_version_activate, model_version_register

    model = hand_set_model({"amount": amount_weight})
    today = timezone.now().date()
    version = model_version_register(
        model=model,
        train_from=today - timedelta(days=30),
        train_to=today - timedelta(days=15),
        validation_from=today - timedelta(days=14),
        validation_to=today - timedelta(days=1),
        label_delay_days=7,
        metrics={},
    )
    model_version_activate(version=version)


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, sort_keys=False))

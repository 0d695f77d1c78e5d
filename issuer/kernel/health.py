"""`GET /healthz`: 200 when the database answers; each dependency named."""

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from issuer.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 1.0


def _database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"state": "down", "error": exc.__class__.__name__}
    return {"state": "ok", "vendor": connection.vendor}


def _broker_state() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"state": "in-process"}
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001
        return {"state": "down", "error": exc.__class__.__name__}
    return {"state": "ok"}


def _workers_state(broker_state: str) -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"state": "in-process"}
    if broker_state != "ok":
        return {"state": "unknown"}
    try:
        replies = celery_app.control.ping(timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001
        return {"state": "unknown", "error": exc.__class__.__name__}
    names = sorted(name for reply in replies for name in reply)
    return {"state": "ok" if names else "none", "count": len(names), "names": names}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_state()
    broker = _broker_state()
    workers = _workers_state(broker["state"])
    healthy = database["state"] == "ok"
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": database,
            "broker": broker,
            "workers": workers,
        },
        status=200 if healthy else 503,
    )

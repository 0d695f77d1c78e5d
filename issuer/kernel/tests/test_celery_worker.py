"""A real Celery worker process consumes tasks from Redis."""

import pytest

from issuer.kernel.tasks import ping


@pytest.mark.worker
def test_a_real_worker_consumes_a_task_from_redis(celery_worker, settings):
    result = ping.delay()

    # Earlier eager tasks in this process leave Celery thinking it runs inside
    # a task; this test is not one.
    answer = result.get(timeout=30, disable_sync_subtasks=False)
    assert answer.startswith("pong from ")
    assert celery_worker.poll() is None


@pytest.mark.worker
def test_healthz_counts_the_running_worker(celery_worker, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    body = client.get("/healthz").json()

    assert body["broker"] == {"state": "ok"}
    assert body["workers"]["state"] == "ok"
    assert body["workers"]["count"] >= 1

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


def test_scheduled_tasks_are_not_acks_late_so_a_long_run_is_never_handed_out_twice():
    """Redis hands an unacknowledged task to another worker after the
    visibility timeout; beat's tasks instead rerun at their next tick."""
    from django.conf import settings

    from issuer.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    app.loader.import_default_modules()

    assert scheduled == {
        "kernel.sweep_outbox",
        "cards.expire_stale_holds",
        "cards.prune_activity_counters",
        "cards.resolve_stale_program_decisions",
        "accounts.run_billing",
        "accounts.settle_payments",
        "accounts.recalculate_credit_scores_nightly",
        "portal.remind_payment_due",
        "webhooks.sweep_deliveries",
    }
    assert {name: app.tasks[name].acks_late for name in scheduled} == dict.fromkeys(
        scheduled, False
    )
    assert app.tasks["webhooks.deliver"].acks_late is True
    assert app.tasks["fraud.score_authorization_events"].autoretry_for
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True

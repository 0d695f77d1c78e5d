"""Score recalculation is triggered exactly once per event (in-process and
through a real worker) and nightly for every open account."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import CreditAccount, CreditScore
from accounts.services.billing import billing_batch_run
from accounts.services.payments import credit_account_payment_post
from accounts.tasks import (
    SCORED_EVENTS,
    as_of_parse,
    recalculate_credit_scores,
    recalculate_credit_scores_nightly,
)
from accounts.tests.factories import (
    account_opened_on,
    credit_account_create_for_test,
    purchase_post,
)
from issuer.kernel.models import OutboxEvent
from issuer.kernel.outbox import consumers_for, event_publish

TASK = "accounts.recalculate_credit_scores"


def _publish(event_type, account, **payload):
    return event_publish(
        type=event_type,
        aggregate_type="credit_account",
        aggregate_id=str(account.public_id),
        payload={"account_id": str(account.public_id), **payload},
    )


def test_each_scored_event_type_has_the_consumer_exactly_once():
    for event_type in SCORED_EVENTS:
        consumers = [c for c in consumers_for(event_type) if c.task_name == TASK]
        assert len(consumers) == 1, event_type
        assert consumers[0].batch
    assert TASK in current_app.tasks
    assert current_app.tasks[TASK].queue == "credit"


@pytest.mark.django_db
def test_a_payment_rescores_its_account_once(django_capture_on_commit_callbacks):
    account = credit_account_create_for_test()

    with django_capture_on_commit_callbacks(execute=True):
        credit_account_payment_post(
            account=account, amount=5_000, idempotency_key="pay-1"
        )

    event = OutboxEvent.objects.get(type="payment.received")
    score = CreditScore.objects.get()
    assert (score.account_id, score.trigger, score.event_id) == (
        account.pk,
        "payment.received",
        str(event.event_id),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        (
            "statement.closed",
            {"statement_id": "s", "new_balance": 0, "minimum_payment": 0},
        ),
        (
            "credit.delinquency_changed",
            {"days_past_due": 31, "delinquent_since": "2026-01-05"},
        ),
        ("payment.returned", {"payment_id": "p", "amount": 5_000}),
    ],
)
def test_billing_events_rescore_their_account_once(
    django_capture_on_commit_callbacks, event_type, payload
):
    account = credit_account_create_for_test()
    other = credit_account_create_for_test()

    with django_capture_on_commit_callbacks(execute=True):
        event = _publish(event_type, account, **payload)

    assert list(CreditScore.objects.values_list("account", "trigger", "event_id")) == [
        (account.pk, event_type, str(event.event_id))
    ]
    assert not other.scores.exists()


@pytest.mark.django_db
def test_the_billing_batch_rescores_once_per_event_it_publishes(
    django_capture_on_commit_callbacks,
):
    today = timezone.localdate()
    account = account_opened_on(today - timedelta(days=80), credit_limit=100_000)
    purchase_post(account, 60_000, timezone.now() - timedelta(days=78))

    with django_capture_on_commit_callbacks(execute=True):
        billing_batch_run(now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        billing_batch_run(now=timezone.now())  # caught up: no new events

    events = OutboxEvent.objects.filter(type__in=SCORED_EVENTS)
    assert {e.type for e in events} >= {
        "statement.closed",
        "credit.delinquency_changed",
    }
    assert sorted(CreditScore.objects.values_list("event_id", "trigger")) == sorted(
        (str(e.event_id), e.type) for e in events
    )
    latest = CreditScore.objects.filter(account=account).latest()
    assert latest.inputs["missed_payments_12m"] >= 1
    assert latest.inputs["days_past_due"] >= 1


@pytest.mark.django_db
def test_other_events_do_not_rescore(django_capture_on_commit_callbacks):
    account = credit_account_create_for_test()

    with django_capture_on_commit_callbacks(execute=True):
        _publish("credit.limit_decreased", account)

    assert not CreditScore.objects.exists()


@pytest.mark.django_db
def test_redelivered_events_store_one_score_each():
    accounts = [credit_account_create_for_test() for _ in range(2)]
    events = [
        _publish("statement.closed", accounts[0]),
        _publish("payment.received", accounts[0]),
        _publish("statement.closed", accounts[1]),
    ]
    ids = [e.pk for e in events]

    assert recalculate_credit_scores(ids) == 3
    assert recalculate_credit_scores(ids) == 3
    assert recalculate_credit_scores([ids[0], ids[0]]) == 1

    assert sorted(
        CreditScore.objects.values_list("account", "event_id", "trigger")
    ) == sorted(
        [
            (accounts[0].pk, str(events[0].event_id), "statement.closed"),
            (accounts[0].pk, str(events[1].event_id), "payment.received"),
            (accounts[1].pk, str(events[2].event_id), "statement.closed"),
        ]
    )


@pytest.mark.django_db
def test_events_naming_no_known_account_are_skipped():
    account = credit_account_create_for_test()
    unknown = event_publish(
        type="payment.received",
        aggregate_type="credit_account",
        aggregate_id="not-a-uuid",
        payload={"account_id": "not-a-uuid"},
    )
    gone = event_publish(
        type="payment.received",
        aggregate_type="credit_account",
        aggregate_id="3f1d7c56-0000-4000-8000-000000000000",
        payload={"account_id": "3f1d7c56-0000-4000-8000-000000000000"},
    )
    known = _publish("payment.received", account)

    assert recalculate_credit_scores([unknown.pk, gone.pk, known.pk, 0]) == 1

    assert CreditScore.objects.get().account_id == account.pk


@pytest.mark.django_db
def test_the_nightly_run_scores_every_open_account_once():
    accounts = [credit_account_create_for_test() for _ in range(5)]
    CreditAccount.objects.filter(pk=accounts[1].pk).update(status="closed")
    CreditAccount.objects.filter(pk=accounts[2].pk).update(status="charged_off")
    CreditAccount.objects.filter(pk=accounts[3].pk).update(status="suspended")
    run = f"nightly:{timezone.localdate().isoformat()}"

    assert recalculate_credit_scores_nightly(batch_size=2) == 2
    assert recalculate_credit_scores_nightly(batch_size=2) == 2  # a second run

    scores = CreditScore.objects.values_list("account", "trigger", "event_id")
    assert sorted(scores) == [
        (accounts[0].pk, "nightly", run),
        (accounts[3].pk, "nightly", run),
        (accounts[4].pk, "nightly", run),
    ]


@pytest.mark.django_db
def test_an_event_for_another_day_is_scored_as_of_that_day():
    account = credit_account_create_for_test()
    purchase_post(account, 1_000, at=timezone.now() - timedelta(days=40))
    day = timezone.localdate() - timedelta(days=15)
    then = _publish("statement.closed", account, as_of=day.isoformat())
    now = _publish("statement.closed", account)

    recalculate_credit_scores([then.pk, now.pk])

    purchases = dict(
        CreditScore.objects.values_list("event_id", "inputs__purchases_30d")
    )
    assert purchases == {str(then.event_id): 1, str(now.event_id): 0}


@pytest.mark.django_db
def test_a_nightly_run_for_another_day_is_scored_as_of_that_day():
    account = credit_account_create_for_test()
    purchase_post(account, 1_000, at=timezone.now() - timedelta(days=40))
    day = (timezone.localdate() - timedelta(days=15)).isoformat()

    recalculate_credit_scores_nightly(run_date=day)

    score = CreditScore.objects.get()
    assert (score.event_id, score.inputs["purchases_30d"]) == (f"nightly:{day}", 1)


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2026-03-05", datetime(2026, 3, 5, 23, 59, 59, 999_999, tzinfo=UTC)),
        ("2026-03-05T10:00:00", datetime(2026, 3, 5, 10, tzinfo=UTC)),
        ("2026-03-05T10:00:00+00:00", datetime(2026, 3, 5, 10, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_as_of_is_read_from_iso_dates_and_times(value, moment):
    assert as_of_parse(value) == moment


def test_beat_runs_the_nightly_recalculation_once_a_day():
    entry = settings.CELERY_BEAT_SCHEDULE["recalculate-credit-scores"]

    assert entry["task"] == "accounts.recalculate_credit_scores_nightly"
    assert entry["task"] in current_app.tasks
    assert entry["schedule"] == crontab(hour=2, minute=30)


def _wait_for(queryset, count, seconds=30):
    deadline = time.monotonic() + seconds
    while queryset.count() < count and time.monotonic() < deadline:
        time.sleep(0.2)
        connection.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_scores_each_event_exactly_once(celery_worker):
    account = credit_account_create_for_test()
    credit_account_payment_post(account=account, amount=5_000, idempotency_key="p1")
    event = OutboxEvent.objects.get(type="payment.received")
    scores = CreditScore.objects.filter(account=account)

    _wait_for(scores, 1)  # relayed on commit through Redis to the worker
    duplicates = [recalculate_credit_scores.delay([event.pk]) for _ in range(3)]

    assert [d.get(timeout=30) for d in duplicates] == [1, 1, 1]
    assert list(scores.values_list("trigger", "event_id")) == [
        ("payment.received", str(event.event_id))
    ]
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    assert current_app.tasks["kernel.sweep_outbox"].delay(0).get(timeout=30) == 1
    statement = _publish("statement.closed", account)
    _wait_for(scores, 2)
    recalculate_credit_scores.delay([statement.pk, event.pk]).get(timeout=30)
    assert sorted(scores.values_list("trigger", flat=True)) == [
        "payment.received",
        "statement.closed",
    ]

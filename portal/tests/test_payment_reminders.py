"""Payment-due reminders: PAYMENT_DUE_REMINDER_DAYS before the latest
statement's due date, once per statement, only while its minimum is unpaid;
the daily beat task fans out batches of statements, here in-process and
through a real worker."""

import datetime

import pytest
from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from accounts.models import CreditAccount, Notification, Payment
from accounts.services.billing import billing_run
from accounts.services.notifications import notification_preference_update
from accounts.services.payments import credit_account_payment_post, payment_return
from portal.payment_reminders import (
    payment_due_reminder_id,
    payment_due_reminders_send,
    payment_due_statement_batches,
)
from portal.tasks import remind_payment_due, remind_payment_due_batch
from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 10, 25)  # billed_holder's statement: 1,234.56, minimum 25.00
THREE_DAYS_BEFORE = datetime.date(2026, 10, 22)


def pay(holder, amount: int, key: str = "pay-1") -> None:
    credit_account_payment_post(
        account=holder.account,
        amount=amount,
        idempotency_key=key,
        received_at=datetime.datetime(2026, 10, 5, 12, tzinfo=datetime.UTC),
    )


def reminders():
    return Notification.objects.filter(kind=Notification.Kind.DUE_DATE)


def test_the_statement_is_the_one_the_texts_assume():
    statement = billed_holder("check").statement

    assert (statement.due_date, statement.minimum_payment, statement.new_balance) == (
        DUE,
        2_500,
        123_456,
    )
    assert settings.PAYMENT_DUE_REMINDER_DAYS == 3


def test_three_days_before_the_due_date_the_cardholder_is_reminded_once():
    holder = billed_holder("due")

    queued = remind_payment_due(run_date=THREE_DAYS_BEFORE.isoformat())
    queued_again = remind_payment_due(run_date=THREE_DAYS_BEFORE.isoformat())
    next_day = remind_payment_due(run_date="2026-10-23")

    assert (queued, queued_again, next_day) == (1, 1, 1)  # batches; eager here
    reminder = reminders().get()
    assert reminder.cardholder == holder.account.cardholder
    assert reminder.title == "Payment due October 25, 2026"
    assert reminder.body == (
        "25.00 USD of your minimum payment is left to pay by October 25, 2026 "
        "(statement balance 1,234.56 USD). Paying it by then avoids a late fee."
    )
    assert reminder.link_path == "/portal/payments/"
    assert reminder.source_event_id == payment_due_reminder_id(
        statement=holder.statement
    )
    assert [message.subject for message in mail.outbox] == [reminder.title]
    assert "Make a payment: http://localhost:8000/portal/payments/" in (
        mail.outbox[0].body
    )


def test_the_reminder_says_what_is_left_after_a_partial_payment():
    holder = billed_holder("partial")
    pay(holder, 1_000)

    recorded = payment_due_reminders_send(statement_ids=[holder.statement.pk])

    assert recorded == 1
    assert (
        reminders()
        .get()
        .body.startswith(
            "15.00 USD of your minimum payment is left to pay by October 25, 2026"
        )
    )


def test_a_minimum_already_paid_gets_no_reminder():
    holder = billed_holder("paid")
    pay(holder, 2_500)

    recorded = payment_due_reminders_send(statement_ids=[holder.statement.pk])

    assert recorded == 0
    assert reminders().count() == 0
    assert mail.outbox == []


def test_a_returned_payment_does_not_count_as_paid():
    holder = billed_holder("returned")
    pay(holder, 2_500)
    payment_return(payment=Payment.objects.get(), reason="Insufficient funds")

    recorded = payment_due_reminders_send(statement_ids=[holder.statement.pk])

    assert recorded == 1
    assert reminders().get().body.startswith("25.00 USD of your minimum payment")


def test_with_autopay_on_the_reminder_says_autopay_pays():
    holder = billed_holder("autopay")
    CreditAccount.objects.filter(pk=holder.account.pk).update(
        autopay=CreditAccount.Autopay.MINIMUM
    )

    payment_due_reminders_send(statement_ids=[holder.statement.pk])

    assert (
        reminders()
        .get()
        .body.endswith(
            "(statement balance 1,234.56 USD). Autopay is on and pays on the due date."
        )
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 10, 21), False),  # four days before
        (THREE_DAYS_BEFORE, True),
        (DUE, True),  # a missed run catches up until the due date
        (datetime.date(2026, 10, 26), False),  # past due: the late fee's turn
    ],
)
def test_only_statements_due_within_the_reminder_days_are_picked(today, expected):
    holder = billed_holder("window")

    batches = list(payment_due_statement_batches(today=today))

    assert batches == ([[holder.statement.pk]] if expected else [])


def test_a_statement_superseded_or_without_a_minimum_or_charged_off_is_skipped():
    superseded = billed_holder("superseded")
    billing_run(account=superseded.account, as_of=datetime.date(2026, 10, 28))
    newer = superseded.account.statements.order_by("-period_end").first()
    nothing_owed = billed_holder("nothing-owed")
    nothing_owed.account.statements.update(minimum_payment=0)
    charged_off = billed_holder("charged-off")
    CreditAccount.objects.filter(pk=charged_off.account.pk).update(
        status=CreditAccount.Status.CHARGED_OFF
    )

    picked = list(payment_due_statement_batches(today=THREE_DAYS_BEFORE))
    picked_later = list(payment_due_statement_batches(today=newer.due_date))

    assert newer.due_date == datetime.date(2026, 11, 25)
    assert picked == []
    assert picked_later == [[newer.pk]]


def test_statements_come_in_batches_of_pks():
    holders = [billed_holder(f"batch-{number}") for number in range(3)]

    batches = list(payment_due_statement_batches(today=DUE, batch_size=2))

    assert batches == [
        [holders[0].statement.pk, holders[1].statement.pk],
        [holders[2].statement.pk],
    ]


def test_a_reminder_switched_off_is_in_the_centre_but_not_emailed():
    holder = billed_holder("quiet")
    notification_preference_update(
        cardholder=holder.account.cardholder,
        is_decline_email_enabled=True,
        is_large_transaction_email_enabled=True,
        large_transaction_threshold=50_000,
        is_fraud_alert_email_enabled=True,
        is_statement_email_enabled=True,
        is_due_date_email_enabled=False,
        is_payment_received_email_enabled=True,
        is_card_status_email_enabled=True,
    )

    payment_due_reminders_send(statement_ids=[holder.statement.pk])

    assert reminders().get().emailed_at is None
    assert mail.outbox == []


def test_beat_runs_the_reminders_once_a_day():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-payment-due"]

    assert entry["task"] == "portal.remind_payment_due"
    assert entry["task"] in current_app.tasks
    assert "portal.remind_payment_due_batch" in current_app.tasks
    assert entry["schedule"] == crontab(hour=9, minute=0)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reminds_once_however_often_the_task_runs(celery_worker):
    holder = billed_holder("worker")
    emailed = reminders().exclude(emailed_at=None)

    runs = [remind_payment_due.delay(THREE_DAYS_BEFORE.isoformat()) for _ in range(2)]
    queued = [run.get(timeout=30) for run in runs]
    # One solo worker takes tasks in order: both runs' batches went before this.
    last = remind_payment_due_batch.delay([holder.statement.pk]).get(timeout=30)

    assert queued == [1, 1]
    assert last == 0  # the reminder was there already
    assert reminders().count() == 1
    assert emailed.get().cardholder_id == holder.account.cardholder_id

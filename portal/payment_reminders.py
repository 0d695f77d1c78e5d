"""Payment-due reminders: a few days before the latest statement's due date,
tell each cardholder whose minimum payment is not yet met how much is left.

`PAYMENT_DUE_REMINDER_DAYS` (default 3) before the due date the daily beat
task finds the statements due from today to then; each is the latest of its
account, asks for a minimum and belongs to an account not charged off. A
statement whose minimum is paid (posted payments received since its period
ended, as the Payments page counts them) gets no reminder.

Exactly once per statement: the reminder's `source_event_id` is a UUID
derived from the statement's public id, so the notification's unique key
(cardholder, event, kind) holds it to one however often the task runs, and
the email keeps its own claim (`emailed_at`). No outbox event is published:
a reminder is the cardholder's business only, and a deterministic id needs
no second idempotency key on the outbox.
"""

import datetime
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.models import CreditAccount, Notification, Statement
from accounts.services.notifications import (
    NotificationContent,
    notification_email_send,
    notification_record,
)
from portal.billing_selectors import PaymentDue, account_payment_due
from portal.notification_events import day_text, money_text

# Namespace of the reminders' ids: uuid5(namespace, statement public id).
REMINDER_NAMESPACE = uuid.UUID("6f1c2b7e-3d4a-5e8f-9a0b-1c2d3e4f5a6b")
DEFAULT_BATCH_SIZE = 500


def payment_due_reminder_id(*, statement: Statement) -> uuid.UUID:
    """The reminder's source event id: the same for one statement, always."""
    return uuid.uuid5(REMINDER_NAMESPACE, str(statement.public_id))


def payment_due_statement_batches(
    *, today: datetime.date, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[list[int]]:
    """Pks of the statements to remind about today, in batches, by pk: due
    from today to PAYMENT_DUE_REMINDER_DAYS ahead, the latest of an account
    that is not charged off, with a minimum payment."""
    newer = Statement.objects.filter(
        account=OuterRef("account"), period_end__gt=OuterRef("period_end")
    )
    due = (
        Statement.objects.filter(
            due_date__gte=today,
            due_date__lte=today
            + datetime.timedelta(days=settings.PAYMENT_DUE_REMINDER_DAYS),
            minimum_payment__gt=0,
        )
        .exclude(account__status=CreditAccount.Status.CHARGED_OFF)
        .exclude(Exists(newer))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    last_pk = 0
    while batch := list(due.filter(pk__gt=last_pk)[:batch_size]):
        yield batch
        last_pk = batch[-1]


def _reminder_content(payment_due: PaymentDue) -> NotificationContent:
    statement = payment_due.statement
    currency = payment_due.currency
    due_text = day_text(payment_due.due_date)
    autopay = (
        " Autopay is on and pays on the due date."
        if statement.account.autopay != CreditAccount.Autopay.OFF
        else " Paying it by then avoids a late fee."
    )
    return NotificationContent(
        kind=Notification.Kind.DUE_DATE,
        title=f"Payment due {due_text}",
        body=(
            f"{money_text(payment_due.minimum_remaining, currency)} of your "
            f"minimum payment is left to pay by {due_text} (statement balance "
            f"{money_text(statement.new_balance, currency)}).{autopay}"
        ),
        link_path=reverse("portal-payments"),
    )


def payment_due_reminders_send(*, statement_ids: list[int]) -> int:
    """Remind the cardholder of each statement whose minimum is not yet paid
    and email it when they want due-date emails; return how many reminders
    were recorded now (an earlier run's are found, not made again)."""
    recorded = 0
    statements = Statement.objects.filter(pk__in=statement_ids).select_related(
        "account__cardholder"
    )
    for statement in statements.order_by("pk"):
        payment_due = account_payment_due(account=statement.account)
        if (
            payment_due is None
            or payment_due.statement.pk != statement.pk  # a newer one closed
            or payment_due.minimum_remaining <= 0
        ):
            continue
        notification, is_new = notification_record(
            cardholder=statement.account.cardholder,
            source_event_id=payment_due_reminder_id(statement=statement),
            content=_reminder_content(payment_due),
        )
        notification_email_send(notification=notification)
        recorded += is_new
    return recorded

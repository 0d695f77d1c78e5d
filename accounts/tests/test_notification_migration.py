"""Migration 0017 splits the statement notice from the payment-due reminder:
earlier `due_date` notifications (all made by closed statements) become
`statement_ready`, and the new statement switch starts where the cardholder
left the due-date one."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0016_notification_credit_limit_kind")]
AFTER = [("accounts", "0017_notification_more_kinds")]


def migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_statement_notices_and_their_email_switch_carry_over(test_card):
    cardholder_id = test_card.issued.card.account.cardholder_id
    try:
        old = migrate(BEFORE)
        old.get_model("accounts", "NotificationPreference").objects.create(
            cardholder_id=cardholder_id,
            is_decline_email_enabled=True,
            is_large_transaction_email_enabled=True,
            large_transaction_threshold=50_000,
            is_fraud_alert_email_enabled=True,
            is_due_date_email_enabled=False,
        )
        old.get_model("accounts", "Notification").objects.create(
            cardholder_id=cardholder_id,
            kind="due_date",
            title="Statement ready: nothing due",
            body="Your statement is ready. Nothing is due this month.",
            source_event_id=uuid.uuid4(),
        )

        new = migrate(AFTER)

        notification = new.get_model("accounts", "Notification").objects.get()
        preference = new.get_model("accounts", "NotificationPreference").objects.get()
        assert notification.kind == "statement_ready"
        assert (
            preference.is_statement_email_enabled,
            preference.is_due_date_email_enabled,
            preference.is_payment_received_email_enabled,
            preference.is_card_status_email_enabled,
        ) == (False, False, True, True)

        back = migrate(BEFORE)

        assert back.get_model("accounts", "Notification").objects.get().kind == (
            "due_date"
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

"""Outbox events become cardholder notifications: one per event however
often it is delivered, emailed when the cardholder wants that kind emailed,
never with the card number."""

import time

import pytest
from django.core import mail
from django.db import connection, transaction

from accounts.models import Notification
from accounts.services.notifications import notification_preference_update
from cards.security.pan import pan_generate
from cards.services.authorizations import authorization_create
from cards.tests.conftest import authorization_request
from fraud.services.live import authorization_score
from issuer.kernel.models import OutboxEvent
from issuer.kernel.outbox import consumers_for, event_publish
from portal.tasks import notify_cardholders
from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db

PREFERENCES = {
    "is_decline_email_enabled": True,
    "is_large_transaction_email_enabled": True,
    "large_transaction_threshold": 50_000,
    "is_fraud_alert_email_enabled": True,
    "is_statement_email_enabled": True,
    "is_due_date_email_enabled": True,
    "is_payment_received_email_enabled": True,
    "is_card_status_email_enabled": True,
}


def event_ids(event_type: str) -> list[int]:
    return list(
        OutboxEvent.objects.filter(type=event_type)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def authorize(test_card, amount: int):
    return authorization_create(
        request=authorization_request(test_card, amount=amount), partner=None
    )


def cardholder_of(test_card):
    return test_card.issued.card.account.cardholder


def test_the_consumer_receives_the_events_it_turns_into_notifications():
    for event_type in (
        "authorization.declined",
        "authorization.approved",
        "fraud.alert",
        "statement.closed",
        "credit.limit_decreased",
        "payment.received",
        "card.status_changed",
        "card.replaced",
    ):
        assert "portal.notify_cardholders" in [
            consumer.task_name for consumer in consumers_for(event_type)
        ], event_type


def test_a_decline_notifies_with_the_reason_and_next_step(test_card):
    authorize(test_card, amount=200_000)  # above the 1,000.00 limit
    card = test_card.issued.card

    recorded = notify_cardholders(event_ids("authorization.declined"))

    notification = Notification.objects.get()
    assert recorded == 1
    assert notification.cardholder == cardholder_of(test_card)
    assert notification.kind == Notification.Kind.DECLINE
    assert notification.title == f"Purchase declined on card •••• {card.last_four}"
    assert notification.body == (
        "A purchase of 2,000.00 USD at Corner Shop was declined. "
        "Not enough available credit. "
        "Make a payment to free up credit, then try again."
    )
    assert notification.link_path == "/portal/transactions/"
    assert notification.read_at is None
    assert [message.subject for message in mail.outbox] == [notification.title]
    assert mail.outbox[0].to == [cardholder_of(test_card).email]


def test_the_same_event_twice_makes_one_notification_and_one_email(test_card):
    authorize(test_card, amount=200_000)
    ids = event_ids("authorization.declined")

    notify_cardholders(ids)
    recorded_again = notify_cardholders(ids)

    assert recorded_again == 1  # found, not made again
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_an_approved_purchase_below_the_threshold_notifies_nothing(test_card):
    authorize(test_card, amount=49_999)

    recorded = notify_cardholders(event_ids("authorization.approved"))

    assert recorded == 0
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_an_approved_purchase_at_the_threshold_is_large(test_card):
    authorize(test_card, amount=50_000)
    card = test_card.issued.card

    notify_cardholders(event_ids("authorization.approved"))

    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.LARGE_TRANSACTION
    assert notification.title == f"Large purchase on card •••• {card.last_four}"
    assert notification.body == (
        "A purchase of 500.00 USD at Corner Shop was approved. "
        "If it was not you, freeze the card under Cards."
    )
    assert len(mail.outbox) == 1


def test_the_cardholders_own_threshold_decides_what_is_large(test_card):
    notification_preference_update(
        cardholder=cardholder_of(test_card),
        **{**PREFERENCES, "large_transaction_threshold": 10_000},
    )
    authorize(test_card, amount=9_999)
    authorize(test_card, amount=10_000)

    notify_cardholders(event_ids("authorization.approved"))

    assert list(Notification.objects.values_list("kind", "body")) == [
        (
            "large_transaction",
            "A purchase of 100.00 USD at Corner Shop was approved. "
            "If it was not you, freeze the card under Cards.",
        )
    ]


def test_a_relay_pass_of_approvals_costs_three_queries_however_many(
    test_card, django_assert_num_queries
):
    """The events, the authorizations they name, their cardholders'
    preferences: one query each for the whole pass."""
    for amount in (1_000, 2_000, 3_000, 4_000, 5_000):
        authorize(test_card, amount=amount)
    ids = event_ids("authorization.approved")

    with django_assert_num_queries(3):
        recorded = notify_cardholders(ids)

    assert (len(ids), recorded) == (5, 0)


def test_in_one_pass_each_cardholder_gets_what_their_own_threshold_says(
    test_card, issue_card
):
    other = issue_card()
    notification_preference_update(
        cardholder=cardholder_of(other),
        **{**PREFERENCES, "large_transaction_threshold": 10_000},
    )
    authorize(test_card, amount=20_000)  # below the default 500.00
    authorize(other, amount=20_000)  # at or above their own 100.00
    authorize(other, amount=9_999)
    declined = authorize(test_card, amount=200_000)

    recorded = notify_cardholders(
        sorted(
            event_ids("authorization.approved") + event_ids("authorization.declined")
        )
    )

    assert recorded == 2
    assert sorted(
        Notification.objects.values_list("cardholder_id", "kind", "title")
    ) == sorted(
        [
            (
                cardholder_of(other).pk,
                "large_transaction",
                f"Large purchase on card •••• {other.issued.card.last_four}",
            ),
            (
                cardholder_of(test_card).pk,
                "decline",
                f"Purchase declined on card •••• {declined.card.last_four}",
            ),
        ]
    )


def test_a_fraud_alert_asks_was_this_you_with_a_link_to_alerts(active_model, test_card):
    flagged = authorize(test_card, amount=10_000)
    authorization_score(authorization=flagged)
    card = test_card.issued.card

    notify_cardholders(event_ids("fraud.alert"))

    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.FRAUD_ALERT
    assert notification.title == f"Was this you? Card •••• {card.last_four}"
    assert notification.body == (
        "A purchase of 100.00 USD at Corner Shop looks unusual. "
        "Tell us whether it was you on your Alerts page."
    )
    assert notification.link_path == "/portal/alerts/"
    assert mail.outbox[0].body == (
        "Hello Test,\n\n"
        f"{notification.title}\n\n"
        f"{notification.body}\n\n"
        "Was this you? Answer on your Alerts page: "
        "http://localhost:8000/portal/alerts/\n\n"
        "--\nChoose which notifications are emailed to you: "
        "http://localhost:8000/portal/notifications/settings/\n"
    )
    html = mail.outbox[0].alternatives[0][0]
    assert '<a href="http://localhost:8000/portal/alerts/"' in html
    assert ">Was this you? Answer on your Alerts page</a>" in html


def test_a_closed_statement_says_the_amount_and_due_date():
    holder = billed_holder("billed")
    statement = holder.statement

    notify_cardholders(event_ids("statement.closed"))

    notification = Notification.objects.get()
    assert notification.cardholder == holder.account.cardholder
    assert notification.kind == Notification.Kind.STATEMENT_READY
    due = statement.due_date
    due_text = f"{due:%B} {due.day}, {due.year}"
    assert notification.title == f"Statement ready: payment due {due_text}"
    assert notification.body == (
        f"Your statement is ready. New balance 1,234.56 USD; minimum payment "
        f"{statement.minimum_payment / 100:,.2f} USD due by {due_text}."
    )
    assert notification.link_path == "/portal/statements/"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("switch", "amount"),
    [
        ("is_decline_email_enabled", 200_000),
        ("is_large_transaction_email_enabled", 60_000),
    ],
)
def test_an_email_switched_off_still_notifies_in_the_centre(test_card, switch, amount):
    notification_preference_update(
        cardholder=cardholder_of(test_card), **{**PREFERENCES, switch: False}
    )
    authorize(test_card, amount=amount)

    notify_cardholders(list(OutboxEvent.objects.values_list("pk", flat=True)))

    notification = Notification.objects.get()
    assert notification.emailed_at is None
    assert mail.outbox == []


def test_fraud_alert_and_statement_emails_can_be_switched_off(active_model, test_card):
    holder = billed_holder("billed-quiet")
    for cardholder in (cardholder_of(test_card), holder.account.cardholder):
        notification_preference_update(
            cardholder=cardholder,
            **{
                **PREFERENCES,
                "is_fraud_alert_email_enabled": False,
                "is_statement_email_enabled": False,
            },
        )
    authorization_score(authorization=authorize(test_card, amount=10_000))

    notify_cardholders(event_ids("fraud.alert") + event_ids("statement.closed"))

    assert sorted(Notification.objects.values_list("kind", flat=True)) == [
        "fraud_alert",
        "statement_ready",
    ]
    assert mail.outbox == []


def test_emails_never_carry_the_card_number(test_card):
    authorize(test_card, amount=200_000)
    authorize(test_card, amount=60_000)

    notify_cardholders(list(OutboxEvent.objects.values_list("pk", flat=True)))

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert test_card.issued.pan not in message.subject + message.body
        assert test_card.issued.pan[:6] not in message.body


def test_an_event_about_no_known_card_notifies_nothing(test_card):
    unknown = pan_generate(bin_prefix="400000", length=16)  # made now, issued to no one
    authorization_create(
        request=authorization_request(test_card, pan=unknown),
        partner=None,
    )

    declined = event_ids("authorization.declined")
    recorded = notify_cardholders(declined)

    assert len(declined) == 1
    assert recorded == 0
    assert Notification.objects.count() == 0


def test_a_statement_event_without_its_figures_notifies_nothing(test_card):
    account = test_card.issued.card.account
    with transaction.atomic():
        event = event_publish(
            type="statement.closed",
            aggregate_type="account",
            aggregate_id=str(account.public_id),
            payload={"account_id": str(account.public_id), "new_balance": 0},
        )

    recorded = notify_cardholders([event.pk])

    assert recorded == 0
    assert Notification.objects.count() == 0


def test_events_are_relayed_to_the_consumer_after_commit(
    test_card, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        authorize(test_card, amount=200_000)

    assert Notification.objects.get().kind == Notification.Kind.DECLINE
    assert len(mail.outbox) == 1


def _wait_for(queryset, count, seconds=30):
    deadline = time.monotonic() + seconds
    while queryset.count() < count and time.monotonic() < deadline:
        time.sleep(0.2)
        connection.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_notifies_once_however_often_the_event_comes(
    celery_worker, test_card
):
    authorize(test_card, amount=200_000)  # relayed on commit through Redis
    notifications = Notification.objects.filter(kind=Notification.Kind.DECLINE)
    _wait_for(notifications.exclude(emailed_at=None), 1)
    emailed_at = notifications.get().emailed_at
    event = OutboxEvent.objects.get(type="authorization.declined")

    again = [notify_cardholders.delay([event.pk]) for _ in range(2)]

    assert [result.get(timeout=30) for result in again] == [1, 1]
    assert notifications.count() == 1
    assert notifications.get().emailed_at == emailed_at


def test_a_lowered_limit_sends_the_decisions_notice_even_with_emails_off(
    test_card, make_staff
):
    from accounts.roles import CREDIT_OFFICER
    from accounts.services.credit_decisions import (
        credit_limit_proposal_create,
        credit_limit_proposal_decide,
    )

    cardholder = cardholder_of(test_card)
    notification_preference_update(
        cardholder=cardholder,
        **{
            key: False if key.startswith("is_") else value
            for key, value in PREFERENCES.items()
        },
    )
    proposal = credit_limit_proposal_create(
        account=test_card.issued.card.account,
        proposed_limit=60_000,
        reasons=["A payment was more than 30 days late"],
    )
    decision = credit_limit_proposal_decide(
        proposal=proposal,
        approve=True,
        reason="Rising risk",
        officer=make_staff("olive", CREDIT_OFFICER),
    )

    notify_cardholders(event_ids("credit.limit_decreased") * 2)

    notification = Notification.objects.get(cardholder=cardholder)
    assert (notification.kind, notification.title) == (
        "credit_limit",
        "Your credit limit was lowered to 600.00 USD",
    )
    assert notification.body == decision.cardholder_notice
    assert "- A payment was more than 30 days late" in notification.body
    assert len(mail.outbox) == 1  # once, though delivered twice
    assert f"\n\n{decision.cardholder_notice}\n\n" in mail.outbox[0].body

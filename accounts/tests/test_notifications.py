"""Notification services: preferences (validated, naming the field),
recording once per event, marking read, the email in text and HTML."""

import uuid

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError

from accounts.models import Notification, NotificationPreference
from accounts.notification_selectors import (
    cardholder_unread_notification_count,
    notification_preference_of,
)
from accounts.services.notifications import (
    NotificationContent,
    notification_email_send,
    notification_mark_all_read,
    notification_mark_read,
    notification_preference_update,
    notification_record,
)
from issuer.kernel.errors import InvalidInput

pytestmark = pytest.mark.django_db

CONTENT = NotificationContent(
    kind=Notification.Kind.DECLINE,
    title="Purchase declined",
    body="Not enough available credit.",
    link_path="/portal/transactions/",
)
PREFERENCES = {
    "is_decline_email_enabled": False,
    "is_large_transaction_email_enabled": True,
    "large_transaction_threshold": 25_000,
    "is_fraud_alert_email_enabled": True,
    "is_statement_email_enabled": False,
    "is_due_date_email_enabled": True,
    "is_payment_received_email_enabled": False,
    "is_card_status_email_enabled": True,
}
SWITCHES = [name for name in PREFERENCES if name.startswith("is_")]


@pytest.fixture
def cardholder(test_card):
    return test_card.issued.card.account.cardholder


def test_preferences_default_to_every_email_and_500(cardholder):
    preference = notification_preference_of(cardholder=cardholder)

    assert preference.pk is None
    assert preference.large_transaction_threshold == 50_000
    assert {name: getattr(preference, name) for name in SWITCHES} == dict.fromkeys(
        SWITCHES, True
    )
    assert len(SWITCHES) == 7


def test_updating_preferences_saves_each_and_updates_in_place(cardholder):
    notification_preference_update(cardholder=cardholder, **PREFERENCES)
    notification_preference_update(
        cardholder=cardholder, **{**PREFERENCES, "large_transaction_threshold": 7_500}
    )

    saved = NotificationPreference.objects.get(cardholder=cardholder)
    assert NotificationPreference.objects.count() == 1
    assert saved.large_transaction_threshold == 7_500
    assert {name: getattr(saved, name) for name in SWITCHES} == {
        "is_decline_email_enabled": False,
        "is_large_transaction_email_enabled": True,
        "is_fraud_alert_email_enabled": True,
        "is_statement_email_enabled": False,
        "is_due_date_email_enabled": True,
        "is_payment_received_email_enabled": False,
        "is_card_status_email_enabled": True,
    }


@pytest.mark.parametrize("threshold", [0, -1, 10**12 + 1, True])
def test_a_bad_threshold_is_refused_naming_the_field(cardholder, threshold):
    with pytest.raises(InvalidInput) as refused:
        notification_preference_update(
            cardholder=cardholder,
            **{**PREFERENCES, "large_transaction_threshold": threshold},
        )

    assert refused.value.fields == {
        "large_transaction_threshold": [
            "The large-purchase amount must be more than zero."
        ]
    }
    assert NotificationPreference.objects.count() == 0


def test_the_database_refuses_a_threshold_of_zero(cardholder):
    notification_preference_update(cardholder=cardholder, **PREFERENCES)

    with pytest.raises(IntegrityError):
        NotificationPreference.objects.update(large_transaction_threshold=0)


def test_recording_is_idempotent_by_event_and_kind(cardholder):
    event_id = uuid.uuid4()

    first, first_is_new = notification_record(
        cardholder=cardholder, source_event_id=event_id, content=CONTENT
    )
    again, again_is_new = notification_record(
        cardholder=cardholder, source_event_id=event_id, content=CONTENT
    )

    assert (first_is_new, again_is_new) == (True, False)
    assert again.pk == first.pk
    assert Notification.objects.count() == 1


def test_the_database_refuses_a_second_notification_of_one_event(cardholder):
    event_id = uuid.uuid4()
    notification_record(
        cardholder=cardholder, source_event_id=event_id, content=CONTENT
    )

    with pytest.raises(IntegrityError):
        Notification.objects.create(
            cardholder=cardholder,
            source_event_id=event_id,
            kind=CONTENT.kind,
            title="again",
            body="again",
        )


def test_marking_read_keeps_the_first_reading_time(cardholder):
    notification, _ = notification_record(
        cardholder=cardholder, source_event_id=uuid.uuid4(), content=CONTENT
    )

    first = notification_mark_read(notification=notification).read_at
    second = notification_mark_read(notification=notification).read_at

    assert first is not None
    assert second == first
    assert cardholder_unread_notification_count(cardholder=cardholder) == 0


def test_marking_all_read_touches_only_that_cardholders_unread(cardholder, issue_card):
    other = issue_card().issued.card.account.cardholder
    for _ in range(3):
        notification_record(
            cardholder=cardholder, source_event_id=uuid.uuid4(), content=CONTENT
        )
    notification_record(cardholder=other, source_event_id=uuid.uuid4(), content=CONTENT)

    marked = notification_mark_all_read(cardholder=cardholder)

    assert marked == 3
    assert cardholder_unread_notification_count(cardholder=cardholder) == 0
    assert cardholder_unread_notification_count(cardholder=other) == 1


def test_the_email_has_a_text_and_an_html_part_linking_to_the_portal(cardholder):
    notification, _ = notification_record(
        cardholder=cardholder, source_event_id=uuid.uuid4(), content=CONTENT
    )

    sent = notification_email_send(notification=notification)

    assert sent is True
    (message,) = mail.outbox
    assert message.subject == "Purchase declined"
    assert message.to == [cardholder.email]
    assert message.from_email == "Issuer <no-reply@localhost>"
    assert message.body == (
        "Hello Test,\n\n"
        "Purchase declined\n\n"
        "Not enough available credit.\n\n"
        "See your transactions: http://localhost:8000/portal/transactions/\n\n"
        "--\n"
        "Choose which notifications are emailed to you: "
        "http://localhost:8000/portal/notifications/settings/\n"
    )
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "<h1" in html and ">Purchase declined</h1>" in html
    assert "<p>Not enough available credit.</p>" in html
    assert (
        '<a href="http://localhost:8000/portal/transactions/"' in html
        and ">See your transactions</a>" in html
    )
    assert '<a href="http://localhost:8000/portal/notifications/settings/"' in html


def test_the_html_part_escapes_what_the_body_quotes(cardholder):
    notification, _ = notification_record(
        cardholder=cardholder,
        source_event_id=uuid.uuid4(),
        content=NotificationContent(
            kind=Notification.Kind.DECLINE,
            title="Purchase declined",
            body='A purchase at <b>"Shop & Co"</b> was declined.\nSecond line.',
        ),
    )

    notification_email_send(notification=notification)

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert (
        "<p>A purchase at &lt;b&gt;&quot;Shop &amp; Co&quot;&lt;/b&gt; was "
        "declined.<br>Second line.</p>"
    ) in html
    assert 'A purchase at <b>"Shop & Co"</b> was declined.\nSecond line.' in (
        message.body
    )
    assert "See your" not in message.body  # no link, no link line


def test_an_always_emailed_notice_says_so_instead_of_the_settings_link(cardholder):
    notification_preference_update(
        cardholder=cardholder, **{**PREFERENCES, **dict.fromkeys(SWITCHES, False)}
    )
    notification, _ = notification_record(
        cardholder=cardholder,
        source_event_id=uuid.uuid4(),
        content=NotificationContent(
            kind=Notification.Kind.CREDIT_LIMIT,
            title="Your credit limit was lowered",
            body="The reasons.",
            link_path="/portal/",
        ),
    )

    assert notification_email_send(notification=notification) is True

    (message,) = mail.outbox
    assert message.body.endswith(
        "See your account: http://localhost:8000/portal/\n\n"
        "--\nThis notice is always emailed, whatever your settings.\n"
    )
    assert "notifications/settings" not in message.alternatives[0][0]


class RefusingBackend(BaseEmailBackend):
    """An email provider that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the provider is down")


def test_a_failed_send_gives_the_claim_back_for_the_retry(cardholder, settings):
    notification, _ = notification_record(
        cardholder=cardholder, source_event_id=uuid.uuid4(), content=CONTENT
    )
    settings.EMAIL_BACKEND = "accounts.tests.test_notifications.RefusingBackend"

    with pytest.raises(ConnectionRefusedError):
        notification_email_send(notification=notification)
    notification.refresh_from_db()
    assert notification.emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_email_send(notification=notification) is True
    assert len(mail.outbox) == 1

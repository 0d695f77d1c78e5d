"""Notification services: preferences (validated, naming the field),
recording once per event, marking read."""

import uuid

import pytest
from django.db import IntegrityError

from accounts.models import Notification, NotificationPreference
from accounts.notification_selectors import (
    cardholder_unread_notification_count,
    notification_preference_of,
)
from accounts.services.notifications import (
    NotificationContent,
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
    "is_due_date_email_enabled": False,
}


@pytest.fixture
def cardholder(test_card):
    return test_card.issued.card.account.cardholder


def test_preferences_default_to_every_email_and_500(cardholder):
    preference = notification_preference_of(cardholder=cardholder)

    assert preference.pk is None
    assert (
        preference.is_decline_email_enabled,
        preference.is_large_transaction_email_enabled,
        preference.large_transaction_threshold,
        preference.is_fraud_alert_email_enabled,
        preference.is_due_date_email_enabled,
    ) == (True, True, 50_000, True, True)


def test_updating_preferences_saves_each_and_updates_in_place(cardholder):
    notification_preference_update(cardholder=cardholder, **PREFERENCES)
    notification_preference_update(
        cardholder=cardholder, **{**PREFERENCES, "large_transaction_threshold": 7_500}
    )

    saved = NotificationPreference.objects.get(cardholder=cardholder)
    assert NotificationPreference.objects.count() == 1
    assert (
        saved.is_decline_email_enabled,
        saved.is_large_transaction_email_enabled,
        saved.large_transaction_threshold,
        saved.is_fraud_alert_email_enabled,
        saved.is_due_date_email_enabled,
    ) == (False, True, 7_500, True, False)


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

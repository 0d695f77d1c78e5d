"""The notification centre and settings pages: the unread count in the
navigation, marking read, the settings form, and another cardholder's
notification never found (404)."""

import uuid

import pytest

from accounts.models import Notification, NotificationPreference
from accounts.services.notifications import NotificationContent, notification_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(test_card, cardholder_user, cardholder_client):
    return cardholder_client(cardholder_user(test_card))


def notify(test_card, title="Purchase declined on card •••• 0000", link=""):
    notification, _ = notification_record(
        cardholder=test_card.issued.card.account.cardholder,
        source_event_id=uuid.uuid4(),
        content=NotificationContent(
            kind=Notification.Kind.DECLINE,
            title=title,
            body="Not enough available credit.",
            link_path=link,
        ),
    )
    return notification


def read_url(notification):
    return f"/portal/notifications/{notification.public_id}/read/"


def test_the_centre_lists_notifications_newest_first_with_the_unread_count(
    test_card, holder
):
    notify(test_card, title="First")
    notify(test_card, title="Second")

    html = holder.get("/portal/notifications/").content.decode()

    assert html.index("Second") < html.index("First")
    assert 'data-unread="2"' in html
    assert '<span class="badge">2<span class="visually-hidden"> unread</span>' in html


def test_the_nav_shows_the_count_on_other_pages_too(test_card, holder):
    notify(test_card)

    html = holder.get("/portal/cards/").content.decode()

    assert 'data-unread="1"' in html


def test_an_empty_centre_says_so(holder):
    html = holder.get("/portal/notifications/").content.decode()

    assert "No notifications yet." in html
    assert 'data-unread="0"' in html
    assert 'class="badge"' not in html


def test_marking_one_read(test_card, holder):
    notification = notify(test_card)
    other = notify(test_card, title="Other")

    response = holder.post(read_url(notification))

    assert response.status_code == 302
    assert response["Location"] == "/portal/notifications/"
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None


def test_opening_a_notification_marks_it_read_and_follows_its_link(test_card, holder):
    notification = notify(test_card, link="/portal/alerts/")

    response = holder.post(read_url(notification), {"open": "1"})

    assert response["Location"] == "/portal/alerts/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_all_read(test_card, holder):
    notify(test_card)
    notify(test_card)

    response = holder.post("/portal/notifications/read-all/", follow=True)

    assert "Marked 2 notification(s) read." in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert 'data-unread="0"' in response.content.decode()


def test_reading_needs_a_post(test_card, holder):
    notification = notify(test_card)

    assert holder.get(read_url(notification)).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_another_cardholders_notification_is_not_found(
    test_card, issue_card, cardholder_user, cardholder_client
):
    other_card = issue_card()
    theirs = notify(other_card, title="Their secret")
    intruder = cardholder_client(cardholder_user(test_card))

    response = intruder.post(read_url(theirs), {"open": "1"})
    page = intruder.get("/portal/notifications/").content.decode()

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Their secret" not in page


def test_marking_all_read_leaves_other_cardholders_alone(test_card, issue_card, holder):
    theirs = notify(issue_card())

    holder.post("/portal/notifications/read-all/")

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_pages_need_a_signed_in_cardholder(client, test_card):
    for path in ("/portal/notifications/", "/portal/notifications/settings/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/login/")


def test_the_settings_form_shows_the_defaults(holder):
    html = holder.get("/portal/notifications/settings/").content.decode()

    assert 'name="large_transaction_threshold" value="500.00"' in html
    assert html.count("checked") == 7
    for name, label in [
        ("is_statement_email_enabled", "Email me when a statement is ready"),
        (
            "is_due_date_email_enabled",
            "Email me a reminder before a payment is due (if not yet paid)",
        ),
        ("is_payment_received_email_enabled", "Email me when a payment is received"),
        (
            "is_card_status_email_enabled",
            "Email me when a card is frozen, unfrozen, blocked, closed or replaced",
        ),
    ]:
        assert (
            f'<label class="inline" for="id_{name}"><input type="checkbox" '
            f'name="{name}" id="id_{name}" checked> {label}</label>'
        ) in html


def test_saving_settings(test_card, holder):
    response = holder.post(
        "/portal/notifications/settings/",
        {
            "is_large_transaction_email_enabled": "on",
            "large_transaction_threshold": "125.50",
            "is_due_date_email_enabled": "on",
            "is_card_status_email_enabled": "on",
        },
        follow=True,
    )

    assert "Notification settings saved." in response.content.decode()
    saved = NotificationPreference.objects.get(
        cardholder=test_card.issued.card.account.cardholder
    )
    assert (
        saved.is_decline_email_enabled,
        saved.is_large_transaction_email_enabled,
        saved.large_transaction_threshold,
        saved.is_fraud_alert_email_enabled,
        saved.is_statement_email_enabled,
        saved.is_due_date_email_enabled,
        saved.is_payment_received_email_enabled,
        saved.is_card_status_email_enabled,
    ) == (False, True, 12_550, False, False, True, False, True)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("0", "Ensure this value is greater than or equal to 0.01."),
        ("12.345", "'12.345' has more than 2 decimals for USD"),
        ("", "This field is required."),
    ],
)
def test_a_bad_threshold_is_shown_on_its_field(holder, value, error):
    response = holder.post(
        "/portal/notifications/settings/", {"large_transaction_threshold": value}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["large_transaction_threshold"]
    assert errors["large_transaction_threshold"] == [error]
    assert NotificationPreference.objects.count() == 0

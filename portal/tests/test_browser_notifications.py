"""The notification centre in Debian's Chromium: a declined purchase shows
up unread with the count in the navigation, opening it marks it read and
leads to the transactions; accessibility basics on the centre and settings
pages. Screenshots land in var/artifacts/screenshots/."""

import pytest

from accounts.models import Notification
from cards.services.authorizations import authorization_create
from cards.tests.conftest import authorization_request
from issuer.kernel.models import OutboxEvent
from portal.tasks import notify_cardholders
from portal.tests.test_browser_cards import assert_accessible, portal_page, tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

__all__ = ["portal_page"]


def test_the_notification_centre(test_card, portal_page, screenshot):
    authorization_create(
        request=authorization_request(test_card, amount=200_000), partner=None
    )
    notify_cardholders(list(OutboxEvent.objects.values_list("pk", flat=True)))
    card = test_card.issued.card

    page = portal_page(test_card, "/portal/notifications/")

    assert_accessible(page)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Notifications 1 unread").is_visible()
    main = page.inner_text("main")
    assert f"Purchase declined on card •••• {card.last_four}" in main
    assert "Not enough available credit." in main
    assert test_card.issued.pan not in page.content()
    screenshot(page, "-unread")

    tab_to(page, "View details")
    page.keyboard.press("Enter")

    page.wait_for_url("**/portal/transactions/")
    assert Notification.objects.get().read_at is not None
    assert page.get_by_role("link", name="Notifications", exact=True).is_visible()


def test_the_notification_settings_page(test_card, portal_page, screenshot):
    page = portal_page(test_card, "/portal/notifications/settings/")

    assert_accessible(page)
    page.get_by_label("Email me when a purchase is declined").uncheck()
    page.get_by_label("Email me when a payment is received").uncheck()
    page.get_by_label("A large purchase is from (USD)").fill("250")
    page.get_by_role("button", name="Save settings").click()

    page.get_by_text("Notification settings saved.").wait_for()
    assert page.get_by_label("A large purchase is from (USD)").input_value() == (
        "250.00"
    )
    assert not page.get_by_label("Email me when a purchase is declined").is_checked()
    assert not page.get_by_label("Email me when a payment is received").is_checked()
    for label in (
        "Email me when a statement is ready",
        "Email me a reminder before a payment is due (if not yet paid)",
        "Email me when a card is frozen, unfrozen, blocked, closed or replaced",
    ):
        assert page.get_by_label(label).is_checked(), label
    screenshot(page, "-saved")

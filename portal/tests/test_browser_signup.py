"""Sign up with an activation code in Debian's Chromium: from the sign-in
page's link, with labelled inputs and ordered headings, to the overview.
Screenshots land in var/artifacts/screenshots/."""

import pytest
from django.core.cache import cache

from accounts.models import Cardholder, User
from accounts.services.portal_access import portal_activation_code_issue
from portal.tests.test_browser_cards import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "violet-harbour-lantern-42"


def test_sign_up_with_an_activation_code(
    live_server, browser_context, test_card, screenshot
):
    cache.clear()  # no wrong codes counted from earlier tests
    cardholder = Cardholder.objects.get(pk=test_card.issued.card.account.cardholder_id)
    code, _ = portal_activation_code_issue(cardholder=cardholder, issued_by=None)
    page = browser_context.new_page()
    page.goto(f"{live_server.url}/portal/login/")
    assert_accessible(page)

    page.get_by_role("link", name="New here? Activate your card access").click()
    page.get_by_role("heading", name="Activate your card access").wait_for()
    assert_accessible(page)
    page.get_by_label("Activation code").fill(code.lower())
    page.get_by_label("Choose a username").fill("rosa.diaz")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD + "x")
    page.get_by_role("button", name="Create my login").click()

    page.get_by_text("The two passwords differ.").wait_for()
    assert_accessible(page)
    screenshot(page, "-mismatch")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my login").click()

    page.get_by_role("heading", name=f"Hello, {cardholder.first_name}").wait_for()
    assert page.url == f"{live_server.url}/portal/"
    assert "Your portal login is ready" in page.inner_text("main")
    assert page.get_by_role("button", name="Log out").is_visible()
    screenshot(page)
    user = User.objects.get(username="rosa.diaz")
    assert Cardholder.objects.get(pk=cardholder.pk).user == user

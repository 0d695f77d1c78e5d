"""Two-step sign-in in Debian's Chromium: turn it on from the Security page
(QR code, secret, a code from the app), log out, and sign back in with
password and code. Screenshots land in var/artifacts/screenshots/."""

import pytest
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services.second_factor import staff_totp_secret
from accounts.tests.staff_auth import totp_code
from conftest import PORTAL_TEST_PASSWORD
from portal.tests.test_browser_cards import assert_accessible, portal_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

__all__ = ["portal_page"]


def test_turn_on_two_step_and_sign_in_with_a_code(test_card, portal_page, screenshot):
    cache.clear()  # no failed sign-ins counted from earlier tests
    page = portal_page(test_card, "/portal/security/")
    assert_accessible(page)
    page.get_by_role("link", name="Turn on two-step sign-in").click()

    page.get_by_role("heading", name="Turn on two-step sign-in").wait_for()
    assert_accessible(page)
    device = TOTPDevice.objects.get(confirmed=False)
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    assert secret == staff_totp_secret(device=device)
    assert page.get_by_role(
        "img", name="QR code for your authenticator app"
    ).is_visible()
    screenshot(page, "-enrol")
    page.get_by_label("Authenticator code").fill(totp_code(device))
    page.get_by_role("button", name="Confirm and turn on").click()

    page.get_by_text("Two-step sign-in is on.").wait_for()
    assert "Two-step sign-in is on:" in page.locator("[data-two-step]").inner_text()
    page.get_by_role("button", name="Log out").click()

    page.get_by_role("heading", name="Sign in").wait_for()
    page.get_by_label("Username").fill(device.user.username)
    page.get_by_label("Password").fill(PORTAL_TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Enter the current 6-digit code").wait_for()
    page.get_by_label("Password").fill(PORTAL_TEST_PASSWORD)
    page.get_by_label("Authenticator code").fill(totp_code(device, steps_ahead=1))
    screenshot(page, "-sign-in")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/portal/")
    assert page.get_by_role("link", name="Security").is_visible()

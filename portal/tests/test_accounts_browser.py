"""The account journeys in real Chromium: sign in through the form, pay with
the keyboard only, download a statement; with accessibility basics checked on
every account page. Screenshots land in var/artifacts/screenshots/."""

import itertools

import pytest

from accounts.models import CreditScore, Payment
from conftest import PORTAL_TEST_PASSWORD
from portal.tests.billing_world import billed_holder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

# Visible form controls without a label (their ids), and the heading levels
# in document order.
UNLABELLED = """() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => el.type !== "hidden" && el.type !== "submit")
  .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label"))
  .map((el) => el.name || el.id)"""
HEADING_LEVELS = """() => Array
  .from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
  .map((el) => Number(el.tagName[1]))"""
ACTIVE_ID = "() => document.activeElement && document.activeElement.id"


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PORTAL_TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/portal/")


def assert_accessible_basics(page):
    assert page.evaluate(UNLABELLED) == []
    levels = page.evaluate(HEADING_LEVELS)
    assert levels[0] == 1, levels
    for previous, level in itertools.pairwise(levels):
        assert level <= previous + 1, levels


def test_signing_in_through_the_form(live_server, browser_context, screenshot):
    holder = billed_holder("ann")
    page = browser_context.new_page()

    sign_in(page, live_server, holder.user)

    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Hello, {holder.account.cardholder.first_name}"
    )
    screenshot(page)


def test_paying_the_minimum_with_the_keyboard(live_server, browser_context, screenshot):
    holder = billed_holder("ann")
    page = browser_context.new_page()
    sign_in(page, live_server, holder.user)
    page.get_by_role("link", name="Payments").click()
    page.get_by_role("link", name="Make a payment").click()
    assert_accessible_basics(page)
    assert page.get_by_label("Minimum payment: 25.00 USD").is_checked()

    for _ in range(40):  # tab through the page to the pay button
        if page.evaluate(ACTIVE_ID) == "pay-button":
            break
        page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_ID) == "pay-button"
    screenshot(page, "-form")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/portal/payments/")
    assert "your payment of 25.00 USD was received" in page.inner_text("main")
    assert page.inner_text('[data-figure="minimum-remaining"]') == "0.00 USD"
    assert list(Payment.objects.values_list("amount", "source")) == [
        (2_500, Payment.Source.PORTAL)
    ]
    assert_accessible_basics(page)
    screenshot(page)


def test_setting_autopay_with_the_keyboard(live_server, browser_context, screenshot):
    holder = billed_holder("ann")
    page = browser_context.new_page()
    sign_in(page, live_server, holder.user)
    page.goto(f"{live_server.url}/portal/accounts/{holder.account.public_id}/autopay/")
    assert_accessible_basics(page)

    page.get_by_label("Minimum payment").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save autopay").focus()
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/portal/payments/")
    assert page.inner_text('[data-figure="autopay"]') == "Minimum payment"
    screenshot(page)


def test_downloading_a_statement(live_server, browser_context, screenshot, tmp_path):
    holder = billed_holder("ann")
    page = browser_context.new_page()
    sign_in(page, live_server, holder.user)
    page.get_by_role("link", name="Statements").click()
    assert_accessible_basics(page)
    page.get_by_role("link", name="Sep 1 to Sep 28, 2026").click()
    assert_accessible_basics(page)
    screenshot(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    assert download.suggested_filename.endswith(".pdf")
    assert saved.read_bytes().startswith(b"%PDF-")


def test_the_credit_score_page_is_accessible(live_server, browser_context, screenshot):
    holder = billed_holder("ann")
    CreditScore.objects.create(
        account=holder.account, score=705, reasons=["Low use of credit"]
    )
    page = browser_context.new_page()
    sign_in(page, live_server, holder.user)

    page.get_by_role("link", name="Credit score").click()

    assert page.inner_text('[data-figure="score"]') == "705"
    assert page.get_by_role("img", name="History").count() == 1
    assert_accessible_basics(page)
    screenshot(page)

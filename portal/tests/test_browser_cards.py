"""The cards-side journeys in Debian's Chromium: freeze and unfreeze, report
a card lost and see its replacement, answer a fraud alert, file a dispute,
see the full number for 60 seconds; and accessibility basics on each page
(labelled inputs, heading order, actions reachable from the keyboard).
Screenshots land in var/artifacts/screenshots/."""

import pytest
from django.conf import settings

from cards.models import Card, Dispute
from cards.services.authorizations import authorization_create
from cards.tests.conftest import authorization_request, cleared_capture
from conftest import PORTAL_TEST_PASSWORD
from fraud.models import FraudAlert
from fraud.services.live import authorization_score

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

# Inputs a person fills in with no label; headings that skip a level; the
# first heading when it is not an h1.
ACCESSIBILITY = """() => {
  const fields = Array.from(document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]), select, textarea"));
  const unlabelled = fields.filter((field) =>
    field.labels.length === 0 && !field.getAttribute("aria-label"))
    .map((field) => field.name || field.id);
  const levels = Array.from(
    document.querySelectorAll("main h1, main h2, main h3, main h4"))
    .map((heading) => Number(heading.tagName[1]));
  const skips = levels.filter(
    (level, index) => index > 0 && level > levels[index - 1] + 1);
  return {unlabelled: unlabelled, skips: skips, first: levels[0] || 0,
          h1s: levels.filter((level) => level === 1).length};
}"""


@pytest.fixture
def portal_page(live_server, browser_context, cardholder_user, cardholder_client):
    """Sign the sandbox card's cardholder in to the browser (the session of a
    `cardholder_client` sign-in, copied) and open a page on the live server."""

    def open_page(test_card, path):
        client = cardholder_client(cardholder_user(test_card))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        browser_context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": live_server.url,
                }
            ]
        )
        page = browser_context.new_page()
        page.goto(f"{live_server.url}{path}")
        return page

    return open_page


def assert_accessible(page) -> None:
    report = page.evaluate(ACCESSIBILITY)

    assert report == {"unlabelled": [], "skips": [], "first": 1, "h1s": 1}, page.url


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the element named `name` has the focus (or fail)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => (document.activeElement.innerText || "
            "document.activeElement.value || '').trim()"
        )
        if focused == name:
            return
    pytest.fail(f"{name!r} is not reachable with the keyboard on {page.url}")


def test_freeze_and_unfreeze_from_the_keyboard(test_card, portal_page, screenshot):
    card = test_card.issued.card
    page = portal_page(test_card, "/portal/cards/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Card •••• {card.last_four}").click()
    page.get_by_role("heading", name="Spending controls").wait_for()
    assert_accessible(page)

    tab_to(page, "Freeze card")
    page.keyboard.press("Enter")

    page.get_by_text("is frozen: new purchases are declined").wait_for()
    assert page.locator("[data-status]").inner_text() == "Frozen"
    assert (
        page.locator("[data-changed-by]").inner_text() == "by you (Cardholder request)"
    )
    screenshot(page, "-frozen")
    card.refresh_from_db()
    assert card.status == Card.Status.FROZEN

    tab_to(page, "Unfreeze card")
    page.keyboard.press("Enter")

    page.get_by_text("is active again").wait_for()
    assert page.locator("[data-status]").inner_text() == "Active"
    screenshot(page, "-active")
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE


def test_report_lost_shows_the_replacement_to_activate(
    test_card, portal_page, screenshot
):
    card = test_card.issued.card
    page = portal_page(test_card, f"/portal/cards/{card.public_id}/")

    page.get_by_role("radio", name="Lost").check()
    page.get_by_role("button", name="Close card and order a replacement").click()

    new = Card.objects.get(replaces=card)
    page.get_by_role("heading", name=f"Card •••• {new.last_four}").wait_for()
    assert f"Your new card •••• {new.last_four} is on its way" in page.inner_text(
        "main"
    )
    assert_accessible(page)
    screenshot(page)
    page.get_by_role("button", name="Activate card").click()
    page.get_by_text(f"Card •••• {new.last_four} is active.").wait_for()
    new.refresh_from_db()
    card.refresh_from_db()
    assert (new.status, card.status) == ("active", "closed")


def test_answer_a_fraud_alert(active_model, test_card, portal_page, screenshot):
    flagged = authorization_create(
        request=authorization_request(test_card, amount=10_000), partner=None
    )
    authorization_score(authorization=flagged)
    page = portal_page(test_card, "/portal/alerts/")
    assert_accessible(page)
    assert "100.00 USD at Corner Shop" in page.inner_text("main")
    screenshot(page, "-asked")

    page.get_by_role("button", name="Yes, it was me").click()

    page.get_by_text("Thanks: the purchase is confirmed").wait_for()
    assert "No alerts waiting for you." in page.inner_text("main")
    screenshot(page, "-answered")
    assert FraudAlert.objects.get(authorization=flagged).status == "genuine"
    card = test_card.issued.card
    card.refresh_from_db()
    # A Critical score froze it: only the review case lifts fraud's freeze.
    assert (card.status, card.block_owner) == (Card.Status.FROZEN, "fraud")
    assert "our fraud team will review card" in page.inner_text("main")


def test_file_a_dispute_from_a_transaction(
    media_root, tmp_path, test_card, portal_page, screenshot
):
    capture = cleared_capture(test_card, amount=6_400)
    page = portal_page(test_card, "/portal/transactions/")
    assert_accessible(page)
    page.get_by_label("Merchant").fill("corner")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/portal/transactions/?q=corner*")
    page.get_by_role("link", name="Corner Shop").click()
    page.get_by_role("heading", name="Timeline").wait_for()
    assert_accessible(page)
    assert [
        step.inner_text().split(" ", 4)[-1]
        for step in page.locator("[data-step]").all()
    ][:2] == ["Authorized 64.00 USD", "Captured 64.00 USD"]

    page.get_by_role("link", name="Dispute this").click()
    page.get_by_role("heading", name="Dispute a transaction").wait_for()
    assert_accessible(page)
    page.get_by_label("Amount").fill("64.00")
    page.get_by_label("Reason").select_option("not_as_described")
    page.get_by_label("What happened").fill("The lamp arrived broken.")
    evidence = tmp_path / "photo.png"
    evidence.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    page.get_by_label("Evidence: a PDF, PNG or JPEG (optional)").set_input_files(
        str(evidence)
    )
    page.get_by_role("button", name="File dispute").click()

    page.get_by_text("Dispute filed.").wait_for()
    dispute = Dispute.objects.get(capture=capture)
    assert (dispute.amount, dispute.reason, dispute.evidence_name) == (
        6_400,
        "not_as_described",
        "photo.png",
    )
    assert page.locator("[data-status]").inner_text() == "Filed"
    assert_accessible(page)
    screenshot(page)


def test_the_full_number_shows_after_the_password_and_hides_after_60_seconds(
    test_card, portal_page, screenshot
):
    card = test_card.issued.card
    page = portal_page(test_card, f"/portal/cards/{card.public_id}/")
    page.clock.install()
    page.get_by_role("link", name="Show card number").click()
    page.get_by_label("Your password").wait_for()
    assert_accessible(page)
    page.get_by_label("Your password").fill(PORTAL_TEST_PASSWORD)
    page.get_by_role("button", name="Show number").click()

    pan = page.locator('[data-secret="pan"]')
    pan.wait_for()
    assert pan.inner_text() == test_card.issued.pan
    assert page.locator('[data-secret="cvv"]').inner_text() == test_card.cvv
    assert test_card.issued.pan not in page.url

    page.clock.fast_forward(61_000)

    page.wait_for_function("document.getElementById('revealed').dataset.hidden")
    assert pan.inner_text() == "•••• hidden"
    assert test_card.issued.pan not in page.content()
    screenshot(page)

"""The Content-Security-Policy breaks no page, in Debian's Chromium: the
portal's, the staff admin's, the dashboards' (Chart.js) and the API docs'
(Swagger UI) pages load with no violation reported, and their scripts run."""

from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from fraud.models import BatchScoringJob

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    # The dashboards' panels read on the replica (the test mirror).
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

# Every violation the page reports, kept where the test can read it.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def visit(live_server: Any, browser_context: Any) -> Any:
    """Open a path, wait for `ready` (a JavaScript expression) and return the
    violations reported plus the console's CSP errors."""
    browser_context.add_init_script(RECORD_VIOLATIONS)

    def open_path(path: str, ready: str = "document.readyState === 'complete'"):
        page = browser_context.new_page()
        console: list[str] = []
        page.on(
            "console",
            lambda message: (
                console.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        policy = dict(
            directive.strip().split(" ", 1)
            for directive in response.headers["content-security-policy"].split(";")
        )
        sources = policy["script-src"].split()
        assert sources[0] == "'self'", path
        assert all(source.startswith("'nonce-") for source in sources[1:]), path
        page.wait_for_function(f"() => {ready}")  # a function: no eval under CSP
        violations = page.evaluate("window.__violations") + console
        page.close()
        return violations

    return open_path


def _violated(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """The pages that reported a violation, with what they reported."""
    return {path: violations for path, violations in found.items() if violations}


def _sign_in(browser_context: Any, live_server: Any, client: Any) -> None:
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


def test_portal_pages(
    visit, browser_context, live_server, test_card, cardholder_user, cardholder_client
):
    _sign_in(
        browser_context, live_server, cardholder_client(cardholder_user(test_card))
    )
    card = test_card.issued.card
    paths = [
        "/portal/",
        "/portal/cards/",
        f"/portal/cards/{card.public_id}/",
        f"/portal/cards/{card.public_id}/reveal/",
        "/portal/transactions/",
        "/portal/disputes/",
        "/portal/alerts/",
        "/portal/statements/",
        "/portal/payments/",
        f"/portal/accounts/{card.account.public_id}/pay/",
        "/portal/credit-score/",
        "/portal/notifications/",
        "/portal/notifications/settings/",
        "/portal/security/",
        "/portal/security/two-step/",  # its QR code is a data: image
    ]

    assert _violated({path: visit(path) for path in paths}) == {}


def test_signed_out_portal_pages(visit):
    paths = ["/portal/login/", "/portal/signup/", "/portal/password-reset/"]

    assert _violated({path: visit(path) for path in paths}) == {}


def test_staff_pages_dashboards_and_api_docs(
    visit,
    browser_context,
    live_server,
    staff_client,
    admin_user,
    test_card,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    _sign_in(browser_context, live_server, staff_client(admin_user))
    running = BatchScoringJob.objects.create(
        upload=ContentFile(b"transaction_id\n", name="day.csv"), rows_total=8
    )
    card = test_card.issued.card
    pages = {
        "/admin/": "document.readyState === 'complete'",
        "/admin/cards/card/": "document.readyState === 'complete'",
        f"/admin/cards/card/{card.pk}/change/": "document.readyState === 'complete'",
        # batch_progress.js runs: the page reloads itself.
        f"/admin/fraud/batchscoringjob/{running.pk}/change/": (
            "performance.getEntriesByType('navigation')[0].type === 'reload'"
        ),
        "/staff/dashboards/": "window.Chart && document.querySelector("
        "'#dashboard canvas') && Chart.getChart(document.querySelector("
        "'#dashboard canvas'))",
        "/api/docs/": "document.querySelector('.swagger-ui .info .title')",
    }

    assert _violated({path: visit(path, ready) for path, ready in pages.items()}) == {}

"""The dashboards in real Chromium: every chart drawn, the figures on screen
those of the database, and the page redrawing itself as traffic arrives.
Full-page screenshots land in var/artifacts/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import FRAUD_ANALYST, FRAUD_SUPERVISOR
from cards.models import Authorization
from cards.services.authorizations import authorization_create
from cards.tests.conftest import authorization_request
from fraud.dashboards.tests.conftest import build_world, staff_user
from fraud.models import ReviewCase
from issuer.kernel.money import format_money

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    # The live server's requests read the panels on the replica (the test
    # mirror of the primary; see issuer/kernel/db_router.py).
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

# Per canvas: is a Chart.js chart on it, how many data points are not zero,
# and how many of its pixels are painted.
CHARTS_DRAWN = """() => Array.from(document.querySelectorAll("#dashboard canvas"))
  .map((canvas) => {
    const chart = window.Chart.getChart(canvas);
    const pixels = canvas.getContext("2d")
      .getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let alpha = 3; alpha < pixels.length; alpha += 4) {
      if (pixels[alpha] > 0) painted += 1;
    }
    const points = chart ? chart.data.datasets.reduce((count, dataset) =>
      count + dataset.data.filter((value) => value != null && value !== 0).length,
      0) : 0;
    return {id: canvas.id, chart: Boolean(chart), points: points, painted: painted};
  })"""
REFRESHED = (
    "(count) => Number(document.getElementById('dashboard').dataset.refreshCount)"
    " >= count"
)


@pytest.fixture
def live_world(issue_card, settings):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    return build_world(now=timezone.now(), issue_card=issue_card)


def open_dashboard(browser_context, staff_browser_login, live_server, user, path):
    staff_browser_login(browser_context, user)
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}{path}")
    page.wait_for_function(REFRESHED, arg=1)
    return page, errors


def assert_every_chart_drawn(page, expected: set[str]) -> None:
    charts = page.evaluate(CHARTS_DRAWN)

    assert {chart["id"] for chart in charts} == expected
    for chart in charts:
        assert chart["chart"], chart
        assert chart["points"] > 0, chart
        assert chart["painted"] > 0, chart


def refresh_count(page) -> int:
    return int(
        page.evaluate("document.getElementById('dashboard').dataset.refreshCount")
    )


def text(page, value: str) -> str:
    return page.locator(f'#dashboard [data-value="{value}"]').first.inner_text()


def test_the_overview_draws_its_charts_and_keeps_up_with_traffic(
    live_world, browser_context, staff_browser_login, live_server, screenshot
):
    analyst = staff_user("analyst-in-chromium", FRAUD_ANALYST)
    page, errors = open_dashboard(
        browser_context, staff_browser_login, live_server, analyst, "/staff/dashboards/"
    )

    assert_every_chart_drawn(
        page,
        {
            "chart-volume",
            "chart-tiers",
            "chart-histogram",
            "chart-fraud-hour",
            "chart-queue",
            "chart-throughput",
        },
    )
    since = timezone.now() - timedelta(hours=23)
    in_window = Authorization.objects.filter(created_at__gte=since)
    assert text(page, "kpis.authorizations") == str(in_window.count())
    assert text(page, "kpis.declined") == str(
        in_window.filter(status=Authorization.Status.DECLINED).count()
    )
    assert text(page, "kpis.decline_rate") == "16.7 %"
    assert text(page, "kpis.fraud_rate") == "50.0 %"
    assert text(page, "queue.open") == str(
        ReviewCase.objects.filter(status=ReviewCase.Status.OPEN).count()
    )
    assert text(page, "queue.overdue") == "1"
    newest = in_window.order_by("-created_at").first()
    first_row = page.locator("#latest tbody tr").first.inner_text()
    assert f"{format_money(newest.amount, newest.currency)} {newest.currency}" in (
        first_row
    )
    assert page.locator("#latest tbody tr").count() == Authorization.objects.count()
    screenshot(page)

    refreshes = refresh_count(page)
    authorization_create(
        request=authorization_request(live_world.cards["first"], amount=900),
        partner=None,
    )
    page.wait_for_function(
        "(expected) => document.querySelector('[data-value=\"kpis.authorizations\"]')"
        ".textContent === expected",
        arg=str(in_window.count()),
        timeout=15_000,
    )

    assert refresh_count(page) > refreshes
    approved = page.evaluate(
        "() => window.Chart.getChart('chart-volume').data.datasets"
        ".find((d) => d.label === 'Approved').data.reduce((a, b) => a + b, 0)"
    )
    assert approved == in_window.filter(status=Authorization.Status.APPROVED).count()
    assert errors == []


def test_model_performance_draws_each_version(
    live_world, browser_context, staff_browser_login, live_server, screenshot
):
    supervisor = staff_user("supervisor-in-chromium", FRAUD_SUPERVISOR)
    page, errors = open_dashboard(
        browser_context,
        staff_browser_login,
        live_server,
        supervisor,
        "/staff/dashboards/models/",
    )

    assert_every_chart_drawn(
        page, {"chart-ap", "chart-labelled", "chart-precision", "chart-recall"}
    )
    rows = page.locator("#versions tbody tr")
    assert rows.count() == 2
    active, shadow = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert str(live_world.active.public_id)[:8] in active
    assert "active" in active
    assert "0.5833" in active  # AP 7/12
    assert "shadow" in shadow
    assert "1.0000" in shadow
    screenshot(page)
    assert errors == []


def test_business_impact_shows_money_and_its_assumptions(
    live_world,
    stored_assumptions,
    browser_context,
    staff_browser_login,
    live_server,
    screenshot,
):
    supervisor = staff_user("supervisor-in-chromium", FRAUD_SUPERVISOR)
    page, errors = open_dashboard(
        browser_context,
        staff_browser_login,
        live_server,
        supervisor,
        "/staff/dashboards/impact/",
    )

    assert_every_chart_drawn(page, {"chart-impact", "chart-impact-totals"})
    assert text(page, "totals.display.fraud_prevented") == "20.00"
    assert text(page, "totals.display.fraud_losses") == "30.00"
    assert text(page, "totals.display.review_cost") == "60.00"
    assert text(page, "totals.display.net_benefit") == "-45.00"
    assert text(page, "assumptions.display.review_cost_per_case") == "15.00"
    assert text(page, "assumptions.display.chargeback_recovery") == "25.00 %"
    change = page.locator("#assumptions-change")
    assert change.is_visible()
    screenshot(page)

    change.click()
    page.wait_for_url("**/admin/dashboards/impactassumptions/1/change/")
    assert page.locator("#id_review_cost_per_case").input_value() == "1500"
    assert errors == []

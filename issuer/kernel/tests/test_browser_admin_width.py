"""Every list page of the staff console fits a 1366 px wide screen, in real
Chromium, with the demo's data in its tables: no sideways scrolling of the
page. Screenshots of each land in var/artifacts/screenshots/."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import roles_sync

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]
WIDTH = 1366
# The page's width, and how far the results table reaches past its box (a
# table wider than its box hides columns behind a scroll bar).
WIDTHS = """() => {
  const results = document.querySelector("#changelist .results");
  return [document.documentElement.scrollWidth,
          results ? results.scrollWidth - results.clientWidth : 0];
}"""


def test_every_list_page_fits_1366_pixels(
    browser, staff_browser_login, live_server, django_user_model, screenshot
) -> None:
    roles_sync(apps)  # an earlier transactional test flushed the role groups
    call_command("seed_demo", stdout=StringIO())
    superuser = django_user_model.objects.create_superuser(
        "console-width", "console-width@issuer.example", "console-width-passphrase"
    )
    context = browser.new_context(viewport={"width": WIDTH, "height": 768})
    staff_browser_login(context, superuser)
    page = context.new_page()
    too_wide = {}
    not_shown = []

    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        page.goto(f"{live_server.url}{url}")
        if "/admin/login/" in page.url or page.locator("#content-main").count() != 1:
            not_shown.append(url)  # a singleton's list opens its change page
            continue
        width, hidden = page.evaluate(WIDTHS)
        if width > WIDTH or hidden > 0 or opts.model_name == "authorization":
            screenshot(page, suffix=f"-{opts.app_label}-{opts.model_name}")
        if width > WIDTH or hidden > 0:
            too_wide[url] = (width, hidden)
    context.close()

    assert not_shown == []
    assert too_wide == {}

"""The pages a new user reaches first: the landing page at `/`, the API's
index, the favicon, and the styled 403/404/500 pages of the staff console,
the portal and the API, each logged as one line without a traceback."""

import logging

import pytest
from django.test import Client

from accounts.roles import CREDIT_OFFICER, SUPPORT_AGENT


def _request_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name.startswith(("django.request", "django.security"))
    ]


def _one_line_each(records: list[logging.LogRecord]) -> list[str]:
    """The records as a handler prints them, after the logger's filters."""
    handler = logging.getLogger("django.request")
    lines = []
    for record in records:
        for log_filter in handler.filters:
            log_filter.filter(record)
        lines.append(logging.Formatter("%(levelname)s %(message)s").format(record))
    return lines


@pytest.mark.django_db
def test_the_landing_page_sends_each_user_to_their_door(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/portal/login/"' in page
    assert 'href="/admin/"' in page
    assert 'href="/api/docs/"' in page
    assert 'rel="icon" href="/static/issuer/favicon.svg"' in page


def test_the_api_index_names_its_docs_schema_and_resources(client: Client) -> None:
    response = client.get("/api/v1/")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Issuer partner API"
    assert body["documentation"] == "http://testserver/api/docs/"
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["authentication"] == "Authorization: Api-Key <key>"
    assert body["resources"]["authorizations"] == "/api/v1/authorizations"


def test_an_unknown_api_path_is_a_404_in_the_error_shape(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "No such resource: the index at /api/v1/ lists them.",
            "fields": {},
        }
    }


def test_the_favicon_is_served_from_static(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/issuer/favicon.svg"


@pytest.mark.django_db
def test_a_staff_403_names_the_role_that_may_do_it_and_logs_one_line(
    make_staff, staff_client, caplog: pytest.LogCaptureFixture
) -> None:
    """Given a support agent, when they open the BIN list (program admins
    only), then the console's 403 page names that role, and the log has one
    warning line without a traceback."""
    agent = staff_client(make_staff("agent-403", SUPPORT_AGENT))

    with caplog.at_level(logging.WARNING):
        response = agent.get("/admin/cards/bin/")

    assert response.status_code == 403
    assert "admin/errors/403.html" in [t.name for t in response.templates]
    assert response.context["permission"] == "cards.view_bin"
    assert response.context["roles"] == ["Program admin"]
    page = response.content.decode()
    assert "Issuer staff console" in page
    assert "<li><strong>Program admin</strong></li>" in page
    records = _request_log(caplog)
    assert _one_line_each(records) == [
        "WARNING Forbidden (Permission denied): /admin/cards/bin/"
    ]
    assert records[0].exc_info is None


@pytest.mark.django_db
def test_a_dashboard_403_names_every_role_that_may_see_it(
    make_staff, staff_client
) -> None:
    officer = staff_client(make_staff("officer-403", CREDIT_OFFICER))

    response = officer.get("/staff/dashboards/")

    assert response.status_code == 403
    assert response.context["permission"] == "dashboards.view_dashboards"
    assert response.context["roles"] == [
        "Fraud analyst",
        "Fraud supervisor",
        "Program admin",
    ]
    assert "You may not view the dashboards." in response.content.decode()


@pytest.mark.django_db
def test_a_staff_404_is_the_console_s_page(make_staff, staff_client) -> None:
    agent = staff_client(make_staff("agent-404", SUPPORT_AGENT))

    response = agent.get("/staff/no-such-page/")

    assert response.status_code == 404
    assert "admin/errors/404.html" in [t.name for t in response.templates]
    assert "Back to the staff console" in response.content.decode()


@pytest.mark.django_db
def test_the_portal_403_says_what_is_missing(make_staff) -> None:
    """Given a staff login (not a cardholder's), when it opens the portal,
    then the portal's 403 page says so and shows both ways in."""
    client = Client()
    client.force_login(make_staff("staff-in-portal", SUPPORT_AGENT))

    response = client.get("/portal/")

    assert response.status_code == 403
    assert "errors/403.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "This login is not a cardholder&#x27;s." in page
    assert 'href="/portal/login/"' in page


@pytest.mark.django_db
def test_a_public_404_is_styled_and_leads_back(client: Client) -> None:
    response = client.get("/no-such-page")

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no such page" in page
    assert 'href="/"' in page


def test_the_500_page_needs_no_database_or_context() -> None:
    """templates/500.html renders with an empty context (Django's handler
    gives it none) and says the fault is ours."""
    from django.template import loader

    page = loader.get_template("500.html").render({})

    assert "Something went wrong on our side" in page
    assert "{%" not in page

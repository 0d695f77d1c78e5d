"""The dashboard pages and their JSON: who may see them, what they hold,
and a number of queries that does not grow with the traffic."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import (
    CREDIT_OFFICER,
    FRAUD_ANALYST,
    FRAUD_SUPERVISOR,
    PROGRAM_ADMIN,
    SUPPORT_AGENT,
)
from fraud.dashboards.models import ImpactAssumptions
from fraud.dashboards.tests.conftest import build_world, staff_user

PAGES = ["/staff/dashboards/", "/staff/dashboards/models/", "/staff/dashboards/impact/"]
DATA = [f"{page}data/" for page in PAGES]


@pytest.fixture
def live_world(db, issue_card):
    """The small world placed against the clock (it ends minutes ago)."""
    return build_world(now=timezone.now(), issue_card=issue_card)


@pytest.fixture
def as_role(staff_client):
    """A client signed in as a new staff user holding `role` (or none)."""

    def sign_in(role: str | None, **extra):
        name = f"user-{role or 'none'}".replace(" ", "-").lower()
        return staff_client(staff_user(name, role, **extra))

    return sign_in


@pytest.mark.parametrize("role", [FRAUD_ANALYST, FRAUD_SUPERVISOR, PROGRAM_ADMIN])
def test_fraud_staff_and_program_admins_see_every_dashboard(as_role, db, role):
    client = as_role(role)

    for url in PAGES + DATA:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [SUPPORT_AGENT, CREDIT_OFFICER, None])
def test_other_staff_get_403_on_pages_and_data(as_role, db, role):
    client = as_role(role)

    for url in PAGES + DATA:
        assert client.get(url).status_code == 403, url


def test_without_a_staff_login_the_admin_login_is_asked_for(client, staff_client, db):
    anonymous = client.get(DATA[0])
    customer = staff_user("customer", FRAUD_ANALYST, is_staff=False)
    not_staff = staff_client(customer).get(PAGES[0])

    for response in (anonymous, not_staff):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_an_unknown_window_is_a_400_naming_the_field(as_role, db):
    client = as_role(FRAUD_ANALYST)

    response = client.get(DATA[0], {"window": "2y"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "window": ["Choose one of 1h, 24h, 7d, 30d."]
    }


def test_the_page_links_its_data_charts_and_windows(as_role, db):
    client = as_role(FRAUD_ANALYST)

    page = client.get(PAGES[0], {"window": "7d"}).content.decode()

    assert 'data-source="/staff/dashboards/data/?window=7d"' in page
    assert 'data-refresh-seconds="10"' in page
    assert "dashboards/vendor/chartjs/chart.umd.min.js" in page
    for canvas in ("volume", "tiers", "histogram", "fraud-hour", "queue"):
        assert f'id="chart-{canvas}"' in page
    assert 'href="?window=30d"' in page


def test_the_overview_data(as_role, live_world):
    client = as_role(FRAUD_ANALYST)

    data = client.get(DATA[0]).json()

    assert set(data) == {
        "generated_at",
        "refresh_seconds",
        "window",
        "kpis",
        "volume",
        "tiers",
        "score_histogram",
        "fraud_by_hour",
        "queue",
        "latest",
    }
    assert data["window"]["key"] == "24h"
    assert len(data["window"]["buckets"]) == len(data["volume"]["approved"]) == 24
    assert data["kpis"] == {
        "authorizations": 6,
        "approved": 5,
        "declined": 1,
        "decline_rate": 1 / 6,
        "confirmed_fraud": 3,
        "fraud_rate": 0.5,
    }
    assert data["tiers"]["counts"] == [2, 1, 1, 1]
    assert (data["queue"]["open"], data["queue"]["overdue"]) == (1, 1)
    newest = data["latest"][0]
    assert newest["id"] == str(live_world.authorizations["a7"].public_id)
    assert (newest["amount"], newest["amount_display"], newest["currency"]) == (
        7_000,
        "70.00",
        "EUR",
    )
    assert "pan" not in str(data["latest"]).lower()


def test_the_model_performance_data(as_role, live_world):
    client = as_role(FRAUD_SUPERVISOR)

    versions = client.get(DATA[1]).json()["versions"]

    assert [(v["status"], v["labelled"], v["frauds"]) for v in versions] == [
        ("active", 3, 2),
        ("shadow", 3, 2),
    ]
    assert versions[1]["average_precision"] == 1.0


def test_the_impact_data_shows_the_assumptions_and_who_may_change_them(
    as_role, live_world, stored_assumptions
):
    client = as_role(FRAUD_ANALYST)
    analyst_view = client.get(DATA[2]).json()
    client = as_role(FRAUD_SUPERVISOR)
    supervisor_view = client.get(DATA[2]).json()

    assert analyst_view["totals"]["net_benefit"] == -4_500
    assert analyst_view["totals"]["display"]["net_benefit"] == "-45.00"
    assert analyst_view["counts"]["display"]["caught_fraud_amount"] == "20.00"
    assert sum(analyst_view["series"]["review_cost"]) == 6_000
    assert analyst_view["assumptions"]["display"] == {
        "review_cost_per_case": "15.00",
        "false_positive_cost": "5.00",
        "chargeback_recovery": "25.00 %",
    }
    assert analyst_view["assumptions"]["change_url"] is None
    assert (
        supervisor_view["assumptions"]["change_url"]
        == "/admin/dashboards/impactassumptions/1/change/"
    )


def test_the_overview_data_takes_the_same_queries_however_much_traffic(
    as_role, live_world, issue_card, django_assert_max_num_queries
):
    client = as_role(FRAUD_ANALYST)
    with CaptureQueriesContext(connection) as small:
        client.get(DATA[0])
    build_world(now=timezone.now(), issue_card=issue_card, suffix="-more")

    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert client.get(DATA[0]).json()["kpis"]["authorizations"] == 12

    assert len(large.captured_queries) == len(small.captured_queries) <= 20


@pytest.mark.parametrize("url", DATA[1:])
def test_model_and_impact_data_take_a_bounded_number_of_queries(
    as_role, live_world, url, django_assert_max_num_queries
):
    client = as_role(FRAUD_SUPERVISOR)

    # 13: session, user, the user's second-factor device, permissions, the
    # dashboard's own reads and the session's save.
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200


def test_the_admin_index_links_the_dashboards_for_those_who_may_see_them(as_role, db):
    client = as_role(FRAUD_ANALYST)
    analyst_index = client.get("/admin/").content.decode()
    client = as_role(SUPPORT_AGENT)
    support_index = client.get("/admin/").content.decode()

    assert 'href="/staff/dashboards/models/"' in analyst_index
    assert "/staff/dashboards/" not in support_index


def test_a_supervisor_changes_the_assumptions_in_admin(
    staff_client, stored_assumptions
):
    supervisor = staff_user("sup", FRAUD_SUPERVISOR)
    client = staff_client(supervisor)
    form = {
        "currency": "EUR",
        "review_cost_per_case": 2_000,
        "false_positive_cost": 750,
        "chargeback_recovery_basis_points": 3_000,
    }

    invalid = client.post(
        "/admin/dashboards/impactassumptions/1/change/",
        {**form, "currency": "XYZ", "chargeback_recovery_basis_points": 10_001},
    )
    saved = client.post("/admin/dashboards/impactassumptions/1/change/", form)

    assert invalid.status_code == 200
    assert "A currency is a known ISO 4217 code" in invalid.content.decode()
    assert saved.status_code == 302
    stored = ImpactAssumptions.objects.get()
    assert (
        stored.currency,
        stored.review_cost_per_case,
        stored.false_positive_cost,
        stored.chargeback_recovery_basis_points,
        stored.updated_by,
    ) == ("EUR", 2_000, 750, 3_000, supervisor)


def test_an_analyst_cannot_change_the_assumptions(as_role, stored_assumptions):
    client = as_role(FRAUD_ANALYST)

    response = client.post(
        "/admin/dashboards/impactassumptions/1/change/",
        {
            "currency": "EUR",
            "review_cost_per_case": 0,
            "false_positive_cost": 0,
            "chargeback_recovery_basis_points": 0,
        },
    )

    assert response.status_code == 403
    assert ImpactAssumptions.objects.get().currency == "USD"


def test_the_assumptions_list_opens_the_one_row(as_role, stored_assumptions):
    client = as_role(PROGRAM_ADMIN)

    response = client.get("/admin/dashboards/impactassumptions/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/dashboards/impactassumptions/1/change/"

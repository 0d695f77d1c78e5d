"""The staff dashboards and model training read the replica; everything they
write, and the reads that must be fresh, stay on the primary.

The replica is the test settings' mirror of the primary (a second,
read-only connection to the test database); see issuer/kernel/db_router.py.
Transactional tests, so nothing sits in an uncommitted test transaction.
"""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from accounts.roles import FRAUD_ANALYST
from fraud.dashboards import selectors
from fraud.dashboards.tests.conftest import FIXED_NOW, build_world, staff_user
from fraud.models import HistoricalTransaction, ModelVersion, ReviewCase
from fraud.services.training import model_version_train
from fraud.tests.conftest import FAST_TRAINING
from issuer.kernel.db_router import REPLICA, reporting_rows

pytestmark = pytest.mark.django_db(
    transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA]
)
PANEL_TABLES = (
    "cards_authorization",
    "fraud_fraudscore",
    "fraud_historicaltransaction",
    "fraud_reviewcase",
    "fraud_modelversion",
)


def reads_table(statement: str, *tables: str) -> bool:
    return any(table in statement for table in tables)


def test_every_dashboard_panel_reads_the_replica(issue_card, queries_by_alias):
    build_world(now=FIXED_NOW, issue_card=issue_card)
    window = selectors.dashboard_window(key="24h", now=FIXED_NOW)

    with queries_by_alias() as sql:
        volume = selectors.authorization_volume(window=window)
        tiers = selectors.tier_distribution(window=window)
        selectors.score_histogram(window=window)
        hours = selectors.fraud_by_hour(window=window)
        queue = selectors.queue_health(window=window, now=FIXED_NOW)
        latest = selectors.authorizations_latest()
        models = selectors.model_performance(window=window)
        assumptions = selectors.impact_assumptions_get()
        impact = selectors.business_impact(window=window, assumptions=assumptions)

    # The figures of fraud/dashboards/tests/test_selectors.py, from the replica.
    assert volume["totals"]["authorizations"] == 6
    assert volume["totals"]["confirmed_fraud"] == 3
    assert tiers["counts"] == [2, 1, 1, 1]
    assert sum(hours["authorizations"]) == 6
    assert (queue["opened"], queue["closed"], queue["closed_late"]) == (4, 2, 1)
    assert len(latest) == 7
    assert [v["status"] for v in models["versions"]] == ["active", "shadow"]
    assert impact["counts"].cases_opened == 4
    # Only the impact assumptions (edited by staff) are read on the primary.
    assert len(sql[DEFAULT_DB_ALIAS]) == 1
    assert "dashboards_impactassumptions" in sql[DEFAULT_DB_ALIAS][0]
    assert len(sql[REPLICA]) >= 12
    assert all(statement.startswith("SELECT") for statement in sql[REPLICA])


def test_the_dashboard_data_of_a_request_comes_from_the_replica(
    issue_card, staff_client, queries_by_alias
):
    build_world(now=timezone.now(), issue_card=issue_card)
    client = staff_client(staff_user("replica-analyst", FRAUD_ANALYST))

    with queries_by_alias() as sql:
        response = client.get("/staff/dashboards/data/")

    assert response.status_code == 200
    assert response.json()["kpis"]["authorizations"] == 6
    assert response.json()["queue"]["open"] == 1
    assert not any(
        reads_table(statement, *PANEL_TABLES) for statement in sql[DEFAULT_DB_ALIAS]
    )
    assert sum(reads_table(s, *PANEL_TABLES) for s in sql[REPLICA]) >= 8


def test_relations_of_replica_rows_follow_them_outside_a_transaction_only(
    issue_card, queries_by_alias
):
    world = build_world(now=FIXED_NOW, issue_card=issue_card)
    case = reporting_rows(ReviewCase).get(pk=world.cases["a1"].pk)
    again = reporting_rows(ReviewCase).get(pk=world.cases["a2"].pk)

    with queries_by_alias() as outside:
        analyst = case.assigned_to
    with transaction.atomic(), queries_by_alias() as inside:
        other = again.assigned_to

    assert analyst is not None and analyst.username == "bob"
    assert other is not None and other.username == "ana"
    assert (len(outside[DEFAULT_DB_ALIAS]), len(outside[REPLICA])) == (0, 1)
    assert (len(inside[DEFAULT_DB_ALIAS]), len(inside[REPLICA])) == (1, 0)


def test_inside_a_transaction_the_dashboards_read_the_primary(
    issue_card, queries_by_alias
):
    build_world(now=FIXED_NOW, issue_card=issue_card)
    window = selectors.dashboard_window(key="24h", now=FIXED_NOW)

    with transaction.atomic(), queries_by_alias() as sql:
        volume = selectors.authorization_volume(window=window)

    assert volume["totals"]["authorizations"] == 6
    assert len(sql[DEFAULT_DB_ALIAS]) == 2
    assert sql[REPLICA] == []


@pytest.fixture
def imported_history(small_world_csv, media_root):
    call_command("import_transactions", str(small_world_csv), "--no-progress")


def test_training_reads_the_history_on_the_replica_and_registers_on_the_primary(
    imported_history, queries_by_alias
):
    with queries_by_alias() as sql:
        outcome = model_version_train(
            train_from=date(2026, 1, 6),
            train_to=date(2026, 1, 12),
            config=FAST_TRAINING,
        )

    window = outcome.window
    in_training = HistoricalTransaction.objects.filter(
        timestamp__gte=window.train_start, timestamp__lt=window.train_end
    ).count()
    history = "fraud_historicaltransaction"
    assert outcome.result.data_summary["train_rows"] == in_training
    assert ModelVersion.objects.get().public_id == outcome.version.public_id
    assert sum(history in statement for statement in sql[REPLICA]) >= 2
    assert all(statement.startswith("SELECT") for statement in sql[REPLICA])
    assert not any(history in statement for statement in sql[DEFAULT_DB_ALIAS])
    assert any(
        statement.startswith("INSERT") and "fraud_modelversion" in statement
        for statement in sql[DEFAULT_DB_ALIAS]
    )

"""The read-replica router (issuer/kernel/db_router.py).

The test settings give a `replica` alias that is Django's test mirror of the
primary: a second, read-only connection to the same test database. These
tests are transactional, so the primary's connection is outside a
transaction unless a test opens one, as in production.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, router, transaction
from django.test.utils import override_settings
from django.utils import timezone

from issuer.kernel.db_router import REPLICA, reporting_database, reporting_rows
from issuer.kernel.models import OutboxEvent

ROOT = Path(__file__).resolve().parents[3]
BOTH = [DEFAULT_DB_ALIAS, REPLICA]
pytestmark = pytest.mark.django_db(transaction=True, databases=BOTH)


def event(number: int) -> OutboxEvent:
    return OutboxEvent.objects.create(
        type="test.happened",
        aggregate_type="test",
        aggregate_id=str(number),
        payload={"n": number},
    )


def test_reporting_reads_go_to_the_replica_outside_a_transaction(queries_by_alias):
    for number in range(3):
        event(number)

    with queries_by_alias() as sql:
        alias = reporting_database()
        count = reporting_rows(OutboxEvent).count()

    assert alias == REPLICA
    assert count == 3
    assert sql[DEFAULT_DB_ALIAS] == []
    assert len(sql[REPLICA]) == 1
    assert "outbox" in sql[REPLICA][0].lower()


def test_writes_and_every_other_read_go_to_the_primary(queries_by_alias):
    with queries_by_alias() as sql:
        created = event(1)
        OutboxEvent.objects.filter(pk=created.pk).update(dispatched_at=timezone.now())
        count = OutboxEvent.objects.count()
        fetched = OutboxEvent.objects.get(pk=created.pk)

    assert count == 1
    assert fetched.dispatched_at is not None
    assert fetched._state.db == DEFAULT_DB_ALIAS
    assert len(sql[DEFAULT_DB_ALIAS]) == 4
    assert sql[REPLICA] == []


def test_an_object_read_on_the_replica_is_saved_on_the_primary(queries_by_alias):
    created = event(1)
    fetched = reporting_rows(OutboxEvent).get(pk=created.pk)
    moment = timezone.now()

    with queries_by_alias() as sql:
        fetched.dispatched_at = moment
        fetched.save(update_fields=["dispatched_at"])

    assert fetched._state.db == DEFAULT_DB_ALIAS
    assert [statement.split()[0] for statement in sql[DEFAULT_DB_ALIAS]] == ["UPDATE"]
    assert sql[REPLICA] == []
    assert OutboxEvent.objects.get(pk=created.pk).dispatched_at == moment


def test_inside_a_transaction_reporting_reads_stay_on_the_primary(queries_by_alias):
    """They must see the transaction's own writes, which the replica has not."""
    event(1)

    with transaction.atomic():
        event(2)
        with queries_by_alias() as sql:
            alias = reporting_database()
            inside = reporting_rows(OutboxEvent).count()
        outside = OutboxEvent.objects.using(REPLICA).count()  # not committed yet

    assert alias == DEFAULT_DB_ALIAS
    assert inside == 2
    assert outside == 1
    assert len(sql[DEFAULT_DB_ALIAS]) == 1
    assert sql[REPLICA] == []


def test_the_replica_connection_refuses_writes():
    """A routing mistake fails loudly instead of writing behind the router."""
    with pytest.raises(DatabaseError):
        OutboxEvent.objects.using(REPLICA).create(
            type="test.happened", aggregate_type="test", aggregate_id="1", payload={}
        )

    assert OutboxEvent.objects.count() == 0


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "kernel", model_name="outboxevent")
    assert not router.allow_migrate(REPLICA, "kernel", model_name="outboxevent")
    assert router.allow_migrate_model(DEFAULT_DB_ALIAS, OutboxEvent)
    assert not router.allow_migrate_model(REPLICA, OutboxEvent)


def test_objects_of_both_aliases_may_be_related():
    on_replica = reporting_rows(OutboxEvent).get(pk=event(1).pk)
    on_primary = event(2)

    assert on_replica._state.db == REPLICA
    assert router.allow_relation(on_replica, on_primary) is True


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_without_a_replica_everything_reads_the_primary(queries_by_alias):
    event(1)
    primary_only = {DEFAULT_DB_ALIAS: settings.DATABASES[DEFAULT_DB_ALIAS]}

    with override_settings(DATABASES=primary_only), queries_by_alias() as sql:
        alias = reporting_database()
        count = reporting_rows(OutboxEvent).count()

    assert alias == DEFAULT_DB_ALIAS
    assert count == 1
    assert len(sql[DEFAULT_DB_ALIAS]) == 1
    assert sql[REPLICA] == []


def _databases_in_settings(**environment: str) -> dict[str, dict[str, str]]:
    """The aliases a fresh process builds from DATABASE_URL and
    DATABASE_REPLICA_URL (local settings, no database needed)."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({alias: {'NAME': str(db['NAME']), "
        "'HOST': db.get('HOST', '')} for alias, db in settings.DATABASES.items()}))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "issuer.settings.local", **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    databases: dict[str, dict[str, str]] = json.loads(result.stdout.splitlines()[-1])
    return databases


def test_the_replica_alias_exists_only_with_database_replica_url():
    primary = "mysql://issuer:secret@primary.internal:3306/issuer"
    replica = "mysql://issuer_ro:secret@replica.internal:3306/issuer"

    without = _databases_in_settings(DATABASE_URL=primary)
    with_replica = _databases_in_settings(
        DATABASE_URL=primary, DATABASE_REPLICA_URL=replica
    )

    assert without == {"default": {"NAME": "issuer", "HOST": "primary.internal"}}
    assert with_replica == {
        "default": {"NAME": "issuer", "HOST": "primary.internal"},
        "replica": {"NAME": "issuer", "HOST": "replica.internal"},
    }

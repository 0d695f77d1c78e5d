"""Reads that may lag go to a read replica; everything else to the primary.

The design is explicit, not automatic: a read reaches the replica only when
its selector asks for `reporting_database()` with `.using(...)`. That is
done by the staff dashboards and by the history reads of training and rule
back-tests: reads that are large, that nobody acts on in the same
transaction, and for which a second or two of replication lag is harmless.
Everything else reads the primary: the authorization path, services that
read before they write, pages that show what the user just saved. A
router that guessed from the model would send the hot path's reads to a
lagging copy; one that guessed from the request would need every view to
be right about it. Here the choice sits in the selector that makes it.

`reporting_database()` answers the primary whenever the primary's
connection is inside a transaction (`atomic`): such a transaction may
have written, and its reads must see its own writes, which the replica
never has. The same rule covers relations followed from an object read on
the replica (`PrimaryReplicaRouter.db_for_read`).

The router itself only enforces the safe defaults: writes always go to the
primary (even an object read from the replica is saved on the primary),
migrations run only on the primary, and objects of both aliases may be
related (they are the same tables).

Without DATABASE_REPLICA_URL there is no `replica` alias and every read
and write goes to `default`.
"""

from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

REPLICA = "replica"
M = TypeVar("M", bound=Model)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reporting_database() -> str:
    """The alias for reads that may lag the primary by replication delay.

    The replica when one is configured and the primary's connection is not
    inside a transaction; otherwise the primary.
    """
    if not replica_configured() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


def reporting_rows(model: type[M]) -> QuerySet[M]:
    """`model`'s rows, read on `reporting_database()`."""
    return model._default_manager.using(reporting_database())


class PrimaryReplicaRouter:
    """Writes and migrations on the primary; reads on the primary unless a
    selector chose the replica (see the module docstring)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            # A relation followed from an object the replica returned.
            return reporting_database()
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_sessions_read_only(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Every session on the replica refuses writes, so a routing mistake is
    an error instead of a write to a copy that replication would overwrite
    (or, where the replica is the primary itself, a write that bypasses the
    router). Connected to `connection_created` by the kernel app."""
    if connection.alias != REPLICA:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")

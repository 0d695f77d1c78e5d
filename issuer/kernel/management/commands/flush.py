"""`manage.py flush`, able to empty the append-only audit trail.

Flush removes every row of every table; on MariaDB/MySQL the audit trail's
delete trigger refuses that unless the session says it is purging, which
this command (and only it) does for the length of the flush. Test teardown
of transactional tests runs it.
"""

from typing import Any

from django.core.management.commands import flush
from django.db import connections


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "mysql":
            super().handle(**options)
            return
        with connection.cursor() as cursor:
            cursor.execute("SET @kernel_auditevent_purge = 1")
        try:
            super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET @kernel_auditevent_purge = NULL")

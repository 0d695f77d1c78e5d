"""Grant the roles their dispute permissions."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0006_disputes"),
        ("accounts", "0009_sync_roles_statements"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

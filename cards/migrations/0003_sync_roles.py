"""Grant the roles their permissions on cards and the catalogue."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0002_cards_authorizations_clearing"),
        ("accounts", "0004_sync_roles"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

"""Grant the roles their permissions on rules and rule hits."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [("fraud", "0005_rules")]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

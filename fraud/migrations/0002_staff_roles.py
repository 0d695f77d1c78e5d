"""Grant the staff roles the permissions on the fraud models (roles.py)."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("fraud", "0001_initial"),
        ("accounts", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

"""Grant program admins the programs' authorization-decision endpoints."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0003_authorization_decision_endpoint"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

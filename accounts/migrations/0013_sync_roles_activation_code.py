"""Let support agents issue portal activation codes to cardholders."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_portal_activation_code"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

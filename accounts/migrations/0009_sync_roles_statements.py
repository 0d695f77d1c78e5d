"""Let support agents and credit officers read statements."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_payment_return_permission")]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

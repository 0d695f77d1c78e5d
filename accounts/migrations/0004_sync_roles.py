"""Grant the roles their permissions on cardholders and credit accounts."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_cardholders_credit_accounts")]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

"""Grant the roles their permissions on review cases."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [("fraud", "0003_live_scores_actions_cases")]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

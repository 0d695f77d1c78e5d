"""Grant fraud supervisors batch scoring."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [("fraud", "0007_batch_scoring_jobs")]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

"""Grant the fraud supervisor the permission to lift security blocks and
bank or fraud freezes."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0008_card_block_owner_and_verification_failures"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

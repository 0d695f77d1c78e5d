"""Grant the fraud supervisor the permission to lift security blocks and
bank or fraud freezes."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0011_card_block_owner_and_verification_failures"),
        # After every other app's latest permissions, so the sync sees them.
        ("accounts", "0021_partner_serves_issuer_cardholders"),
        ("webhooks", "0004_sync_roles_decision_endpoints"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

"""The access administrator role; program admins give only the lower roles
and no longer reset second factors."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0018_staff_access_permissions"),
        ("cards", "0007_sync_roles_disputes"),
        ("fraud", "0010_sync_roles"),
        ("dashboards", "0002_default_assumptions_and_roles"),
        ("ledger", "0003_idempotency_keys_exact"),
        ("kernel", "0005_idempotency_exact_keys_keyed_fingerprint"),
        ("webhooks", "0002_sync_roles"),
        ("otp_totp", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

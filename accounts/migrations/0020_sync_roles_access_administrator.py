"""The access administrator role; program admins give only the lower roles
and no longer reset second factors."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0019_staff_access_permissions"),
        ("cards", "0010_authorization_program_decision"),
        ("fraud", "0010_sync_roles"),
        ("dashboards", "0002_default_assumptions_and_roles"),
        ("ledger", "0004_idempotency_keys_exact"),
        ("kernel", "0006_idempotency_exact_keys_keyed_fingerprint"),
        ("webhooks", "0004_sync_roles_decision_endpoints"),
        ("otp_totp", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

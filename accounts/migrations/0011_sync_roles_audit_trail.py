"""Grant the audit trail to supervisors and program admins; program admins
also reset second factors and lift lockouts."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_creditscore_event_id_inputs"),
        ("kernel", "0004_audit_event_append_only"),
        ("otp_totp", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

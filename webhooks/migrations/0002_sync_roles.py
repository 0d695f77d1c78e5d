"""Grant support agents and program admins the webhook log and replays."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("fraud", "0010_sync_roles"),
        ("accounts", "0016_notification_credit_limit_kind"),
        ("cards", "0007_sync_roles_disputes"),
        ("dashboards", "0002_default_assumptions_and_roles"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

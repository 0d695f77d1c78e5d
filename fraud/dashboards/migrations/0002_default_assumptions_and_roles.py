"""Create the impact assumptions' one row with its defaults, and grant the
staff roles the dashboards' permissions (accounts/roles.py)."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


def assumptions_create(apps, schema_editor):
    ImpactAssumptions = apps.get_model("dashboards", "ImpactAssumptions")
    ImpactAssumptions.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_impact_assumptions"),
        ("accounts", "0002_staff_roles"),
    ]

    operations = [
        migrations.RunPython(assumptions_create, migrations.RunPython.noop),
        migrations.RunPython(roles_sync, roles_migration_noop),
    ]

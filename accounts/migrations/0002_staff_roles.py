"""Create the staff role groups with their permissions."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

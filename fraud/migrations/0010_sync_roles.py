"""Grant the roles the review queue's, the credit queue's and payments' permissions."""

from django.db import migrations

from accounts.roles import roles_migration_noop, roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("fraud", "0009_review_case_notes_transactions"),
        ("accounts", "0009_sync_roles_statements"),
        ("cards", "0005_capture_fraud_dispute_mark"),
        ("ledger", "0002_posting_effective_at"),
    ]

    operations = [migrations.RunPython(roles_sync, roles_migration_noop)]

"""Copy each entry's effective time onto its postings and index it per account."""

from django.db import migrations, models


def copy_effective_at(apps, schema_editor):
    Posting = apps.get_model("ledger", "Posting")
    JournalEntry = apps.get_model("ledger", "JournalEntry")
    Posting.objects.filter(effective_at__isnull=True).update(
        effective_at=models.Subquery(
            JournalEntry.objects.filter(pk=models.OuterRef("entry_id")).values(
                "effective_at"
            )[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="posting",
            name="effective_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(copy_effective_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="posting",
            name="effective_at",
            field=models.DateTimeField(
                help_text="The entry's effective time, copied so an account's "
                "postings in a period are one index range."
            ),
        ),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(
                fields=["account", "effective_at"],
                name="ledger_post_account_35df99_idx",
            ),
        ),
    ]

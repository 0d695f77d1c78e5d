"""Statements record their cut-off and read mark; lines keep a billing zone.

Existing statements were closed by UTC day with membership by effective
time alone, so their cut-off is the start of the UTC day after their period
and their mark covers every entry written so far: the same postings as
before. Existing lines bill in UTC, as they always have.
"""

import datetime

from django.db import migrations, models
from django.db.models import Max


def fill_marks(apps, schema_editor):
    Statement = apps.get_model("accounts", "Statement")
    JournalEntry = apps.get_model("ledger", "JournalEntry")
    newest = JournalEntry.objects.aggregate(newest=Max("pk"))["newest"] or 0
    for statement in Statement.objects.filter(cutoff_at__isnull=True).iterator():
        Statement.objects.filter(pk=statement.pk).update(
            cutoff_at=datetime.datetime.combine(
                statement.period_end + datetime.timedelta(days=1),
                datetime.time.min,
                tzinfo=datetime.UTC,
            ),
            last_entry_id=newest,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0021_partner_serves_issuer_cardholders"),
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditaccount",
            name="billing_time_zone",
            field=models.CharField(
                default="UTC",
                help_text="IANA zone whose days the cycles count in (the card "
                "product's or BILLING_TIME_ZONE when opened): a cycle closes once "
                "its last day has ended there.",
                max_length=64,
            ),
        ),
        migrations.AddConstraint(
            model_name="creditaccount",
            constraint=models.CheckConstraint(
                condition=models.Q(("billing_time_zone", ""), _negated=True),
                name="accounts_creditaccount_billing_time_zone_named",
            ),
        ),
        migrations.AddField(
            model_name="statement",
            name="cutoff_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="statement",
            name="last_entry_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(fill_marks, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="statement",
            name="cutoff_at",
            field=models.DateTimeField(
                help_text="End of the period's last day in the billing time zone: "
                "the statement holds postings effective before it."
            ),
        ),
        migrations.AlterField(
            model_name="statement",
            name="last_entry_id",
            field=models.BigIntegerField(
                help_text="The newest journal entry on the receivable when the "
                "cycle closed: entries after it land on a later statement, "
                "whatever their effective time."
            ),
        ),
        migrations.AddConstraint(
            model_name="statement",
            constraint=models.CheckConstraint(
                condition=models.Q(("last_entry_id__gte", 0)),
                name="accounts_statement_last_entry_not_negative",
            ),
        ),
    ]

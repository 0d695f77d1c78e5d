"""Make the audit trail append-only in MariaDB/MySQL itself.

BEFORE UPDATE and BEFORE DELETE triggers refuse any change to an audit
event, whoever sends the SQL. Deleting is allowed only to a session that
sets @kernel_auditevent_purge = 1 first: `manage.py flush` (the kernel's
override, used by test teardown) and a deliberate retention purge by a
DBA. Creating triggers needs the TRIGGER privilege (and, with binary
logging on, SUPER or log_bin_trust_function_creators).

Other databases (SQLite for the demo) rely on the model's own refusal.
"""

from django.db import migrations

TRIGGERS = {
    "kernel_auditevent_no_update": """
        CREATE TRIGGER kernel_auditevent_no_update
        BEFORE UPDATE ON kernel_auditevent FOR EACH ROW
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'kernel_auditevent is append-only: no UPDATE'
    """,
    "kernel_auditevent_no_delete": """
        CREATE TRIGGER kernel_auditevent_no_delete
        BEFORE DELETE ON kernel_auditevent FOR EACH ROW
        BEGIN
            IF COALESCE(@kernel_auditevent_purge, 0) <> 1 THEN
                SIGNAL SQLSTATE '45000'
                    SET MESSAGE_TEXT = 'kernel_auditevent is append-only: no DELETE';
            END IF;
        END
    """,
}


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "mysql":
        return
    for sql in TRIGGERS.values():
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "mysql":
        return
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("kernel", "0003_audit_event")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, atomic=False)]

"""The audit log gains request id and source; on PostgreSQL, triggers refuse UPDATE,
DELETE and TRUNCATE of audit rows in SQL as well as through the ORM.

The triggers let a session that has set ``fairspeed.audit_unlock = 'on'`` through: the
test suite's database flush needs it, and so would a database owner, who can drop the
triggers anyway. Against that, audit_verify checks the chain against signed checkpoints
kept outside the database.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FUNCTION = """
CREATE OR REPLACE FUNCTION fairspeed_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('fairspeed.audit_unlock', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""
TRIGGERS = """
CREATE TRIGGER audit_append_only_rows BEFORE UPDATE OR DELETE ON policy_auditevent
    FOR EACH ROW EXECUTE FUNCTION fairspeed_audit_append_only();
CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON policy_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION fairspeed_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_append_only_rows ON policy_auditevent;
DROP TRIGGER IF EXISTS audit_append_only_truncate ON policy_auditevent;
DROP FUNCTION IF EXISTS fairspeed_audit_append_only();
"""


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(TRIGGERS, params=None)


def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("policy", "0004_notice_tallies")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="request_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="source",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(install, remove),
    ]

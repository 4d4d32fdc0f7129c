"""Make the access log append-only in the database itself (PostgreSQL).

A row-level trigger refuses UPDATE and DELETE, so no code path (admin, shell, ORM bulk update,
raw SQL by the application role) can rewrite history. TRUNCATE is not row-level and stays
possible for the test suite's flush and for an operator's deliberate retention purge.
SQLite is the development default only: there the test suite flushes with DELETE, so the
trigger is not installed.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accesslogentry is append-only (%% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_access_log_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION audit_access_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_access_log_append_only ON audit_accesslogentry;
DROP FUNCTION IF EXISTS audit_access_log_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]

"""Refuse TRUNCATE of the audit table on PostgreSQL.

The row trigger of migration 0002 refuses UPDATE and DELETE, but TRUNCATE fires no row trigger: it needs a
statement trigger of its own. It refuses unless the session has set `gradingsite.allow_truncate = 'on'`, which
only the test suite's connections (gradingsite/settings_test.py, for pytest-django's flush between tests) and a
restore do; the production settings never set it. (In production the site also connects as a role without
TRUNCATE rights; docs/deployment.md.)

SQLite has no TRUNCATE: nothing to do there.
"""
from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_auditentry_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF current_setting('gradingsite.allow_truncate', true) IS DISTINCT FROM 'on' THEN
    RAISE EXCEPTION 'audit log is append-only: TRUNCATE refused';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON audit_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION audit_auditentry_refuse_truncate();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_auditentry_refuse_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_fewer_indexes")]
    operations = [migrations.RunPython(forward, backward)]

"""TRUNCATE of the audit table is refused on PostgreSQL unless the session allows it, which only the test
suite's connections do (gradingsite/settings_test.py)."""
import pytest
from django.conf import settings
from django.db import connection

import gradingsite.settings as production
from audit.models import AuditEntry
from audit.services import record

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="SQLite has no TRUNCATE; the trigger is PostgreSQL's")

TABLE = AuditEntry._meta.db_table


def plain_connection():
    """A psycopg connection to the test database as the site would open it: without the test settings' option."""
    import psycopg

    db = connection.settings_dict
    params = {k: v for k, v in {"host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER"),
                                "password": db.get("PASSWORD")}.items() if v}
    conn = psycopg.connect(dbname=db["NAME"], **params)
    conn.execute("SET lock_timeout = '5s'")
    return conn


@pytest.fixture
def no_migrations_skip(request):
    if request.config.getoption("nomigrations"):
        pytest.skip("the triggers are installed by a migration; this run has migrations off")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_migrations_skip")
def test_a_connection_without_the_option_cannot_truncate_update_or_delete():
    import psycopg

    record(actor=None, action="测试", object_type="test", object_id="1")
    with plain_connection() as conn:
        assert conn.execute("SELECT current_setting('gradingsite.allow_truncate', true)").fetchone()[0] in (None, "")
        for statement in (f"TRUNCATE {TABLE}", f"TRUNCATE {TABLE} CASCADE", f"UPDATE {TABLE} SET action = 'x'",
                          f"DELETE FROM {TABLE}"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
            conn.rollback()
        assert conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_migrations_skip")
def test_the_session_setting_allows_truncate_and_nothing_else():
    import psycopg

    record(actor=None, action="测试", object_type="test", object_id="1")
    with plain_connection() as conn:
        conn.execute("SET gradingsite.allow_truncate = 'on'")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(f"DELETE FROM {TABLE}")
        conn.rollback()
        conn.execute("SET gradingsite.allow_truncate = 'on'")
        conn.execute(f"TRUNCATE {TABLE}")
        assert conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 0
        conn.rollback()  # the entry stays: TRUNCATE is transactional on PostgreSQL
    assert AuditEntry.objects.count() == 1


def test_only_the_test_settings_allow_truncate():
    assert "allow_truncate" in settings.DATABASES["default"]["OPTIONS"]["options"]
    assert "allow_truncate" not in str(production.DATABASES["default"].get("OPTIONS", {}))

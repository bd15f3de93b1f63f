"""The audit log is append-only: no code path of the app, the admin, or the database itself changes or deletes an
entry."""
import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEntry
from audit.services import record
from tests.conftest import login


@pytest.fixture
def entry(staff):
    return record(actor=staff, action="测试", object_type="test", object_id="1", object_repr="对象",
                  before={"a": 1}, after={"a": 2})


def test_record_keeps_who_what_before_after(entry, staff):
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor == staff and stored.actor_name == "组织部小王"
    assert stored.before == {"a": 1} and stored.after == {"a": 2}
    assert stored.at is not None


def test_model_refuses_update_and_delete(entry):
    entry.action = "改"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_queryset_refuses_update_and_delete(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="改")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "测试"


def _trigger_installed():
    return any("audit_auditentry_no_update" in name for name in _trigger_names())


def _trigger_names():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_database_refuses_raw_update_and_delete(request):
    if request.config.getoption("nomigrations"):
        pytest.skip("the triggers are installed by a migration; this run has migrations off")
    assert _trigger_installed()
    entry = record(actor=None, action="测试", object_type="test", object_id="1")
    table = AuditEntry._meta.db_table
    statements = [f"UPDATE {table} SET action = 'x' WHERE id = %s"]
    if connection.vendor == "postgresql":  # SQLite refuses DELETE in the model only (see the migration)
        statements.append(f"DELETE FROM {table} WHERE id = %s")
    for sql in statements:
        with pytest.raises(DatabaseError):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, action="测试").exists()


def test_admin_offers_no_change_or_delete(client, superuser, entry):
    login(client, superuser)
    changelist = client.get(reverse("admin:audit_auditentry_changelist"))
    assert changelist.status_code == 200
    assert "测试" in changelist.content.decode()
    # The change page is read-only, and the delete page and bulk delete action are refused.
    change = client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "改"})
    assert change.status_code == 403
    assert client.get(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    client.post(reverse("admin:audit_auditentry_changelist"),
                {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk, action="测试").exists()
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403

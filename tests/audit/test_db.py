"""audit/db.py: the bulk insert statement stores exactly the rows its ORM reference (bulk_create) stores, case by
case, on whichever database the tests run on (SQLite and PostgreSQL in CI)."""
import datetime

import pytest

from audit import db
from audit.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db

IMPLEMENTATIONS = [db.insert_entries, db.insert_entries_orm]
AT = datetime.datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=datetime.UTC)
COLUMNS = ("actor_id", "actor_name", "action", "object_type", "object_id", "object_repr", "campaign_id", "before",
           "after", "reason")


def shared(action, actor=None, **values):
    return {"at": AT, "actor_id": actor.pk if actor else None, "actor_name": actor.username if actor else "系统",
            "action": action, "object_type": "branches.org", "campaign_id": 7, "reason": "", **values}


CASES = {
    "none": [],
    "one": [("1", "一村党支部（v1）", {"计算等次": "未定级", "综合得分": None}, {"计算等次": "好", "综合得分": "91.5"})],
    "null before and after": [("2", "", None, None)],
    "nested, unicode, quotes": [("3", 'a "quoted" \\ name', {"list": [1, "二", None], "d": {"k": True}},
                                 {"text": "换行\n和制表\t", "n": 0})],
    # more rows than SQLite's 999 parameters and than one JSON text usually holds
    "many": [(str(i), f"第{i}党支部", {"i": i}, {"i": i + 1}) for i in range(1200)],
}


def stored(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id").values_list(*COLUMNS))


@pytest.mark.parametrize("case", CASES)
def test_fast_statement_stores_what_the_orm_stores(case, staff, django_assert_max_num_queries):
    rows = CASES[case]
    with django_assert_max_num_queries(1):
        assert db.insert_entries(rows, shared=shared("fast", staff)) == len(rows)
    assert db.insert_entries_orm(rows, shared=shared("orm", staff)) == len(rows)
    fast, orm = stored("fast"), stored("orm")
    assert [r[3:] for r in fast] == [r[3:] for r in orm]  # everything but the action that tells them apart
    assert [(r[0], r[1]) for r in fast] == [(staff.pk, staff.username)] * len(rows)


@pytest.mark.parametrize("insert", IMPLEMENTATIONS, ids=["fast", "orm"])
@pytest.mark.parametrize("case", CASES)
def test_each_implementation_stores_the_rows_given(insert, case, tree):
    rows = CASES[case]
    started = datetime.datetime.now(datetime.UTC)
    insert(rows, shared=shared("x", reason="理由"))
    assert stored("x") == [(None, "系统", "x", "branches.org", i, r, 7, b, a, "理由") for i, r, b, a in rows]
    times = set(AuditEntry.objects.filter(action="x").values_list("at", flat=True))
    if rows:
        # the fast statement stores the time it is given; the ORM's auto_now_add stores the time of the call
        assert times == ({AT} if insert is db.insert_entries else times) and all(t.tzinfo for t in times)
        if insert is db.insert_entries_orm:
            assert min(times) >= started


@pytest.mark.parametrize("insert", IMPLEMENTATIONS, ids=["fast", "orm"])
def test_entries_written_by_either_stay_append_only(insert, tree):
    insert(CASES["one"], shared=shared("x"))
    entry = AuditEntry.objects.get(action="x")
    entry.reason = "改"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()

"""audit.services.record_many: many entries appended with one query, each as record() would store it."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from audit.models import AuditEntry
from audit.services import Change, record, record_many

pytestmark = pytest.mark.django_db

FIELDS = ("actor", "actor_name", "object_type", "object_id", "object_repr", "campaign_id", "before", "after",
          "reason")  # all but the action, which tells the two kinds of entry apart


def read(action):
    return [tuple(getattr(e, name) for name in FIELDS) for e in AuditEntry.objects.filter(action=action).order_by("id")]


@pytest.mark.parametrize("who", ["staff", "nobody", "anonymous"])
def test_each_entry_reads_back_like_the_one_record_appends(who, staff, django_assert_num_queries):
    actor = {"staff": staff, "nobody": None, "anonymous": AnonymousUser()}[who]
    changes = [Change(17, "一村（v1）", {"分": Decimal("90.5")}, {"分": Decimal("91.0"), "列": [Decimal("1.0")]}),
               Change("18", "长" * 300), ("19", "三村", None, {"k": "v"})]
    with django_assert_num_queries(1):
        assert record_many(changes, actor=actor, action="many", object_type="branches.org", campaign_id=3,
                           reason="批量") == 3
    for object_id, object_repr, before, after in changes:
        record(actor=actor, action="one", object_type="branches.org", object_id=object_id, object_repr=object_repr,
               before=before, after=after, campaign_id=3, reason="批量")
    assert read("many") == read("one")
    first = AuditEntry.objects.filter(action="many").order_by("id").first()
    assert first.actor == (staff if who == "staff" else None)
    assert first.actor_name == ("组织部小王" if who == "staff" else "系统")
    assert first.object_id == "17" and first.before == {"分": "90.5"}
    assert first.after == {"分": "91.0", "列": ["1.0"]}
    assert len(AuditEntry.objects.get(action="many", object_id="18").object_repr) == 255


def test_one_time_for_all_entries_and_nothing_for_none(staff, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert record_many([], actor=staff, action="many", object_type="t") == 0
    record_many([Change(str(i)) for i in range(50)], actor=staff, action="many", object_type="t")
    assert AuditEntry.objects.filter(action="many").values("at").distinct().count() == 1


"""A full recompute at scale: a fixed, small number of queries including the first computation (every grade new,
every audit entry appended with one statement), and audit entries identical to those the ORM would write."""
import datetime

import pytest
from django.db.models import Count

from audit.models import AuditEntry
from branches.models import Org
from campaigns.models import Campaign
from scoring.models import Grade, ScoreSheet, SheetKind, SheetSource, SheetStatus
from scoring.services.grading import recompute_campaign
from surveys.models import Answer, SurveyResponse
from tests.scoring.grading_helpers import D, big_township

pytestmark = pytest.mark.django_db


def bulk_inputs(campaign, orgs):
    """Submitted self and review totals and five online responses per org — the campaign's default minimum of
    respondents (no criterion scores: grading reads the totals)."""
    sheets, responses = [], []
    day = datetime.date(2026, 4, 1)
    for i, org in enumerate(orgs):
        for kind, total in ((SheetKind.SELF, D(70 + i % 30)), (SheetKind.REVIEW, D(60 + i % 40))):
            sheets.append(ScoreSheet(campaign=campaign, org=org, kind=kind, status=SheetStatus.SUBMITTED,
                                     source=SheetSource.ONLINE, total=total))
        for answer in (Answer.SATISFIED, Answer.SATISFIED, Answer.SATISFIED, Answer.SATISFIED,
                       Answer.BASIC if i % 2 else Answer.UNSATISFIED):
            responses.append(SurveyResponse(campaign=campaign, org=org, day=day, overall=answer))
    ScoreSheet.objects.bulk_create(sheets)
    SurveyResponse.objects.bulk_create(responses)


@pytest.mark.parametrize("n", [60, 600])  # 600: more than the 500 below which votes are read per org id
def test_first_and_second_recompute_take_at_most_ten_queries(campaign, tree, staff, n,
                                                             django_assert_max_num_queries):
    town = big_township(tree, n)
    bulk_inputs(campaign, list(Org.objects.filter(path__startswith=town.path, depth=town.depth + 1)))
    fresh = Campaign.objects.get(pk=campaign.pk)  # nothing cached: the root org is read within the bound too
    with django_assert_max_num_queries(10):
        first = recompute_campaign(campaign=fresh, actor=staff)
    assert sum(first.values()) >= n and first["未定级"] < sum(first.values())
    grades = Grade.objects.filter(campaign=campaign).exclude(computed_label="")
    entries = AuditEntry.objects.filter(campaign_id=campaign.pk, action="grade.computed")
    assert grades.count() >= n and entries.count() == grades.count()
    with django_assert_max_num_queries(10):
        second = recompute_campaign(campaign=Campaign.objects.get(pk=campaign.pk), actor=staff)
    assert second == first
    assert entries.count() == grades.count()  # nothing changed: nothing appended


def test_bulk_audit_entries_read_back_like_orm_entries(campaign, tree, staff):
    town = big_township(tree, 120)
    orgs = list(Org.objects.filter(path__startswith=town.path, depth=town.depth + 1).order_by("path"))
    bulk_inputs(campaign, orgs)
    before = datetime.datetime.now(datetime.UTC)
    recompute_campaign(campaign=campaign, actor=staff)
    entries = list(AuditEntry.objects.filter(campaign_id=campaign.pk, action="grade.computed").order_by("id"))
    assert len(entries) == 120
    assert not AuditEntry.objects.filter(campaign_id=campaign.pk).values("object_id").annotate(
        n=Count("id")).filter(n__gt=1).exists()  # one entry per org
    grade = Grade.objects.get(campaign=campaign, org=orgs[0])
    entry = next(e for e in entries if e.object_id == str(orgs[0].pk))
    assert entry.actor == staff and entry.actor_name == (staff.get_full_name() or staff.get_username())
    assert entry.object_type == "branches.org" and entry.object_repr == f"{orgs[0].name}（{orgs[0].code}）"
    assert entry.before == {"计算等次": "未定级", "综合得分": None}
    assert entry.after == {"计算等次": grade.computed_label, "综合得分": str(grade.total)}
    assert entry.at >= before and entry.at.tzinfo is not None and entry.reason == ""
    # the same data written through the ORM reads back identically
    orm = AuditEntry.objects.create(actor=staff, actor_name=entry.actor_name, action="test.orm",
                                    object_type=entry.object_type, object_id=entry.object_id,
                                    object_repr=entry.object_repr, campaign_id=entry.campaign_id,
                                    before=entry.before, after=entry.after)
    orm.refresh_from_db()
    assert (orm.before, orm.after, type(orm.at)) == (entry.before, entry.after, type(entry.at))

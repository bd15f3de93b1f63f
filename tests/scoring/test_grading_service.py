"""recompute_org / recompute_campaign and the grade command: stored grades, explanation, audit of changes."""
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from scoring.models import Grade
from scoring.services.grading import recompute_campaign, recompute_org
from tests.scoring.grading_helpers import (
    D,
    SheetKind,
    SheetStatus,
    submitted_sheet,
    votes,
)


def full_inputs(campaign, org, s, v, r):
    submitted_sheet(campaign, org, SheetKind.SELF, s)
    votes(campaign, org, *v)
    submitted_sheet(campaign, org, SheetKind.REVIEW, r)


def test_recompute_org_stores_grade_and_explanation(campaign, tree, staff):
    full_inputs(campaign, tree["com-1"], "74", (9, 0, 1), "96.3")
    grade = recompute_org(campaign=campaign, org=tree["com-1"], actor=staff)
    assert grade.total == D("90.0") and grade.computed_label == "好" and grade.final_label == "好"
    assert grade.self_score == D("74.0") and grade.review_score == D("96.3")
    assert (grade.votes_satisfied, grade.votes_basic, grade.votes_unsatisfied) == (9, 0, 1)
    assert "0.2×74.0 + 0.3×90.0 + 0.5×96.3 = 89.95 → 90.0" in grade.explanation
    entry = AuditEntry.objects.get(action="grade.computed")
    assert entry.before["计算等次"] == "未定级" and entry.after["计算等次"] == "好" and entry.actor == staff


def test_recompute_audits_only_changes(campaign, tree, staff):
    full_inputs(campaign, tree["com-1"], "74", (9, 0, 1), "96.3")
    recompute_org(campaign=campaign, org=tree["com-1"], actor=staff)
    recompute_org(campaign=campaign, org=tree["com-1"], actor=staff)
    assert AuditEntry.objects.filter(action="grade.computed").count() == 1
    votes(campaign, tree["com-1"], 8, 0, 2)  # p = 0.8 < 0.9 → 较好
    grade = recompute_org(campaign=campaign, org=tree["com-1"], actor=staff)
    assert grade.computed_label == "较好"
    last = AuditEntry.objects.filter(action="grade.computed").order_by("-id").first()
    assert last.before["计算等次"] == "好" and last.after["计算等次"] == "较好"


def test_recompute_keeps_override_and_reopened(campaign, tree, staff):
    full_inputs(campaign, tree["com-1"], "74", (9, 0, 1), "96.3")
    grade = recompute_org(campaign=campaign, org=tree["com-1"])
    Grade.objects.filter(pk=grade.pk).update(override_label="较好", override_reason="材料不全", reopened=True)
    grade = recompute_org(campaign=campaign, org=tree["com-1"])
    assert grade.override_label == "较好" and grade.reopened and grade.computed_label == "好"


def test_agency_sector_floor_is_0_60(campaign, tree):
    # p = 0.55: passes 0.50 (社区) but not 0.60 (机关事业单位)
    for code in ("com-1", "ag-1"):
        full_inputs(campaign, tree[code], "85", (11, 0, 9), "85")
    assert recompute_org(campaign=campaign, org=tree["com-1"]).computed_label == "一般"
    agency = recompute_org(campaign=campaign, org=tree["ag-1"])
    assert agency.computed_label == "较差" and "满意率 55% < 60%" in agency.explanation


def test_draft_or_returned_self_does_not_count(campaign, tree):
    org = tree["vil-2"]
    submitted_sheet(campaign, org, SheetKind.SELF, "80", status=SheetStatus.DRAFT)
    votes(campaign, org, 10, 0, 0)
    submitted_sheet(campaign, org, SheetKind.REVIEW, "80")
    grade = recompute_org(campaign=campaign, org=org)
    assert grade.computed_label == "" and grade.explanation.startswith("未定级：缺少自评得分")


def test_online_and_offline_votes_add_up(campaign, tree):
    org = tree["vil-2"]
    submitted_sheet(campaign, org, SheetKind.SELF, "80")
    submitted_sheet(campaign, org, SheetKind.REVIEW, "80")
    votes(campaign, org, 3, 1, 0, online=True)
    votes(campaign, org, 5, 0, 1)
    grade = recompute_org(campaign=campaign, org=org)
    assert (grade.votes_satisfied, grade.votes_basic, grade.votes_unsatisfied) == (8, 1, 1)


def test_recompute_org_refuses_non_target(campaign, tree):
    with pytest.raises(ValidationError):
        recompute_org(campaign=campaign, org=tree["vil-1-b1"])


def test_recompute_campaign_counts(campaign, tree, staff):
    full_inputs(campaign, tree["com-1"], "95", (10, 0, 0), "95")  # 好
    full_inputs(campaign, tree["ag-1"], "85", (10, 0, 0), "85")   # 较好
    full_inputs(campaign, tree["vil-2"], "85", (10, 0, 0), "85")  # 先进 (three-tier)
    counts = recompute_campaign(campaign=campaign, actor=staff)
    assert counts == {"好": 1, "较好": 1, "一般": 0, "较差": 0, "先进": 1, "后进": 0, "未定级": 4}
    assert Grade.objects.filter(campaign=campaign).count() == 7
    assert Grade.objects.get(campaign=campaign, org=tree["vil-3"]).explanation.startswith("未定级：缺少自评得分")


def test_grade_command_prints_counts(campaign, tree):
    full_inputs(campaign, tree["com-1"], "95", (10, 0, 0), "95")
    out = StringIO()
    call_command("grade", "--campaign", campaign.slug, stdout=out)
    assert "好 1，较好 0，一般 0，较差 0，先进 0，后进 0，未定级 6" in out.getvalue()


def test_grade_command_unknown_campaign(db):
    with pytest.raises(CommandError, match="没有代码为"):
        call_command("grade", "--campaign", "nope")


def test_recompute_campaign_query_count_is_constant(campaign, tree, django_assert_max_num_queries):
    from tests.scoring.grading_helpers import big_township
    town = big_township(tree, 30)
    orgs = list(town.subtree(include_self=False))
    for i, org in enumerate(orgs):
        full_inputs(campaign, org, "80", (9, 1, i % 3), "85")
    with django_assert_max_num_queries(14):
        recompute_campaign(campaign=campaign)
    with django_assert_max_num_queries(14):
        recompute_campaign(campaign=campaign)


def paper(campaign, org, overall, users):
    """A confirmed paper tally: the same numbers entered by two staff members."""
    from surveys.models import PaperEntry

    for user in users:
        PaperEntry.objects.create(campaign=campaign, org=org, entered_by=user, counts={"overall": list(overall)})


def test_grade_inputs_counts_every_channel_and_only_sheets_that_count(campaign, tree, staff):
    from scoring.engine import MISSING_SELF
    from scoring.selectors import grade_inputs
    from surveys.selectors import VoteCount
    from tests import factories as f

    org = tree["vil-2"]
    submitted_sheet(campaign, org, SheetKind.SELF, "80", status=SheetStatus.DRAFT)  # a draft does not count
    submitted_sheet(campaign, org, SheetKind.REVIEW, "82")
    votes(campaign, org, 3, 1, 0, online=True)
    paper(campaign, org, (2, 1, 1), [staff, f.user("staff2", f.STAFF)])
    votes(campaign, org, 5, 0, 1)  # offline import
    inputs = grade_inputs(campaign)[org.pk]
    assert (inputs.self_score, inputs.review_score) == (None, D("82.0"))
    assert inputs.votes == VoteCount(10, 2, 2)
    assert inputs.missing == (MISSING_SELF,)
    grade = recompute_org(campaign=campaign, org=org)
    assert grade.explanation == inputs.missing_explanation  # the engine's explanation, one text
    assert (grade.votes_satisfied, grade.votes_basic, grade.votes_unsatisfied) == (10, 2, 2)
    empty = grade_inputs(campaign)[tree["vil-3"].pk]  # no input at all: every weighted input missing
    assert tree["vil-3"].pk not in grade_inputs(campaign) and len(empty.missing) == 3


def test_sector_floor_gate_precedence_is_the_engine_s(campaign, tree):
    """The campaign sector's own floor gate beats the sector's default (机关事业单位 0.60), which beats the
    campaign's (0.50) — the engine's effective_floor_gate, whatever reads the configuration."""
    from campaigns.models import CampaignSector

    for code in ("ag-1", "com-1"):
        full_inputs(campaign, tree[code], "85", (11, 0, 9), "85")  # p = 0.55
    agency = CampaignSector.objects.get(campaign=campaign, sector=tree["ag-1"].sector)
    assert agency.floor_gate is None  # not set for this campaign: the sector's default applies
    assert recompute_org(campaign=campaign, org=tree["ag-1"]).computed_label == "较差"
    agency.floor_gate = D("0.50")
    agency.save()
    graded = recompute_org(campaign=campaign, org=tree["ag-1"])
    assert graded.computed_label == "一般" and "满意率 55% ≥ 50%" in graded.explanation
    community = CampaignSector.objects.get(campaign=campaign, sector=tree["com-1"].sector)
    community.floor_gate = D("0.56")
    community.save()
    assert "满意率 55% < 56%" in recompute_org(campaign=campaign, org=tree["com-1"]).explanation


@pytest.mark.parametrize("n", [5, 60])
def test_grade_inputs_query_count_is_constant(campaign, tree, n, django_assert_max_num_queries, monkeypatch):
    from scoring import selectors
    from tests.scoring.grading_helpers import big_township

    town = big_township(tree, n)
    orgs = list(town.subtree(include_self=False))
    for i, org in enumerate(orgs):
        submitted_sheet(campaign, org, SheetKind.SELF, "80", with_scores=False)
        votes(campaign, org, 9, 1, i % 3)
        votes(campaign, org, 1, 0, 0, online=True)
    ids = [o.pk for o in orgs]
    monkeypatch.setattr(selectors, "IN_LIST_LIMIT", 20)  # 60 ids: the whole campaign is read and filtered
    with django_assert_max_num_queries(4):
        whole = selectors.grade_inputs(campaign)
    with django_assert_max_num_queries(4):
        some = selectors.grade_inputs(campaign, ids[1:])
    assert len(whole) == n and len(some) == n - 1 and ids[0] not in some
    assert some[ids[1]].votes.total == 11 + 1 and some[ids[1]].self_score == D("80.0")

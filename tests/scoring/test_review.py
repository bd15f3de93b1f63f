"""上级评定: list and org page, criterion/indicator level, freezing, reopening, overrides; roles."""
import pytest
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Indicator
from scoring.models import Grade, ScoreSheet, SheetKind, SheetLevel
from scoring.services.sheets import campaign_sector_for, review_editable
from tests.conftest import login
from tests.scoring.grading_helpers import (
    D,
    Phase,
    big_township,
    set_phase,
    submitted_sheet,
    votes,
)


def list_url(campaign):
    return reverse("review_list", args=[campaign.slug])


def org_url(campaign, code="vil-2", action=""):
    """The review page, or with `action` ("save", "override", "clear_override") the URL its form posts to."""
    return reverse(f"review_{action}" if action else "review_org", args=[campaign.slug, code])


@pytest.fixture
def review_campaign(campaign):
    return set_phase(campaign, Phase.REVIEW)


def rubric_of(campaign, org):
    return campaign_sector_for(campaign, org).rubric


def criterion_post(campaign, org, value=None, opinion="材料齐全"):
    data = {"level": "criterion", "opinion": opinion}
    for ind in Indicator.objects.filter(rubric=rubric_of(campaign, org)):
        for c in ind.criteria.all():
            data[f"c{c.pk}"] = str(value if value is not None else c.max_score)
    return data


# ------------------------------------------------------------------ list

def test_list_for_reviewer_shows_own_subtree_with_status(client, review_campaign, tree, reviewer_of_township):
    submitted_sheet(review_campaign, tree["vil-2"], SheetKind.SELF, "80")
    votes(review_campaign, tree["vil-2"], 7, 2, 1)
    body = login(client, reviewer_of_township).get(list_url(review_campaign)).content.decode()
    assert "二村党支部" in body and "一村党总支" in body and "甲镇社区党支部" in body
    assert "三村党支部" not in body and "财政局党支部" not in body   # other township, agency
    assert "一村第一党支部" not in body                               # not a 定级对象
    assert "已提交 80.0" in body and ">10<" in body


def test_list_for_staff_shows_all(client, review_campaign, staff):
    body = login(client, staff).get(list_url(review_campaign)).content.decode()
    for name in ("二村党支部", "三村党支部", "财政局党支部", "县直机关工委"):
        assert name in body


def test_list_secretary_403(client, review_campaign, secretary_of_branch):
    assert login(client, secretary_of_branch).get(list_url(review_campaign)).status_code == 403


def test_list_anonymous_login(client, review_campaign):
    response = client.get(list_url(review_campaign))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_reviewer_outside_campaign_scope_404(client, tree, other_reviewer):
    from tests import factories as f
    other = f.campaign(tree["town-a"], slug="town-a-only")
    assert login(client, other_reviewer).get(list_url(other)).status_code == 404


@pytest.mark.parametrize("n", [20, 200])
def test_list_query_count_constant(client, review_campaign, tree, staff, django_assert_max_num_queries, n):
    town = big_township(tree, n)
    for i, org in enumerate(town.subtree(include_self=False)):
        submitted_sheet(review_campaign, org, SheetKind.SELF, "80", with_scores=False)
        votes(review_campaign, org, 5, i % 3, 1)
        if i % 2:
            submitted_sheet(review_campaign, org, SheetKind.REVIEW, "85", with_scores=False)
    from scoring.services.grading import recompute_campaign
    recompute_campaign(campaign=review_campaign)
    login(client, staff)
    with django_assert_max_num_queries(14):
        response = client.get(list_url(review_campaign))
    assert response.status_code == 200
    assert response.content.decode().count('class="button"') >= n


# ------------------------------------------------------------------ org page

def test_review_criterion_level_saves_and_grades(client, review_campaign, tree, reviewer_of_township):
    org = tree["vil-2"]
    submitted_sheet(review_campaign, org, SheetKind.SELF, "90")
    votes(review_campaign, org, 9, 1, 0)
    login(client, reviewer_of_township)
    body = client.get(org_url(review_campaign)).content.decode()
    assert "满意 9，基本满意 1，不满意 0" in body and "满意率 <strong>100%" in body and "保存评定" in body
    response = client.post(org_url(review_campaign, action="save"), criterion_post(review_campaign, org), follow=True)
    body = response.content.decode()
    assert "评定得分已保存" in body
    sheet = ScoreSheet.objects.get(org=org, kind=SheetKind.REVIEW)
    assert sheet.total == D("100.0") and sheet.opinion == "材料齐全" and sheet.level == SheetLevel.CRITERION
    grade = Grade.objects.get(org=org)
    assert grade.computed_label == "先进" and grade.total == D("98.0")
    assert "综合得分 = 0.2×90.0 + 0.3×100.0 + 0.5×100.0 = 98.0" in body  # explanation shown
    assert AuditEntry.objects.get(action="review.save").after["总分"] == "100.0"


def test_review_indicator_level(client, review_campaign, tree, reviewer_of_township):
    org = tree["vil-2"]
    login(client, reviewer_of_township)
    body = client.get(org_url(review_campaign) + "?level=indicator").content.decode()
    assert "按指标" in body
    data = {"level": "indicator", "opinion": ""}
    for ind in Indicator.objects.filter(rubric=rubric_of(review_campaign, org)):
        data[f"i{ind.pk}"] = str(ind.max_score - 1)
    client.post(org_url(review_campaign, action="save"), data)
    sheet = ScoreSheet.objects.get(org=org, kind=SheetKind.REVIEW)
    assert sheet.level == SheetLevel.INDICATOR and sheet.total == D("93.0")
    assert sheet.scores.filter(criterion__isnull=True).count() == 7


def test_review_errors_named(client, review_campaign, tree, reviewer_of_township):
    data = criterion_post(review_campaign, tree["vil-2"])
    first = next(k for k in data if k.startswith("c"))
    data[first] = "99"
    body = login(client, reviewer_of_township).post(org_url(review_campaign, action="save"), data).content.decode()
    assert "1.1 党组织带头人细则1" in body and "必须在 0 到 7.5 之间" in body
    assert not ScoreSheet.objects.filter(kind=SheetKind.REVIEW).exists()


def test_review_frozen_in_publicity(client, campaign, tree, reviewer_of_township):
    set_phase(campaign, Phase.PUBLICITY)
    login(client, reviewer_of_township)
    body = client.get(org_url(campaign)).content.decode()
    assert "评定结果已冻结" in body and "保存评定" not in body
    response = client.post(org_url(campaign, action="save"), criterion_post(campaign, tree["vil-2"]), follow=True)
    assert "评定结果已冻结" in response.content.decode()
    assert not ScoreSheet.objects.filter(kind=SheetKind.REVIEW).exists()


def test_review_not_open_before_review_phase(client, campaign, tree, reviewer_of_township):
    set_phase(campaign, Phase.SURVEY)
    body = login(client, reviewer_of_township).get(org_url(campaign)).content.decode()
    assert "上级评定尚未开始" in body and "保存评定" not in body


def test_reopened_org_editable_in_publicity(client, campaign, tree, reviewer_of_township):
    org = tree["vil-2"]
    set_phase(campaign, Phase.PUBLICITY)
    assert not review_editable(campaign, org)
    Grade.objects.create(campaign=campaign, org=org, reopened=True)
    assert review_editable(campaign, org)
    assert not review_editable(campaign, tree["com-1"])
    login(client, reviewer_of_township).post(org_url(campaign, action="save"), criterion_post(campaign, org))
    assert ScoreSheet.objects.get(org=org, kind=SheetKind.REVIEW).total == D("100.0")
    assert Grade.objects.get(org=org).reopened  # G clears the flag, not grading


def test_override_needs_reason_and_is_kept(client, review_campaign, tree, reviewer_of_township):
    org = tree["vil-2"]
    submitted_sheet(review_campaign, org, SheetKind.SELF, "90")
    votes(review_campaign, org, 10, 0, 0)
    login(client, reviewer_of_township).post(org_url(review_campaign, action="save"), criterion_post(review_campaign, org))
    assert Grade.objects.get(org=org).computed_label == "先进"
    body = client.post(org_url(review_campaign, action="override"), {"label": "一般", "reason": ""}).content.decode()
    assert "调整等次必须填写理由" in body
    assert Grade.objects.get(org=org).override_label == ""
    body = client.post(org_url(review_campaign, action="override"), {"label": "较好", "reason": "x"}).content.decode()
    assert "请选择本领域等次标准中的一个等次" in body  # 较好 is not on the three-tier scale
    body = client.get(org_url(review_campaign)).content.decode()
    assert '<option value="" selected>请选择最终等次</option>' in body  # nothing preselected
    body = client.post(org_url(review_campaign, action="override"), {"label": "", "reason": "x"}).content.decode()
    assert "请选择最终等次。" in body and Grade.objects.get(org=org).override_label == ""
    client.post(org_url(review_campaign, action="override"), {"label": "一般", "reason": "发生安全事故"})
    grade = Grade.objects.get(org=org)
    assert (grade.computed_label, grade.override_label, grade.final_label) == ("先进", "一般", "一般")
    assert grade.override_reason == "发生安全事故" and grade.overridden_by == reviewer_of_township
    body = client.get(org_url(review_campaign)).content.decode()
    assert "发生安全事故" in body and "已调整（计算等次：先进）" in body
    entry = AuditEntry.objects.get(action="grade.override")
    assert entry.after["最终等次"] == "一般" and entry.reason == "发生安全事故"
    # a later recompute keeps the override
    client.post(org_url(review_campaign, action="save"), criterion_post(review_campaign, org, opinion="复核"))
    assert Grade.objects.get(org=org).override_label == "一般"
    client.post(org_url(review_campaign, action="clear_override"), {"reason": "复核后撤销"})
    grade = Grade.objects.get(org=org)
    assert grade.override_label == "" and grade.final_label == "先进"
    assert AuditEntry.objects.filter(action="grade.override_cleared").exists()


def test_override_refused_without_computed_grade(client, review_campaign, tree, staff):
    body = login(client, staff).post(org_url(review_campaign, action="override"), {"label": "一般",
                                                                "reason": "x"}).content.decode()
    assert Grade.objects.filter(org=tree["vil-2"]).exclude(override_label="").count() == 0
    assert "尚未计算出等次" in body and "不能调整" in body


def test_org_page_secretary_403(client, review_campaign, secretary_of_branch):
    assert login(client, secretary_of_branch).get(org_url(review_campaign)).status_code == 403


def test_org_page_reviewer_outside_subtree_404(client, review_campaign, other_reviewer):
    assert login(client, other_reviewer).get(org_url(review_campaign)).status_code == 404
    for action in ("save", "override", "clear_override"):
        assert client.post(org_url(review_campaign, action=action), {"reason": "x"}).status_code == 404


def test_org_page_reviewer_cannot_review_own_org(client, review_campaign, tree, reviewer_of_township):
    # town-a is the reviewer's own org (and not a 定级对象 anyway): never reviewable by them
    assert login(client, reviewer_of_township).get(org_url(review_campaign, "town-a")).status_code == 404


def test_org_page_anonymous_login(client, review_campaign):
    response = client.get(org_url(review_campaign))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_org_page_not_a_target_404(client, review_campaign, staff):
    assert login(client, staff).get(org_url(review_campaign, "vil-1-b1")).status_code == 404


def test_org_page_panel_shows_grade_and_explanation(client, review_campaign, tree, staff, secretary_of_branch,
                                                    reviewer_of_township):
    org = tree["vil-2"]
    submitted_sheet(review_campaign, org, SheetKind.SELF, "90")
    votes(review_campaign, org, 9, 1, 0)
    login(client, reviewer_of_township).post(org_url(review_campaign, action="save"), criterion_post(review_campaign, org))
    body = client.get(reverse("org_detail", args=["vil-2"])).content.decode()
    assert "分类定级结果" in body and "先进" in body and "综合得分 = 0.2×90.0" in body
    client.logout()
    response = login(client, secretary_of_branch).get(reverse("org_detail", args=["vil-2"]))
    assert response.status_code == 200 and "分类定级结果" not in response.content.decode()


def test_org_page_with_offline_review_renders(client, review_campaign, tree, staff):
    # sheets imported from paper have no submitting user
    submitted_sheet(review_campaign, tree["vil-2"], SheetKind.REVIEW, "88")
    votes(review_campaign, tree["vil-2"], 9, 1, 0)
    submitted_sheet(review_campaign, tree["vil-2"], SheetKind.SELF, "90")
    from scoring.services.grading import recompute_campaign
    recompute_campaign(campaign=review_campaign)
    Grade.objects.filter(org=tree["vil-2"]).update(override_label="一般", override_reason="复核")  # no overridden_by
    response = login(client, staff).get(org_url(review_campaign))
    assert response.status_code == 200 and "88.0 分" in response.content.decode()


# ------------------------------------------------------------------ one URL per action: who may post, GET refused

@pytest.mark.parametrize("action", ["save", "override", "clear_override"])
def test_action_urls_take_post_only(client, review_campaign, reviewer_of_township, action):
    assert login(client, reviewer_of_township).get(org_url(review_campaign, action=action)).status_code == 405


def test_page_takes_no_post(client, review_campaign, tree, reviewer_of_township):
    # the page's forms post to their own URLs; a POST to the page itself saves nothing
    response = login(client, reviewer_of_township).post(org_url(review_campaign),
                                                        criterion_post(review_campaign, tree["vil-2"]))
    assert response.status_code == 405 and not ScoreSheet.objects.filter(kind=SheetKind.REVIEW).exists()


@pytest.mark.parametrize("action", ["save", "override", "clear_override"])
def test_action_urls_refuse_anonymous_and_secretary(client, review_campaign, tree, secretary_of_branch, action):
    data = {**criterion_post(review_campaign, tree["vil-2"]), "label": "一般", "reason": "x"}
    response = client.post(org_url(review_campaign, action=action), data)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert login(client, secretary_of_branch).post(org_url(review_campaign, action=action), data).status_code == 403
    assert not ScoreSheet.objects.filter(kind=SheetKind.REVIEW).exists()


def test_action_urls_refuse_the_reviewers_own_org_and_non_targets(client, review_campaign, reviewer_of_township,
                                                                   staff):
    for action in ("save", "override", "clear_override"):
        assert login(client, reviewer_of_township).post(org_url(review_campaign, "town-a", action),
                                                        {"reason": "x"}).status_code == 404
        assert login(client, staff).post(org_url(review_campaign, "vil-1-b1", action),
                                         {"reason": "x"}).status_code == 404


def test_override_and_clear_refused_while_frozen(client, campaign, tree, reviewer_of_township):
    org = tree["vil-2"]
    set_phase(campaign, Phase.PUBLICITY)
    Grade.objects.create(campaign=campaign, org=org, computed_label="先进")
    login(client, reviewer_of_township)
    response = client.post(org_url(campaign, action="override"), {"label": "一般", "reason": "x"}, follow=True)
    assert "评定结果已冻结" in response.content.decode()
    assert Grade.objects.get(org=org).override_label == ""
    Grade.objects.filter(org=org).update(override_label="一般", override_reason="复核")
    response = client.post(org_url(campaign, action="clear_override"), {"reason": "x"}, follow=True)
    assert "评定结果已冻结" in response.content.decode()
    assert Grade.objects.get(org=org).override_label == "一般"
    assert not AuditEntry.objects.filter(action__startswith="grade.override").exists()

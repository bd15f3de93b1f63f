"""Navigation: the campaign page reaches every feature by clicking, grouped by phase and limited to
what the viewer's role may open; the home page shows each role what awaits it (a secretary's tasks with the
action the phase allows; a reviewer's or staff member's pending work)."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.access import viewer_for
from campaigns.models import Campaign, CampaignSector, Phase
from campaigns.views import CampaignLink, link_groups
from portal.selectors import reviewer_tasks, secretary_tasks
from publicity import services as publicity
from publicity.models import Objection
from rectification.models import ItemStatus, RectificationItem, RectificationPlan
from scoring.models import ScoreSheet, SheetKind, SheetSource, SheetStatus
from tests import factories as f
from tests.conftest import login
from tests.scoring.after_helpers import LABELS, TODAY, fix_today, publish
from tests.scoring.grading_helpers import big_township, set_phase, submitted_sheet


def hrefs(html: str, section: str) -> list[str]:
    """The hrefs inside the campaign page section with id `section`."""
    match = re.search(rf'<section[^>]*id="{section}".*?</section>', html, re.S)
    return re.findall(r'href="([^"]+)"', match.group(0)) if match else []


def page(client, user, campaign):
    response = login(client, user).get(reverse("campaign_detail", args=[campaign.slug]))
    assert response.status_code == 200
    return response.content.decode()


# ------------------------------------------------------------------------------------ campaign page: links


def test_staff_reaches_every_feature_from_the_campaign_page(client, staff, campaign):
    set_phase(campaign, Phase.SELF)
    html = page(client, staff, campaign)
    links = hrefs(html, "extra-sections")
    slug = campaign.slug
    for name in ("investigation_list", "review_list", "campaign_dashboard", "import_scores", "survey_overview",
                 "exports", "publicity_manage", "objection_list", "rectification_overview", "campaign_dates"):
        assert reverse(name, args=[slug]) in links, name
    assert reverse("survey_overview", args=[slug]) + "#paper" in links
    assert reverse("people") in links and reverse("org_tree") in links
    # no second round, no star scale, nothing published: those links are left out
    assert reverse("campaign_transitions", args=[slug]) not in links
    assert reverse("star_list") not in links
    assert reverse("public_results", args=[slug]) not in links
    # "what to do now": the 自评 work and the dashboard, under the phase's hint
    now = hrefs(html, "now")
    assert now == [reverse("review_list", args=[slug]), reverse("campaign_dashboard", args=[slug])]
    assert "当前阶段：自评" in html and "各党组织书记登录后逐项填写并提交自评" in html
    # every link opens for staff
    for url in set(links) | set(now):
        assert client.get(url).status_code == 200, url


def test_reviewer_sees_only_links_a_reviewer_may_open(client, reviewer_of_township, campaign):
    set_phase(campaign, Phase.SURVEY)
    html = page(client, reviewer_of_township, campaign)
    links = hrefs(html, "extra-sections")
    slug = campaign.slug
    for name in ("investigation_list", "review_list", "campaign_dashboard", "survey_overview", "exports",
                 "objection_list", "rectification_overview"):
        assert reverse(name, args=[slug]) in links, name
    for name in ("import_scores", "publicity_manage", "campaign_dates"):
        assert reverse(name, args=[slug]) not in links, name
    assert reverse("survey_overview", args=[slug]) + "#paper" not in links
    assert reverse("people") not in links and reverse("org_tree") not in links
    assert reverse("survey_overview", args=[slug]) in hrefs(html, "now")
    for url in set(links):
        assert client.get(url).status_code == 200, url


def test_campaign_page_refuses_secretary_and_anonymous(client, campaign, secretary_of_branch):
    url = reverse("campaign_detail", args=[campaign.slug])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert login(client, secretary_of_branch).get(url).status_code == 403


def test_second_round_publicity_and_star_links(client, staff, reviewer_of_township, tree, campaign, monkeypatch):
    fix_today(monkeypatch, TODAY)
    first = f.campaign(tree["county"], slug="c2025", year=2025, sectors=("村", "社区", "机关事业单位"))
    Campaign.objects.filter(pk=campaign.pk).update(previous=first)
    campaign.refresh_from_db()
    CampaignSector.objects.filter(campaign=campaign, sector__name="社区").update(scale=f.scale("stars"))
    publish(campaign, staff, labels={"vil-1": "先进", "vil-2": "一般", "com-1": "三星", "vil-3": "后进",
                                     "agency": "好", "ag-1": "一般", "ag-2": "较差"})
    Objection.objects.create(campaign=campaign, org=tree["vil-2"], text="请复核")
    html = page(client, staff, campaign)
    slug = campaign.slug
    links = hrefs(html, "extra-sections")
    assert reverse("campaign_transitions", args=[slug]) in links
    assert reverse("star_list") in links
    assert reverse("public_results", args=[slug]) in hrefs(html, "now")
    assert "有 1 条异议待处理" in html
    html = page(client, reviewer_of_township, campaign)
    assert reverse("publicity_manage", args=[slug]) not in hrefs(html, "extra-sections")
    assert reverse("public_results", args=[slug]) in hrefs(html, "now")
    # the first round has no previous round: no transitions link there
    assert reverse("campaign_transitions", args=[first.slug]) not in hrefs(page(client, staff, first),
                                                                           "extra-sections")


def test_link_groups_put_current_phase_first_and_pinned_after():
    campaign = Campaign(phase=Phase.REVIEW)
    links = [CampaignLink("看板", "/d/", pinned=True), CampaignLink("导入", "/i/"),
             CampaignLink("评定", "/r/", (Phase.REVIEW, Phase.PUBLICITY)), CampaignLink("测评", "/s/", (Phase.SURVEY,))]
    groups = link_groups(campaign, links)
    assert [lk.label for lk in groups["now"]] == ["评定", "看板"]
    assert [(g["phase"], [lk.label for lk in g["links"]], g["current"]) for g in groups["phases"]] == [
        (Phase.SURVEY, ["测评"], False), (Phase.REVIEW, ["评定"], True)]
    assert [lk.label for lk in groups["other"]] == ["看板", "导入"]
    assert "上级党组织逐个评定打分" in groups["hint"]


@pytest.mark.parametrize("size", [20, 200])
def test_campaign_page_query_count_late_phase(client, staff, reviewer_of_township, tree, campaign, size,
                                              django_assert_max_num_queries, monkeypatch):
    fix_today(monkeypatch, TODAY)
    big_township(tree, size)
    CampaignSector.objects.filter(campaign=campaign, sector__name="社区").update(scale=f.scale("stars"))
    publish(campaign, staff, labels={**LABELS, "com-1": "三星", **{f"town-big-v{i}": "一般" for i in range(size)}})
    url = reverse("campaign_detail", args=[campaign.slug])
    for user in (staff, reviewer_of_township):
        login(client, user)
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


# ------------------------------------------------------------------------------------ secretary tasks


def only_task(user, campaign):
    tasks = [t for t in secretary_tasks(viewer_for(user)) if t["campaign"].pk == campaign.pk]
    assert len(tasks) == 1
    return tasks[0]


def labels(task):
    return [a[0] for a in task["actions"]]


def test_secretary_task_self_phase_not_started(secretary_of_branch, campaign):
    set_phase(campaign, Phase.SELF)
    t = only_task(secretary_of_branch, campaign)
    assert t["editable"] and t["status_label"] == "未开始"
    assert t["actions"][0] == ("填写自评", reverse("self_eval", args=[campaign.slug, "vil-2"]), True)
    assert "测评结果" not in labels(t)


def test_secretary_task_submitted_is_read_only(secretary_of_branch, tree, campaign):
    set_phase(campaign, Phase.SELF)
    submitted_sheet(campaign, tree["vil-2"], SheetKind.SELF, 80)
    t = only_task(secretary_of_branch, campaign)
    assert not t["editable"] and labels(t) == ["查看自评"] and "80" in t["note"]


@pytest.mark.parametrize("phase, editable", [(Phase.SELF, True), (Phase.SURVEY, True), (Phase.REVIEW, True),
                                             (Phase.PUBLICITY, False)])
def test_secretary_task_returned_sheet(secretary_of_branch, tree, campaign, phase, editable):
    set_phase(campaign, phase)
    submitted_sheet(campaign, tree["vil-2"], SheetKind.SELF, 80, status=SheetStatus.RETURNED)
    ScoreSheet.objects.filter(kind=SheetKind.SELF).update(return_reason="缺少佐证材料")
    t = only_task(secretary_of_branch, campaign)
    assert t["editable"] is editable and t["return_reason"] == "缺少佐证材料"
    assert ("填写自评" in labels(t)) is editable
    assert ("查看自评" in labels(t)) is not editable
    assert ("测评结果" in labels(t)) is (phase >= Phase.SURVEY)
    if not editable:
        assert "已不能修改" in t["note"]


def test_secretary_task_offline_sheet_is_not_editable(secretary_of_branch, tree, campaign):
    set_phase(campaign, Phase.SELF)
    sheet = submitted_sheet(campaign, tree["vil-2"], SheetKind.SELF, 70, status=SheetStatus.DRAFT)
    ScoreSheet.objects.filter(pk=sheet.pk).update(source=SheetSource.OFFLINE)
    t = only_task(secretary_of_branch, campaign)
    assert not t["editable"] and t["status_label"] == "线下录入" and labels(t) == ["查看自评"]


def test_secretary_task_before_self_phase(secretary_of_branch, campaign):
    t = only_task(secretary_of_branch, campaign)
    assert not t["editable"] and t["actions"] == [] and "尚未开始" in t["note"]


def test_secretary_task_publicity_and_rectification(client, staff, secretary_of_branch, tree, campaign,
                                                    monkeypatch):
    fix_today(monkeypatch, TODAY)
    publish(campaign, staff)
    t = only_task(secretary_of_branch, campaign)
    assert t["result_label"] == "一般" and t["result_title"] == "公示等次"
    assert ("公示结果", reverse("public_results", args=[campaign.slug]), False) in t["actions"]
    fix_today(monkeypatch, TODAY + datetime.timedelta(days=5))
    publicity.finalise_results(campaign=campaign, actor=staff, today=TODAY + datetime.timedelta(days=5))
    set_phase(campaign, Phase.RECTIFY)
    t = only_task(secretary_of_branch, campaign)
    assert t["actions"][0] == ("整改方案", reverse("rectification_plan", args=[campaign.slug, "vil-2"]), True)
    assert "公示结果" not in labels(t) and t["result_title"] == "定级等次" and "报送整改方案" in t["note"]
    RectificationPlan.objects.filter(org=tree["vil-2"]).update(submitted_at=timezone.now())
    t = only_task(secretary_of_branch, campaign)
    assert t["actions"][-1][0] == "整改方案" and not t["actions"][-1][2] and "已报送" in t["note"]
    # the top band (vil-1 先进) files no plan: no 整改方案 action
    top = f.user("sec_vil1", f.SECRETARY, tree["vil-1"])
    assert "整改方案" not in labels(only_task(top, campaign))


def test_secretary_of_a_non_target_has_no_task(tree, campaign):
    branch = f.user("sec_b1", f.SECRETARY, tree["vil-1-b1"])  # graded through its 村 总支
    assert secretary_tasks(viewer_for(branch)) == []


def test_secretary_home_shows_action_and_reason(client, secretary_of_branch, other_secretary, tree, campaign):
    set_phase(campaign, Phase.REVIEW)
    submitted_sheet(campaign, tree["vil-2"], SheetKind.SELF, 80, status=SheetStatus.RETURNED)
    ScoreSheet.objects.filter(kind=SheetKind.SELF).update(return_reason="工作业绩缺少佐证")
    html = login(client, secretary_of_branch).get(reverse("home")).content.decode()
    assert "退回理由：</strong>工作业绩缺少佐证" in html
    assert f'href="{reverse("self_eval", args=[campaign.slug, "vil-2"])}">填写自评' in html
    assert f'href="{reverse("survey_results", args=[campaign.slug, "vil-2"])}"' in html
    assert f'href="{reverse("campaign_detail", args=[campaign.slug])}"' not in html  # a secretary cannot open it
    other = login(client, other_secretary).get(reverse("home")).content.decode()
    assert "工作业绩缺少佐证" not in other and "vil-2" not in other
    assert reverse("self_eval", args=[campaign.slug, "vil-3"]) not in other  # 审核阶段: nothing to fill


def test_home_needs_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# ------------------------------------------------------------------------------------ reviewer and staff tasks


def items(user, campaign):
    for block in reviewer_tasks(viewer_for(user)):
        if block["campaign"].pk == campaign.pk:
            return {i["label"]: i["count"] for i in block["items"]}
    return {}


def test_reviewer_tasks_self_and_review(reviewer_of_township, other_reviewer, secretary_of_branch, tree, campaign):
    set_phase(campaign, Phase.SELF)
    submitted_sheet(campaign, tree["vil-2"], SheetKind.SELF, 80)
    assert items(reviewer_of_township, campaign) == {"已提交的自评，可查看或退回": 1}
    assert items(other_reviewer, campaign) == {}
    assert reviewer_tasks(viewer_for(secretary_of_branch)) == []
    set_phase(campaign, Phase.REVIEW)
    submitted_sheet(campaign, tree["vil-1"], SheetKind.REVIEW, 85)
    assert items(reviewer_of_township, campaign) == {"定级对象待评定": 2}  # vil-2, com-1
    assert items(other_reviewer, campaign) == {"定级对象待评定": 1}  # vil-3


def test_reviewer_tasks_investigation(reviewer_of_township, tree, campaign):
    set_phase(campaign, Phase.INVESTIGATE)
    assert items(reviewer_of_township, campaign) == {"调查摸底待填写": 3}


def test_objections_and_acceptance_tasks(client, staff, reviewer_of_township, other_reviewer, tree, campaign,
                                         monkeypatch):
    fix_today(monkeypatch, TODAY)
    publish(campaign, staff)
    Objection.objects.create(campaign=campaign, org=tree["vil-2"], text="请复核")
    Objection.objects.create(campaign=campaign, org=None, text="整体名单有误")
    assert items(staff, campaign) == {"公示异议待处理": 2}
    assert items(reviewer_of_township, campaign) == {"公示异议待组织部处理": 1}
    assert items(other_reviewer, campaign) == {}
    Objection.objects.update(status="rejected", reply="经核实不成立")
    finalise_day = TODAY + datetime.timedelta(days=5)
    publicity.finalise_results(campaign=campaign, actor=staff, today=finalise_day)
    set_phase(campaign, Phase.ACCEPT)
    plan = RectificationPlan.objects.get(campaign=campaign, org=tree["vil-2"])
    RectificationItem.objects.create(plan=plan, problem="三会一课不规范", measures="按月召开", responsible="书记",
                                     deadline=finalise_day, status=ItemStatus.REPORTED)
    RectificationPlan.objects.filter(campaign=campaign).update(submitted_at=timezone.now())
    assert items(reviewer_of_township, campaign) == {"整改事项待验收": 1}
    assert items(other_reviewer, campaign) == {}
    html = login(client, reviewer_of_township).get(reverse("home")).content.decode()
    assert "整改事项待验收" in html and reverse("rectification_overview", args=[campaign.slug]) in html
    RectificationPlan.objects.filter(org=tree["vil-3"]).update(submitted_at=None)
    assert items(other_reviewer, campaign) == {"尚未报送整改方案的党组织（请督促）": 1}


def test_staff_home_lists_pending_work(client, staff, tree, campaign):
    set_phase(campaign, Phase.SELF)
    submitted_sheet(campaign, tree["vil-2"], SheetKind.SELF, 80)
    html = login(client, staff).get(reverse("home")).content.decode()
    assert "待办事项" in html and "已提交的自评，可查看或退回" in html
    assert reverse("campaign_detail", args=[campaign.slug]) in html


@pytest.mark.parametrize("size", [20, 200])
def test_home_query_count(client, staff, reviewer_of_township, secretary_of_branch, tree, campaign, size,
                          django_assert_max_num_queries):
    big_township(tree, size)
    set_phase(campaign, Phase.REVIEW)
    for user in (staff, reviewer_of_township, secretary_of_branch):
        login(client, user)
        with django_assert_max_num_queries(10):
            assert client.get(reverse("home")).status_code == 200


# ------------------------------------------------------------------------------------ review list filters


def test_review_list_filters(client, reviewer_of_township, secretary_of_branch, tree, campaign):
    set_phase(campaign, Phase.REVIEW)
    submitted_sheet(campaign, tree["vil-2"], SheetKind.SELF, 80)
    submitted_sheet(campaign, tree["vil-1"], SheetKind.REVIEW, 85)
    url = reverse("review_list", args=[campaign.slug])
    login(client, reviewer_of_township)

    def codes(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return [r.org.code for r in response.context["rows"]]

    assert codes("") == ["vil-1", "vil-2", "com-1"]
    assert codes("?show=submitted") == ["vil-2"]
    assert codes("?show=unreviewed") == ["vil-2", "com-1"]
    assert codes("?show=nonsense") == ["vil-1", "vil-2", "com-1"]
    response = client.get(url + "?show=submitted")
    assert response.context["counts"]["due"] == 3  # the counts stay those of the whole list
    assert "<strong>自评已提交（1）</strong>" in response.content.decode()
    assert login(client, secretary_of_branch).get(url).status_code == 403

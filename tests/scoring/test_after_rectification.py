"""整改提升 and 检查验收 (SPEC §8): plans by tier, yellow cards, contact leaders, items, progress, acceptance,
overdue items, the 整改汇总表 rows and the pages for every role."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from rectification import services as R
from rectification.models import ItemStatus, RectificationItem, RectificationPlan, Tier
from rectification.selectors import rectification_overview, rectification_rows
from rectification.services import tier_for
from tests.conftest import login
from tests.scoring.after_helpers import TODAY, finalise, fix_today, publish

DAY = datetime.timedelta(days=1)
LATER = TODAY + 30 * DAY


def plan_of(campaign, org):
    return RectificationPlan.objects.get(campaign=campaign, org=org)


@pytest.mark.parametrize("label,labels,tier", [
    ("好", ["好", "较好", "一般", "较差"], Tier.TOP),
    ("较好", ["好", "较好", "一般", "较差"], Tier.MIDDLE),
    ("一般", ["好", "较好", "一般", "较差"], Tier.GENERAL),
    ("较差", ["好", "较好", "一般", "较差"], Tier.BOTTOM),
    ("先进", ["先进", "一般", "后进"], Tier.TOP),
    ("一般", ["先进", "一般", "后进"], Tier.GENERAL),
    ("后进", ["先进", "一般", "后进"], Tier.BOTTOM),
    ("三星", ["五星", "四星", "三星", "二星", "一星"], Tier.MIDDLE),
    ("一星", ["五星", "四星", "三星", "二星", "一星"], Tier.BOTTOM),
])
def test_tiers(label, labels, tier):
    assert tier_for(label, labels) == tier


def test_no_plans_before_results_are_final(campaign, tree, staff):
    publish(campaign, staff)
    assert not RectificationPlan.objects.exists()


def test_plans_by_tier_after_finalisation(campaign, tree, staff):
    finalise(campaign, staff)
    plans = {p.org.code: p for p in RectificationPlan.objects.select_related("org")}
    assert plans["vil-1"].share_experience and not plans["vil-1"].needs_plan          # 先进
    assert plans["agency"].share_experience                                            # 好
    assert plans["vil-3"].yellow_card and plans["ag-2"].yellow_card                    # 后进, 较差
    assert plans["vil-2"].needs_contact_leader and not plans["vil-2"].yellow_card      # 一般
    assert plans["com-1"].tier == Tier.MIDDLE and not plans["com-1"].needs_contact_leader  # 较好
    assert AuditEntry.objects.filter(action="rectification.plans_created").exists()


def test_staff_set_contact_leader_and_yellow_card_deadline(campaign, tree, staff):
    finalise(campaign, staff)
    bottom = plan_of(campaign, tree["vil-3"])
    R.set_plan_support(plan=bottom, actor=staff, contact_leader="李副书记", yellow_card_deadline=LATER)
    bottom.refresh_from_db()
    assert (bottom.contact_leader, bottom.yellow_card_deadline) == ("李副书记", LATER)
    with pytest.raises(ValidationError, match="只有亮黄牌的组织才设整改期限"):
        R.set_plan_support(plan=plan_of(campaign, tree["vil-2"]), actor=staff, contact_leader="王部长",
                           yellow_card_deadline=LATER)
    with pytest.raises(ValidationError, match="不安排联系领导"):
        R.set_plan_support(plan=plan_of(campaign, tree["com-1"]), actor=staff, contact_leader="王部长")
    assert AuditEntry.objects.filter(action="rectification.support_set").count() == 1


def test_item_lifecycle_progress_return_accept(campaign, tree, staff, secretary_of_branch, reviewer_of_township):
    finalise(campaign, staff)
    plan = plan_of(campaign, tree["vil-2"])
    with pytest.raises(ValidationError, match="请至少填写一项"):
        R.submit_plan(plan=plan, actor=secretary_of_branch)
    with pytest.raises(ValidationError) as e:
        R.add_item(plan=plan, actor=secretary_of_branch, problem="", measures="补", responsible="张三",
                   deadline=TODAY - DAY, today=TODAY)
    assert "请填写存在问题" in str(e.value) and "完成时限不能早于今天" in str(e.value)
    item = R.add_item(plan=plan, actor=secretary_of_branch, problem="三会一课不规范", measures="按月召开",
                      responsible="张三", deadline=TODAY, today=TODAY)  # today itself is allowed
    R.submit_plan(plan=plan, actor=secretary_of_branch)
    with pytest.raises(ValidationError, match="书记报告完成后才能验收"):
        R.review_item(item=item, actor=reviewer_of_township, accept=True)
    R.report_progress(item=item, actor=secretary_of_branch, text="已召开一次")
    assert RectificationItem.objects.get(pk=item.pk).status == ItemStatus.OPEN
    R.report_progress(item=item, actor=secretary_of_branch, text="已全部完成", completed=True)
    with pytest.raises(ValidationError, match="请填写验收意见"):
        R.review_item(item=item, actor=reviewer_of_township, accept=False)
    R.review_item(item=item, actor=reviewer_of_township, accept=False, note="记录不全")
    assert RectificationItem.objects.get(pk=item.pk).status == ItemStatus.RETURNED
    R.report_progress(item=item, actor=secretary_of_branch, text="补齐记录", completed=True)
    R.review_item(item=item, actor=reviewer_of_township, accept=True)
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED and item.reviewed_by == reviewer_of_township
    assert item.progress.count() == 3
    with pytest.raises(ValidationError, match="已验收"):
        R.report_progress(item=item, actor=secretary_of_branch, text="再报")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"rectification.item_added", "rectification.plan_submitted", "rectification.progress",
            "rectification.returned", "rectification.accepted"} <= actions


def test_top_band_files_nothing(campaign, tree, staff):
    finalise(campaign, staff)
    with pytest.raises(ValidationError, match="经验推广"):
        R.add_item(plan=plan_of(campaign, tree["vil-1"]), actor=staff, problem="x", measures="y", responsible="z",
                   deadline=LATER, today=TODAY)


def test_overdue_is_after_the_deadline_day_and_until_accepted(campaign, tree, staff, secretary_of_branch):
    finalise(campaign, staff)
    plan = plan_of(campaign, tree["vil-2"])
    item = R.add_item(plan=plan, actor=secretary_of_branch, problem="p", measures="m", responsible="r",
                      deadline=LATER, today=TODAY)
    assert not item.is_overdue_on(LATER) and item.is_overdue_on(LATER + DAY)
    on_deadline = {pv.plan.org.code: pv.overdue_items for pv in rectification_overview(campaign, today=LATER)}
    after = {pv.plan.org.code: pv.overdue_items for pv in rectification_overview(campaign, today=LATER + DAY)}
    assert on_deadline["vil-2"] == 0 and after["vil-2"] == 1
    only = rectification_overview(campaign, today=LATER + DAY, overdue_only=True)
    assert [pv.plan.org.code for pv in only] == ["vil-2"]
    RectificationItem.objects.filter(pk=item.pk).update(status=ItemStatus.ACCEPTED)
    assert not rectification_overview(campaign, today=LATER + DAY, overdue_only=True)


def test_rectification_rows_for_the_summary_report(campaign, tree, staff, secretary_of_branch):
    finalise(campaign, staff)
    R.add_item(plan=plan_of(campaign, tree["vil-2"]), actor=secretary_of_branch, problem="阵地不足",
               measures="改造活动室", responsible="张三", deadline=LATER, today=TODAY)
    rows = rectification_rows(campaign, today=TODAY)
    by_code = {}
    for r in rows:
        by_code.setdefault(r.org_code, []).append(r)
    assert len(rows) == 7
    r = by_code["vil-2"][0]
    assert (r.grade, r.problems, r.measures, r.responsible, r.deadline, r.status, r.accepted) == (
        "一般", "阵地不足", "改造活动室", "张三", LATER, "整改中", False)
    assert by_code["vil-1"][0].status == "经验推广"
    assert by_code["vil-3"][0].status == "未报送整改方案" and by_code["vil-3"][0].yellow_card


# ---- pages --------------------------------------------------------------------------------------------------------

def test_plan_page_roles(client, campaign, tree, staff, secretary_of_branch, other_secretary, reviewer_of_township,
                         other_reviewer):
    finalise(campaign, staff)
    url = reverse("rectification_plan", args=[campaign.slug, "vil-2"])
    assert client.get(url).status_code == 302
    assert login(client, other_secretary).get(url).status_code == 404
    assert login(client, other_reviewer).get(url).status_code == 404
    assert login(client, reviewer_of_township).get(url).status_code == 200
    assert login(client, staff).get(url).status_code == 200
    page = login(client, secretary_of_branch).get(url).content.decode()
    assert "添加整改事项" in page and "一般" in page


def plan_url(campaign, code, name="rectification_plan", *extra):
    return reverse(name, args=[campaign.slug, code, *extra])


def test_secretary_files_on_the_page_and_reviewer_accepts(client, campaign, tree, staff, secretary_of_branch,
                                                          reviewer_of_township, monkeypatch):
    finalise(campaign, staff)
    fix_today(monkeypatch, TODAY)
    add = plan_url(campaign, "vil-2", "rectification_item_add")
    login(client, secretary_of_branch)
    bad = client.post(add, {"problem": "p", "measures": "m", "responsible": "r",
                            "deadline": (TODAY - DAY).isoformat()})
    assert bad.status_code == 200 and "完成时限不能早于今天" in bad.content.decode()
    assert client.post(add, {"problem": "组织生活不规范", "measures": "建立台账", "responsible": "张三",
                             "deadline": LATER.isoformat()}).status_code == 302
    item = RectificationItem.objects.get()
    progress = plan_url(campaign, "vil-2", "rectification_item_progress", item.pk)
    review = plan_url(campaign, "vil-2", "rectification_item_review", item.pk)
    assert client.post(plan_url(campaign, "vil-2", "rectification_plan_submit")).status_code == 302
    assert client.post(progress, {f"p{item.pk}-text": "完成", f"p{item.pk}-completed": "on"}).status_code == 302
    assert client.post(review, {f"r{item.pk}-decision": "accept"}).status_code == 403
    assert client.post(plan_url(campaign, "vil-2", "rectification_plan_support"),
                       {"contact_leader": "x"}).status_code == 403
    login(client, reviewer_of_township)
    assert client.post(add, {"problem": "p", "measures": "m", "responsible": "r",
                             "deadline": LATER.isoformat()}).status_code == 403
    assert client.post(review, {f"r{item.pk}-decision": "accept", f"r{item.pk}-note": "符合要求"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED and plan_of(campaign, tree["vil-2"]).submitted_at


def test_staff_sets_support_on_the_page(client, campaign, tree, staff):
    finalise(campaign, staff)
    response = login(client, staff).post(plan_url(campaign, "vil-3", "rectification_plan_support"),
                                         {"contact_leader": "李副书记", "yellow_card_deadline": LATER.isoformat()})
    assert response.status_code == 302
    page = client.get(plan_url(campaign, "vil-3")).content.decode()
    assert "李副书记" in page and "亮黄牌" in page


def test_support_refused_by_the_service_shows_on_the_form(client, campaign, tree, staff):
    finalise(campaign, staff)
    response = login(client, staff).post(plan_url(campaign, "vil-2", "rectification_plan_support"),
                                         {"contact_leader": "王部长", "yellow_card_deadline": LATER.isoformat()})
    assert response.status_code == 200 and "只有亮黄牌的组织才设整改期限" in response.content.decode()
    assert plan_of(campaign, tree["vil-2"]).contact_leader == ""


def test_submit_progress_and_review_refusals_are_shown_on_the_plan_page(client, campaign, tree, staff,
                                                                      secretary_of_branch, reviewer_of_township,
                                                                      monkeypatch):
    finalise(campaign, staff)
    fix_today(monkeypatch, TODAY)
    login(client, secretary_of_branch)
    response = client.post(plan_url(campaign, "vil-2", "rectification_plan_submit"))
    assert response.status_code == 200 and "请至少填写一项" in response.content.decode()
    item = R.add_item(plan=plan_of(campaign, tree["vil-2"]), actor=secretary_of_branch, problem="p", measures="m",
                      responsible="r", deadline=LATER, today=TODAY)
    response = client.post(plan_url(campaign, "vil-2", "rectification_item_progress", item.pk), {})
    assert response.status_code == 200 and "请填写整改进展" in response.content.decode()
    login(client, reviewer_of_township)
    response = client.post(plan_url(campaign, "vil-2", "rectification_item_review", item.pk),
                           {f"r{item.pk}-decision": "accept"})
    assert response.status_code == 200 and "书记报告完成后才能验收" in response.content.decode()
    assert RectificationItem.objects.get(pk=item.pk).status == ItemStatus.OPEN


# (url name, needs an item, the right persona, one who sees the plan but may not do this, one out of scope, data)
PLAN_ACTIONS = [
    ("rectification_plan_support", False, "staff", "secretary_of_branch", "other_secretary",
     {"contact_leader": "李副书记"}),
    ("rectification_item_add", False, "secretary_of_branch", "reviewer_of_township", "other_secretary",
     {"problem": "p", "measures": "m", "responsible": "r", "deadline": LATER.isoformat()}),
    ("rectification_plan_submit", False, "secretary_of_branch", "staff", "other_secretary", {}),
    ("rectification_item_progress", True, "secretary_of_branch", "reviewer_of_township", "other_secretary",
     {"text": "完成"}),
    ("rectification_item_review", True, "reviewer_of_township", "secretary_of_branch", "other_reviewer",
     {"decision": "return", "note": "不全"}),
]


@pytest.mark.parametrize("name,with_item,right,wrong,outsider,data", PLAN_ACTIONS)
def test_plan_actions_post_only_for_their_role(client, request, campaign, tree, staff, secretary_of_branch,
                                               monkeypatch, name, with_item, right, wrong, outsider, data):
    """Each action on the plan answers its own role (302), 403 to another role that sees the plan, 404 to one out
    of scope, 405 to a GET, and the login page to anonymous visitors."""
    finalise(campaign, staff)
    fix_today(monkeypatch, TODAY)
    plan = plan_of(campaign, tree["vil-2"])
    args = []
    if with_item:
        item = R.add_item(plan=plan, actor=secretary_of_branch, problem="p", measures="m", responsible="r",
                          deadline=LATER, today=TODAY)
        if name == "rectification_item_review":
            R.report_progress(item=item, actor=secretary_of_branch, text="完成", completed=True)
        args = [item.pk]
        prefix = "p" if name == "rectification_item_progress" else "r"
        data = {f"{prefix}{item.pk}-{k}": v for k, v in data.items()}
    elif name == "rectification_plan_submit":
        R.add_item(plan=plan, actor=secretary_of_branch, problem="p", measures="m", responsible="r",
                   deadline=LATER, today=TODAY)
    url = plan_url(campaign, "vil-2", name, *args)
    response = client.post(url, data)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert login(client, request.getfixturevalue(wrong)).post(url, data).status_code == 403
    assert login(client, request.getfixturevalue(outsider)).post(url, data).status_code == 404
    login(client, request.getfixturevalue(right))
    assert client.get(url).status_code == 405
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == plan_url(campaign, "vil-2")


def test_an_item_of_another_plan_is_not_found(client, campaign, tree, staff, secretary_of_branch):
    finalise(campaign, staff)
    other = R.add_item(plan=plan_of(campaign, tree["vil-3"]), actor=staff, problem="p", measures="m",
                       responsible="r", deadline=LATER, today=TODAY)
    url = plan_url(campaign, "vil-2", "rectification_item_progress", other.pk)
    assert login(client, secretary_of_branch).post(url, {f"p{other.pk}-text": "x"}).status_code == 404
    assert not other.progress.exists()


def test_the_plan_page_takes_no_post(client, campaign, tree, staff):
    finalise(campaign, staff)
    assert login(client, staff).post(plan_url(campaign, "vil-2"), {"action": "support"}).status_code == 405


def test_overview_roles_and_overdue_highlight(client, campaign, tree, staff, secretary_of_branch,
                                              reviewer_of_township, monkeypatch):
    finalise(campaign, staff)
    R.add_item(plan=plan_of(campaign, tree["vil-2"]), actor=secretary_of_branch, problem="p", measures="m",
               responsible="r", deadline=LATER, today=TODAY)
    fix_today(monkeypatch, LATER + DAY)
    url = reverse("rectification_overview", args=[campaign.slug])
    assert client.get(url).status_code == 302
    assert login(client, secretary_of_branch).get(url).status_code == 403
    page = login(client, reviewer_of_township).get(url).content.decode()
    assert "二村党支部" in page and "财政局党支部" not in page and "1 项逾期" in page
    page = login(client, staff).get(url + "?overdue=1").content.decode()
    assert "二村党支部" in page and "财政局党支部" not in page and 'class="af-overdue"' in page


def test_overview_constant_queries(client, tree, staff, django_assert_max_num_queries):
    from branches.models import Org
    from tests import factories as f
    from tests.scoring.grading_helpers import big_township

    client.force_login(staff)
    for n, slug in ((20, "small"), (200, "large")):
        town = big_township(tree, n, code=f"town-{slug}")
        c = f.campaign(town, slug=slug, sectors=("村",))
        children = Org.objects.filter(path__startswith=town.path, depth=town.depth + 1)
        finalise(c, staff, labels={o.code: "一般" for o in children})
        for plan in RectificationPlan.objects.filter(campaign=c):
            RectificationItem.objects.create(plan=plan, problem="p", measures="m", responsible="r", deadline=TODAY)
        with django_assert_max_num_queries(12):
            assert client.get(reverse("rectification_overview", args=[slug])).status_code == 200
        with django_assert_max_num_queries(6):
            assert len(rectification_rows(c, today=TODAY)) == n

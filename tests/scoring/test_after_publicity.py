"""公示 and objections (SPEC §7): the window at its boundary days, objections, answers, re-grading, finalisation,
and the public and staff pages for every role."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from branches.models import Org
from campaigns.models import Phase
from publicity import services as P
from publicity.models import Objection, ObjectionStatus, Publicity, PublishedResult
from rectification.models import RectificationPlan
from scoring.models import Grade
from tests.conftest import login
from tests.scoring.after_helpers import (
    TODAY,
    clear_rate_limits,
    fix_today,
    grade_all,
    publish,
)

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    clear_rate_limits()
    yield
    clear_rate_limits()


# ---- publishing ---------------------------------------------------------------------------------------------------

def test_publish_snapshots_grades_moves_phase_and_audits(campaign, tree, staff):
    p = publish(campaign, staff)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.PUBLICITY
    assert (p.starts_on, p.ends_on, p.days) == (TODAY, TODAY + DAY, 2)  # default 2 days, both ends inclusive
    results = {r.org.code: r for r in PublishedResult.objects.filter(publicity=p).select_related("org")}
    assert set(results) == {"vil-1", "vil-2", "com-1", "vil-3", "agency", "ag-1", "ag-2"}
    assert results["vil-2"].label == "一般" and results["vil-2"].unit_name == "甲镇党委"
    assert results["agency"].unit_name == "县直机关工委" and results["ag-2"].unit_name == "县直机关工委"
    assert (results["vil-1"].position, results["vil-2"].position, results["vil-3"].position) == (0, 500, 1000)
    assert (results["com-1"].position, results["ag-1"].position) == (333, 667)  # 较好, 四档 一般
    assert AuditEntry.objects.filter(action="publicity.published", campaign_id=campaign.pk).exists()
    assert AuditEntry.objects.filter(action="campaign.phase", campaign_id=campaign.pk).exists()


def test_publish_uses_campaign_days_and_chosen_start(campaign, tree, staff):
    campaign.publicity_days = 5
    campaign.save()
    grade_all(campaign)
    p = P.publish_results(campaign=campaign, actor=staff, starts_on=TODAY + 3 * DAY, today=TODAY)
    assert (p.starts_on, p.ends_on) == (TODAY + 3 * DAY, TODAY + 7 * DAY)


def test_publish_refused_when_an_org_has_no_grade(campaign, tree, staff):
    grade_all(campaign, {"vil-1": "先进"})
    with pytest.raises(ValidationError) as e:
        P.publish_results(campaign=campaign, actor=staff, today=TODAY)
    assert "6 个定级对象尚未定级" in str(e.value) and "二村党支部" in str(e.value)
    assert not Publicity.objects.exists()
    campaign.refresh_from_db()
    assert campaign.phase == Phase.REVIEW


def test_publish_refused_before_review_in_the_past_and_twice(campaign, tree, staff):
    grade_all(campaign, phase=Phase.SURVEY)
    with pytest.raises(ValidationError, match="上级评定后才能发布公示"):
        P.publish_results(campaign=campaign, actor=staff, today=TODAY)
    grade_all(campaign)
    with pytest.raises(ValidationError, match="不能早于今天"):
        P.publish_results(campaign=campaign, actor=staff, starts_on=TODAY - DAY, today=TODAY)
    P.publish_results(campaign=campaign, actor=staff, today=TODAY)
    with pytest.raises(ValidationError, match="不能重复发布"):
        P.publish_results(campaign=campaign, actor=staff, today=TODAY)


# ---- the window at its edges --------------------------------------------------------------------------------------

def test_objection_window_is_inclusive_of_both_ends(campaign, tree, staff):
    p = publish(campaign, staff)
    with pytest.raises(ValidationError, match="届时方可提出异议"):
        P.lodge_objection(campaign=campaign, text="早了", today=p.starts_on - DAY)
    assert P.lodge_objection(campaign=campaign, text="第一天", today=p.starts_on).pk
    assert P.lodge_objection(campaign=campaign, text="最后一天", today=p.ends_on).pk
    with pytest.raises(ValidationError, match="公示期已于2026年5月12日结束"):
        P.lodge_objection(campaign=campaign, text="晚了", today=p.ends_on + DAY)
    assert Objection.objects.count() == 2


def test_window_counts_in_shanghai_time(campaign, tree, staff, monkeypatch):
    """23:59:59 on ends_on (Shanghai) is inside; 00:00 the next day is outside, whatever UTC says."""
    p = publish(campaign, staff)
    from django.utils import timezone

    last_second = datetime.datetime.combine(p.ends_on, datetime.time(23, 59, 59), tzinfo=P.LOCAL_TZ)
    monkeypatch.setattr(timezone, "now", lambda: last_second.astimezone(datetime.UTC))
    assert P.local_today() == p.ends_on
    assert P.lodge_objection(campaign=campaign, text="最后一秒").pk
    monkeypatch.setattr(timezone, "now", lambda: (last_second + datetime.timedelta(seconds=1)).astimezone(
        datetime.UTC))
    assert P.local_today() == p.ends_on + DAY
    with pytest.raises(ValidationError):
        P.lodge_objection(campaign=campaign, text="过了午夜")


def test_objection_text_rules(campaign, tree, staff):
    publish(campaign, staff)
    with pytest.raises(ValidationError, match="请填写异议内容"):
        P.lodge_objection(campaign=campaign, text="   ", today=TODAY)
    with pytest.raises(ValidationError, match="不能超过 1000 字（现为 1001 字）"):
        P.lodge_objection(campaign=campaign, text="字" * 1001, today=TODAY)
    assert P.lodge_objection(campaign=campaign, text="字" * 1000, today=TODAY).pk
    with pytest.raises(ValidationError, match="不在本次公示名单中"):
        P.lodge_objection(campaign=campaign, text="不是定级对象", org=tree["town-a"], today=TODAY)


# ---- answering, reopening, re-grading ------------------------------------------------------------------------------

def test_upheld_reopens_only_that_org_rejected_does_not(campaign, tree, staff):
    publish(campaign, staff)
    o1 = P.lodge_objection(campaign=campaign, text="二村评得太高", org=tree["vil-2"], today=TODAY)
    o2 = P.lodge_objection(campaign=campaign, text="三村有意见", org=tree["vil-3"], today=TODAY)
    with pytest.raises(ValidationError, match="请填写答复意见"):
        P.answer_objection(objection=o1, actor=staff, decision=ObjectionStatus.UPHELD, reply="")
    P.answer_objection(objection=o1, actor=staff, decision=ObjectionStatus.UPHELD, reply="经核实，材料不实。")
    P.answer_objection(objection=o2, actor=staff, decision=ObjectionStatus.REJECTED, reply="经核实，情况属实。")
    reopened = set(Grade.objects.filter(campaign=campaign, reopened=True).values_list("org__code", flat=True))
    assert reopened == {"vil-2"}
    with pytest.raises(ValidationError, match="不能再次处理"):
        P.answer_objection(objection=o1, actor=staff, decision=ObjectionStatus.REJECTED, reply="改主意")
    assert AuditEntry.objects.filter(action="grade.reopened", campaign_id=campaign.pk).count() == 1
    assert AuditEntry.objects.filter(action="objection.answered", campaign_id=campaign.pk).count() == 2


def test_upholding_a_whole_list_objection_needs_an_org(campaign, tree, staff):
    publish(campaign, staff)
    o = P.lodge_objection(campaign=campaign, text="整体有问题", today=TODAY)
    with pytest.raises(ValidationError, match="请选择需要重新评定的党组织"):
        P.answer_objection(objection=o, actor=staff, decision=ObjectionStatus.UPHELD, reply="成立")
    P.answer_objection(objection=o, actor=staff, decision=ObjectionStatus.UPHELD, reply="成立", org=tree["ag-1"])
    o.refresh_from_db()
    assert o.org == tree["ag-1"] and Grade.objects.get(campaign=campaign, org=tree["ag-1"]).reopened


def test_upheld_objection_changes_a_grade_through_review_and_regrade(tree, staff, reviewer_of_township, client):
    """reopen → the reviewer changes the review (C's page rules) → 重新公示 re-grades, clears the flag, and the
    public page shows the new grade with the note."""
    from campaigns.models import Indicator
    from campaigns.selectors import targets
    from scoring.models import ScoreSheet, SheetKind
    from scoring.services.grading import recompute_campaign
    from scoring.services.sheets import review_editable, save_review
    from tests import factories as f

    campaign = f.campaign(tree["county"], weight_self=0, weight_survey=0, weight_review=1, phase=Phase.REVIEW)
    for org in targets(campaign):
        ScoreSheet.objects.create(campaign=campaign, org=org, kind=SheetKind.REVIEW, status="submitted", total=92)
    recompute_campaign(campaign=campaign, actor=staff)
    assert Grade.objects.get(campaign=campaign, org=tree["vil-2"]).final_label == "先进"
    p = P.publish_results(campaign=campaign, actor=staff, today=TODAY)
    vil2 = tree["vil-2"]
    assert not review_editable(campaign, vil2)  # frozen by 公示
    o = P.lodge_objection(campaign=campaign, text="二村材料造假", org=vil2, today=TODAY)
    P.answer_objection(objection=o, actor=staff, decision=ObjectionStatus.UPHELD, reply="经核实属实")
    campaign.refresh_from_db()
    assert review_editable(campaign, vil2)
    with pytest.raises(ValidationError, match="1 个组织正在重新评定"):
        P.finalise_results(campaign=campaign, actor=staff, today=p.ends_on + DAY)

    indicators = Indicator.objects.filter(rubric__campaign_sectors__campaign=campaign,
                                          rubric__sector=vil2.sector).order_by("position")
    scores = {ind.pk: str(ind.max_score * 7 / 10) for ind in indicators}  # 70 of 100 → 一般
    save_review(campaign=campaign, org=vil2, actor=reviewer_of_township, level="indicator", scores=scores)

    result = P.republish_org(campaign=campaign, org=vil2, actor=staff)
    assert (result.label, result.previous_label, result.revised) == ("一般", "先进", True)
    assert not Grade.objects.get(campaign=campaign, org=vil2).reopened
    assert AuditEntry.objects.filter(action="publicity.republished").exists()
    with pytest.raises(ValidationError, match="未处于重新评定状态"):
        P.republish_org(campaign=campaign, org=vil2, actor=staff)

    page = client.get(reverse("public_results", args=[campaign.slug])).content.decode()
    assert "已根据异议复核更新" in page
    P.finalise_results(campaign=campaign, actor=staff, today=p.ends_on + DAY)
    assert P.results_final(campaign)


# ---- finalisation -------------------------------------------------------------------------------------------------

def test_finalise_refused_until_window_closed_and_nothing_pending(campaign, tree, staff):
    p = publish(campaign, staff)
    o = P.lodge_objection(campaign=campaign, text="有意见", org=tree["vil-2"], today=p.ends_on)
    with pytest.raises(ValidationError) as e:
        P.finalise_results(campaign=campaign, actor=staff, today=p.ends_on)
    assert "公示窗口尚未结束" in str(e.value) and "仍有 1 条异议待处理" in str(e.value)
    with pytest.raises(ValidationError) as e:
        P.finalise_results(campaign=campaign, actor=staff, today=p.ends_on + DAY)
    assert "仍有 1 条异议待处理" in str(e.value) and "窗口" not in str(e.value)
    assert not P.results_final(campaign) and not RectificationPlan.objects.exists()

    P.answer_objection(objection=o, actor=staff, decision=ObjectionStatus.REJECTED, reply="不成立")
    P.finalise_results(campaign=campaign, actor=staff, today=p.ends_on + DAY)
    assert P.results_final(campaign) and P.results_final(campaign.pk)
    assert RectificationPlan.objects.filter(campaign=campaign).count() == 7
    assert AuditEntry.objects.filter(action="publicity.finalised").exists()
    with pytest.raises(ValidationError, match="已于"):
        P.finalise_results(campaign=campaign, actor=staff, today=p.ends_on + DAY)
    with pytest.raises(ValidationError, match="不再受理异议"):
        P.lodge_objection(campaign=campaign, text="迟到", today=p.ends_on)


# ---- the public page ----------------------------------------------------------------------------------------------

def test_public_page_anonymous_lists_grades_without_scores(client, campaign, tree, staff, monkeypatch):
    Grade.objects.all().delete()
    grade_all(campaign)
    Grade.objects.filter(campaign=campaign).update(total="88.8", review_score="77.7")
    P.publish_results(campaign=campaign, actor=staff, starts_on=TODAY, today=TODAY)
    fix_today(monkeypatch, TODAY)
    response = client.get(reverse("public_results", args=[campaign.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("二村党支部", "三村党支部", "教育局党支部", "甲镇党委", "2026年5月11日", "2026年5月12日", "提交异议"):
        assert name in page
    assert "88.8" not in page and "77.7" not in page
    assert page.index("先进") < page.index("后进") and page.index(">好<") < page.index(">较差<")
    # groups best first across scales: 较好 (1/3) before 一般 (1/2 and 2/3) before 后进/较差 (bottom)
    assert page.index("<h3>较好") < page.index("<h3>一般") < page.index("<h3>后进")


def test_public_page_404_before_publishing(client, campaign):
    assert client.get(reverse("public_results", args=[campaign.slug])).status_code == 404
    assert client.get(reverse("public_results", args=["nope"])).status_code == 404


def test_objection_through_the_page_is_stored_and_escaped(client, campaign, tree, staff, monkeypatch):
    publish(campaign, staff)
    fix_today(monkeypatch, TODAY + DAY)  # ends_on: still open
    url = reverse("public_results", args=[campaign.slug])
    response = client.post(url, {"org": str(tree["vil-2"].pk), "text": "<script>alert(1)</script>书记不在岗",
                                 "contact": "138"})
    assert response.status_code == 200 and "异议已收到" in response.content.decode()
    o = Objection.objects.get()
    assert o.org == tree["vil-2"] and o.text.startswith("<script>")
    login(client, staff)
    listing = client.get(reverse("objection_list", args=[campaign.slug])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing and "<script>alert(1)" not in listing


def test_objection_after_the_window_is_refused_on_the_page(client, campaign, tree, staff, monkeypatch):
    p = publish(campaign, staff)
    fix_today(monkeypatch, p.ends_on + DAY)
    url = reverse("public_results", args=[campaign.slug])
    page = client.get(url).content.decode()
    assert "公示期已于2026年5月12日结束" in page and "<textarea" not in page
    response = client.post(url, {"text": "晚到的异议"})
    assert response.status_code == 200 and "结束" in response.content.decode()
    assert not Objection.objects.exists()


def test_objection_page_errors_name_the_field(client, campaign, tree, staff, monkeypatch):
    publish(campaign, staff)
    fix_today(monkeypatch, TODAY)
    response = client.post(reverse("public_results", args=[campaign.slug]), {"text": "字" * 1001})
    assert "异议内容不能超过 1000 字" in response.content.decode()
    assert not Objection.objects.exists()


def test_objection_flooding_is_rate_limited(client, campaign, tree, staff, monkeypatch):
    publish(campaign, staff)
    fix_today(monkeypatch, TODAY)
    url = reverse("public_results", args=[campaign.slug])
    for i in range(5):
        assert client.post(url, {"text": f"异议{i}"}, REMOTE_ADDR="10.0.0.1").status_code == 200
    flooded = client.post(url, {"text": "第六条"}, REMOTE_ADDR="10.0.0.1")
    assert flooded.status_code == 429 and "操作过于频繁" in flooded.content.decode()
    assert client.post(url, {"text": "另一个人"}, REMOTE_ADDR="10.0.0.2").status_code == 200
    assert Objection.objects.count() == 6
    assert client.get(url, REMOTE_ADDR="10.0.0.1").status_code == 200  # reading is never limited


def test_public_page_fits_in_constant_queries(client, tree, staff, django_assert_max_num_queries, monkeypatch):
    from tests import factories as f
    from tests.scoring.grading_helpers import big_township

    fix_today(monkeypatch, TODAY)
    for n, slug in ((20, "small"), (200, "large")):
        town = big_township(tree, n, code=f"town-{slug}")
        c = f.campaign(town, slug=slug, sectors=("村",))
        grade_all(c, {o.code: "一般" for o in Org.objects.filter(path__startswith=town.path, depth=town.depth + 1)})
        P.publish_results(campaign=c, actor=staff, today=TODAY)
        with django_assert_max_num_queries(8):
            assert client.get(reverse("public_results", args=[slug])).status_code == 200


# ---- staff pages and roles ------------------------------------------------------------------------------------------

def test_publicity_manage_roles(client, campaign, tree, staff, reviewer_of_township, secretary_of_branch):
    url = reverse("publicity_manage", args=[campaign.slug])
    assert client.get(url).status_code == 302
    assert login(client, reviewer_of_township).get(url).status_code == 403
    assert login(client, secretary_of_branch).get(url).status_code == 403
    grade_all(campaign)
    client.force_login(staff)
    assert client.get(url).status_code == 200
    today = P.local_today()
    response = client.post(url, {"starts_on": today.isoformat(), "days": "3"})
    assert response.status_code == 302
    p = Publicity.objects.get()
    assert p.days == 3 and p.published_by == staff
    page = client.get(url).content.decode()
    assert "公示窗口尚未结束" in page and reverse("public_results", args=[campaign.slug]) in page


def test_publish_page_shows_the_reason_when_refused(client, campaign, tree, staff):
    grade_all(campaign, {"vil-1": "先进"})
    response = login(client, staff).post(reverse("publicity_manage", args=[campaign.slug]),
                                         {"starts_on": P.local_today().isoformat(), "days": "2"})
    assert response.status_code == 200 and "6 个定级对象尚未定级" in response.content.decode()


def test_finalise_and_republish_views_are_staff_only(client, campaign, tree, staff, reviewer_of_township):
    p = publish(campaign, staff, starts_on=P.local_today())
    finalise_url = reverse("publicity_finalise", args=[campaign.slug])
    republish_url = reverse("publicity_republish", args=[campaign.slug, "vil-2"])
    assert client.post(finalise_url).status_code == 302 and not P.results_final(campaign)
    login(client, reviewer_of_township)
    assert client.post(finalise_url).status_code == 403
    assert client.post(republish_url).status_code == 403
    client.force_login(staff)
    response = client.post(finalise_url, follow=True)
    assert "公示窗口尚未结束" in response.content.decode() and not P.results_final(campaign)
    assert Publicity.objects.get(pk=p.pk).finalised_at is None


def test_objection_list_roles_and_scope(client, campaign, tree, staff, reviewer_of_township, other_reviewer,
                                        secretary_of_branch):
    publish(campaign, staff)
    P.lodge_objection(campaign=campaign, text="关于二村", org=tree["vil-2"], today=TODAY)
    P.lodge_objection(campaign=campaign, text="关于三村", org=tree["vil-3"], today=TODAY)
    P.lodge_objection(campaign=campaign, text="关于整体", today=TODAY)
    url = reverse("objection_list", args=[campaign.slug])
    assert client.get(url).status_code == 302
    assert login(client, secretary_of_branch).get(url).status_code == 403
    page = login(client, staff).get(url).content.decode()
    assert "关于二村" in page and "关于三村" in page and "关于整体" in page and "提交处理结果" in page
    page = login(client, reviewer_of_township).get(url).content.decode()
    assert "关于二村" in page and "关于三村" not in page and "关于整体" not in page and "提交处理结果" not in page
    page = login(client, other_reviewer).get(url).content.decode()
    assert "关于三村" in page and "关于二村" not in page


def test_answer_view_upholds_for_staff_and_refuses_reviewers(client, campaign, tree, staff, reviewer_of_township):
    publish(campaign, staff)
    o = P.lodge_objection(campaign=campaign, text="关于二村", org=tree["vil-2"], today=TODAY)
    url = reverse("objection_answer", args=[campaign.slug, o.pk])
    data = {f"o{o.pk}-decision": "upheld", f"o{o.pk}-reply": "经核实成立"}
    assert login(client, reviewer_of_township).post(url, data).status_code == 403
    response = login(client, staff).post(url, data, follow=True)
    assert "已重新开放评定" in response.content.decode()
    o.refresh_from_db()
    assert o.status == ObjectionStatus.UPHELD and Grade.objects.get(campaign=campaign, org=tree["vil-2"]).reopened


def test_publicity_actions_take_only_post(client, campaign, tree, staff):
    publish(campaign, staff)
    o = P.lodge_objection(campaign=campaign, text="关于二村", org=tree["vil-2"], today=TODAY)
    login(client, staff)
    for url in (reverse("publicity_finalise", args=[campaign.slug]),
                reverse("publicity_republish", args=[campaign.slug, "vil-2"]),
                reverse("objection_answer", args=[campaign.slug, o.pk])):
        assert client.get(url).status_code == 405


def test_an_objection_is_answered_only_through_its_own_campaign(client, campaign, tree, staff):
    from tests import factories as f

    publish(campaign, staff)
    o = P.lodge_objection(campaign=campaign, text="关于二村", org=tree["vil-2"], today=TODAY)
    other = f.campaign(tree["county"], slug="other")
    data = {f"o{o.pk}-decision": "rejected", f"o{o.pk}-reply": "不成立"}
    login(client, staff)
    assert client.post(reverse("objection_answer", args=[other.slug, o.pk]), data).status_code == 404
    assert client.post(reverse("objection_answer", args=[campaign.slug, 999999]), data).status_code == 404
    o.refresh_from_db()
    assert o.status == ObjectionStatus.PENDING
    assert client.post(reverse("objection_answer", args=[campaign.slug, o.pk]), data).status_code == 302
    o.refresh_from_db()
    assert o.status == ObjectionStatus.REJECTED

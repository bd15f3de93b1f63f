"""自评 page: the secretary fills, saves, submits; phase gating; return for correction; who may see what."""
import pytest
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Criterion
from scoring.models import Grade, ScoreSheet, SheetKind, SheetStatus
from tests.conftest import login
from tests.scoring.grading_helpers import D, Phase, set_phase, submitted_sheet, votes


def url(campaign, code="vil-2", action=""):
    """The page, or with `action` ("save", "submit", "return") the URL its form posts to."""
    return reverse(f"self_eval_{action}" if action else "self_eval", args=[campaign.slug, code])


def criteria(campaign, tree, code="vil-2"):
    from scoring.services.sheets import campaign_sector_for
    cs = campaign_sector_for(campaign, tree[code])
    return list(Criterion.objects.filter(indicator__rubric=cs.rubric).order_by("indicator__position", "position"))


def full_post(crits, value=None):
    return {f"c{c.pk}": str(value if value is not None else c.max_score) for c in crits}


@pytest.fixture
def open_campaign(campaign):
    return set_phase(campaign, Phase.SELF)


def test_secretary_sees_rubric_with_guidance(client, open_campaign, tree, secretary_of_branch):
    response = login(client, secretary_of_branch).get(url(open_campaign))
    body = response.content.decode()
    assert response.status_code == 200
    assert "党组织带头人细则1" in body and "党组织带头人第1项的评分说明" in body
    assert "保存草稿" in body and "提交" in body and 'inputmode="decimal"' in body


def test_draft_then_submit_locks_and_grades(client, open_campaign, tree, secretary_of_branch):
    crits = criteria(open_campaign, tree)
    login(client, secretary_of_branch)
    data = {f"c{crits[0].pk}": "5.5", f"n{crits[0].indicator_id}": "支部书记任职满三年"}
    response = client.post(url(open_campaign, action="save"), data, follow=True)
    assert "草稿已保存" in response.content.decode()
    sheet = ScoreSheet.objects.get(org=tree["vil-2"], kind=SheetKind.SELF)
    assert sheet.status == SheetStatus.DRAFT and sheet.total == D("5.5")
    assert sheet.notes.get().note == "支部书记任职满三年"

    response = client.post(url(open_campaign, action="submit"), full_post(crits), follow=True)
    body = response.content.decode()
    assert "自评已提交，总分 100.0" in body
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED and sheet.total == D("100.0") and sheet.submitted_by == secretary_of_branch
    # locked: the page is read-only and a further POST is refused with a message
    assert "保存草稿" not in body
    response = client.post(url(open_campaign, action="submit"), full_post(crits, value=0), follow=True)
    assert "自评已提交，不能再修改" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.total == D("100.0")
    # the grade row exists (missing survey and review yet)
    assert Grade.objects.get(org=tree["vil-2"]).explanation.startswith("未定级：缺少测评数据")
    entries = list(AuditEntry.objects.filter(action__startswith="self_eval").order_by("id"))
    assert [e.action for e in entries] == ["self_eval.save", "self_eval.submit"]
    assert entries[1].before["总分"] == "5.5" and entries[1].after["总分"] == "100.0"
    assert entries[1].after["细则"]  # changed items listed


@pytest.mark.parametrize("value, message", [
    ("8", "得分必须在 0 到 7.5 之间"),
    ("-1", "得分必须在 0 到 7.5 之间"),
    ("3.25", "最多保留一位小数"),
    ("abc", "不是数字"),
])
def test_bad_scores_named_and_nothing_saved(client, open_campaign, tree, secretary_of_branch, value, message):
    crits = criteria(open_campaign, tree)
    data = full_post(crits)
    data[f"c{crits[0].pk}"] = value
    response = login(client, secretary_of_branch).post(url(open_campaign, action="submit"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body and "1.1 党组织带头人细则1" in body
    assert not ScoreSheet.objects.exists()


def test_submit_requires_every_criterion(client, open_campaign, tree, secretary_of_branch):
    crits = criteria(open_campaign, tree)
    data = full_post(crits)
    data[f"c{crits[3].pk}"] = ""
    body = login(client, secretary_of_branch).post(url(open_campaign, action="submit"), data).content.decode()
    assert "“2.2 工作思路细则2”未填写得分" in body
    assert not ScoreSheet.objects.exists()


@pytest.mark.parametrize("phase", [Phase.INVESTIGATE, Phase.SURVEY, Phase.REVIEW])
def test_closed_phase_refused_with_message(client, campaign, tree, secretary_of_branch, phase):
    set_phase(campaign, phase)
    crits = criteria(campaign, tree)
    login(client, secretary_of_branch)
    body = client.get(url(campaign)).content.decode()
    assert "自评未开放" in body and "保存草稿" not in body
    response = client.post(url(campaign, action="submit"), full_post(crits), follow=True)
    assert "自评未开放" in response.content.decode()
    assert not ScoreSheet.objects.exists()


def test_return_and_resubmit(client, open_campaign, tree, secretary_of_branch, reviewer_of_township):
    crits = criteria(open_campaign, tree)
    login(client, secretary_of_branch).post(url(open_campaign, action="submit"), full_post(crits))
    client.logout()
    login(client, reviewer_of_township)
    body = client.get(url(open_campaign)).content.decode()
    assert "退回修改" in body and "保存草稿" not in body  # read-only for the reviewer
    response = client.post(url(open_campaign, action="return"), {"reason": ""})
    assert "请填写退回修改的理由" in response.content.decode()
    client.post(url(open_campaign, action="return"), {"reason": "第三项佐证材料不足"})
    sheet = ScoreSheet.objects.get(kind=SheetKind.SELF)
    assert sheet.status == SheetStatus.RETURNED and sheet.return_reason == "第三项佐证材料不足"
    entry = AuditEntry.objects.get(action="self_eval.return")
    assert entry.reason == "第三项佐证材料不足" and entry.actor == reviewer_of_township
    client.logout()

    # the secretary sees the reason and may fix it — even once 上级评定 has started
    set_phase(open_campaign, Phase.REVIEW)
    login(client, secretary_of_branch)
    body = client.get(url(open_campaign)).content.decode()
    assert "第三项佐证材料不足" in body and "保存草稿" in body
    client.post(url(open_campaign, action="submit"), full_post(crits, value=1))
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED and sheet.total == D("14.0")


def test_return_closed_after_review(client, campaign, tree, reviewer_of_township):
    submitted_sheet(campaign, tree["vil-2"], SheetKind.SELF, "80")
    set_phase(campaign, Phase.PUBLICITY)
    login(client, reviewer_of_township)
    assert "退回修改" not in client.get(url(campaign)).content.decode()
    response = client.post(url(campaign, action="return"), {"reason": "x"})
    assert "不能退回自评" in response.content.decode()
    assert ScoreSheet.objects.get().status == SheetStatus.SUBMITTED


def test_returned_sheet_not_counted_in_grade(client, campaign, tree, reviewer_of_township):
    org = tree["vil-2"]
    submitted_sheet(campaign, org, SheetKind.SELF, "80")
    submitted_sheet(campaign, org, SheetKind.REVIEW, "80")
    votes(campaign, org, 10, 0, 0)
    set_phase(campaign, Phase.REVIEW)
    login(client, reviewer_of_township).post(url(campaign, action="return"), {"reason": "请补充材料"})
    assert Grade.objects.get(org=org).explanation.startswith("未定级：缺少自评得分")


def test_staff_reads_only(client, open_campaign, tree, staff):
    crits = criteria(open_campaign, tree)
    login(client, staff)
    body = client.get(url(open_campaign)).content.decode()
    assert "保存草稿" not in body
    assert client.post(url(open_campaign, action="submit"), full_post(crits)).status_code == 403


def test_other_secretary_404(client, open_campaign, other_secretary):
    assert login(client, other_secretary).get(url(open_campaign)).status_code == 404


def test_reviewer_outside_subtree_404(client, open_campaign, other_reviewer):
    assert login(client, other_reviewer).get(url(open_campaign)).status_code == 404


def test_anonymous_to_login(client, open_campaign):
    response = client.get(url(open_campaign))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_not_a_target_404(client, open_campaign, staff):
    assert login(client, staff).get(url(open_campaign, "vil-1-b1")).status_code == 404
    assert client.get(reverse("self_eval", args=["nope", "vil-2"])).status_code == 404


def test_reviewer_post_save_forbidden(client, open_campaign, tree, reviewer_of_township):
    crits = criteria(open_campaign, tree)
    assert login(client, reviewer_of_township).post(url(open_campaign, action="save"), full_post(crits)).status_code == 403


# ------------------------------------------------------------------ one URL per action: who may post, GET refused

@pytest.mark.parametrize("action", ["save", "submit", "return"])
def test_action_urls_take_post_only(client, open_campaign, secretary_of_branch, action):
    assert login(client, secretary_of_branch).get(url(open_campaign, action=action)).status_code == 405


def test_page_takes_no_post(client, open_campaign, tree, secretary_of_branch):
    # the page's forms post to their own URLs; a POST to the page itself saves nothing
    response = login(client, secretary_of_branch).post(url(open_campaign), full_post(criteria(open_campaign, tree)))
    assert response.status_code == 405 and not ScoreSheet.objects.exists()


@pytest.mark.parametrize("action", ["save", "submit", "return"])
def test_action_urls_send_anonymous_to_login(client, open_campaign, action):
    response = client.post(url(open_campaign, action=action), {"reason": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("action, status", [("save", SheetStatus.DRAFT), ("submit", SheetStatus.SUBMITTED)])
def test_filling_in_is_the_secretarys_alone(client, request, open_campaign, tree, secretary_of_branch, action,
                                            status):
    crits = criteria(open_campaign, tree)
    for persona, refused in [("staff", 403), ("reviewer_of_township", 403), ("other_secretary", 404),
                             ("other_reviewer", 404)]:
        response = login(client, request.getfixturevalue(persona)).post(url(open_campaign, action=action),
                                                                       full_post(crits))
        assert response.status_code == refused, persona
    assert not ScoreSheet.objects.exists()
    response = login(client, secretary_of_branch).post(url(open_campaign, action=action), full_post(crits))
    assert response.status_code == 302 and ScoreSheet.objects.get(kind=SheetKind.SELF).status == status


def test_returning_is_the_reviewers_and_staffs(client, request, open_campaign, tree, staff):
    submitted_sheet(open_campaign, tree["vil-2"], SheetKind.SELF, "80")
    for persona, refused in [("secretary_of_branch", 403), ("other_secretary", 404), ("other_reviewer", 404)]:
        response = login(client, request.getfixturevalue(persona)).post(url(open_campaign, action="return"),
                                                                       {"reason": "请补充材料"})
        assert response.status_code == refused, persona
    assert ScoreSheet.objects.get().status == SheetStatus.SUBMITTED
    response = login(client, staff).post(url(open_campaign, action="return"), {"reason": "请补充材料"})
    assert response.status_code == 302 and ScoreSheet.objects.get().status == SheetStatus.RETURNED


def test_not_a_target_404_on_every_action(client, open_campaign, staff):
    for action in ("save", "submit", "return"):
        assert login(client, staff).post(url(open_campaign, "vil-1-b1", action), {"reason": "x"}).status_code == 404

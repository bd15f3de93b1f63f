"""Grading journey in a real browser: the secretary fills and submits the self-evaluation on a phone; the reviewer
returns it with a reason; the secretary fixes and resubmits; the reviewer scores; staff recomputes and sees the
grade with its explanation."""
import pytest

from branches.models import Sector
from branches.seed import seed_sectors
from campaigns.models import Phase
from scoring.models import Grade, ScoreSheet, SheetKind, SheetStatus
from tests import factories as f
from tests.browser.conftest import login, shot
from tests.scoring.grading_helpers import set_phase, votes

pytestmark = pytest.mark.browser


@pytest.fixture
def journey_data(transactional_db):
    seed_sectors(Sector)
    tree = f.county()
    campaign = f.campaign(tree["county"], phase=Phase.SELF)
    people = {
        "staff": f.user("staff", f.STAFF, first_name="组织部小王"),
        "reviewer": f.user("reviewer_a", f.REVIEWER, tree["town-a"], first_name="甲镇评定人"),
        "secretary": f.user("sec_vil2", f.SECRETARY, tree["vil-2"], first_name="二村书记"),
    }
    return campaign, tree, people


def fill_all(page, value):
    for box in page.locator(".criterion input").all():
        box.fill(value)


def test_self_evaluation_review_and_grade(live_server, page, phone_page, journey_data):
    campaign, tree, _ = journey_data
    base = live_server.url

    # 1. the secretary, on a phone, opens the task from the home page, makes a mistake, then submits
    login(phone_page, base, "sec_vil2", "pw-sec_vil2")
    with phone_page.expect_navigation():
        phone_page.click("text=填写自评")
    assert "二村党支部 · 自评" in phone_page.inner_text("h1")
    fill_all(phone_page, "5")
    phone_page.locator(".criterion input").first.fill("8.25")
    with phone_page.expect_navigation():
        phone_page.click("#self-save")
    assert "最多保留一位小数" in phone_page.inner_text("[role=alert]")
    shot(phone_page, "grading-01-self-error-phone")
    phone_page.locator(".criterion input").first.fill("5")
    phone_page.on("dialog", lambda d: d.accept())
    with phone_page.expect_navigation():
        phone_page.click("#self-submit")
    assert "自评已提交，总分 70.0" in phone_page.inner_text(".messages")
    shot(phone_page, "grading-02-self-submitted-phone")
    assert ScoreSheet.objects.get(kind=SheetKind.SELF).status == SheetStatus.SUBMITTED

    # 2. the reviewer returns it with a reason
    login(page, base, "reviewer_a", "pw-reviewer_a")
    page.goto(f"{base}/campaigns/{campaign.slug}/self/vil-2/")
    page.fill("textarea[name=reason]", "工作业绩一项缺少佐证材料")
    with page.expect_navigation():
        page.click("#self-return")
    assert "已退回" in page.inner_text(".messages")

    # 3. the secretary sees the reason, fixes and resubmits
    phone_page.goto(f"{base}/campaigns/{campaign.slug}/self/vil-2/")
    assert "工作业绩一项缺少佐证材料" in phone_page.inner_text("main")
    fill_all(phone_page, "5")
    phone_page.locator(".criterion input").first.fill("7")
    with phone_page.expect_navigation():
        phone_page.click("#self-submit")
    assert "总分 72.0" in phone_page.inner_text(".messages")

    # 4. survey votes arrive; the review opens; the reviewer scores every criterion
    votes(campaign, tree["vil-2"], 18, 1, 1)
    set_phase(campaign, Phase.REVIEW)
    page.goto(f"{base}/campaigns/{campaign.slug}/review/")
    with page.expect_navigation():
        page.click("a.button >> nth=1")  # vil-1, vil-2, com-1 in tree order: the second row is 二村
    assert "二村党支部 · 上级评定" in page.inner_text("h1")
    for box in page.locator(".g-review input").all():
        box.fill("5")
    page.fill("textarea[name=opinion]", "材料齐全，工作扎实")
    with page.expect_navigation():
        page.click("#review-save")
    assert "评定得分已保存" in page.inner_text(".messages")
    shot(page, "grading-03-review-desktop")

    # 5. staff recomputes from the dashboard and reads the grade with its explanation
    login(page, base, "staff", "pw-staff")
    page.goto(f"{base}/campaigns/{campaign.slug}/dashboard/")
    with page.expect_navigation():
        page.click("text=重新计算全部等次")
    assert "已重新计算全部等次" in page.inner_text(".messages")
    page.goto(f"{base}/campaigns/{campaign.slug}/review/vil-2/")
    explanation = page.inner_text(".g-explain")
    assert "综合得分 = 0.2×72.0 + 0.3×95.0 + 0.5×70.0 = 77.9" in explanation
    assert "77.9 ≥ 60，按得分为一般" in explanation and "满意率 95% ≥ 50%" in explanation
    assert page.inner_text(".g-label") == "一般"
    shot(page, "grading-04-grade-desktop")
    assert Grade.objects.get(org=tree["vil-2"]).computed_label == "一般"

"""After-grading journey in a real browser: staff publish → a visitor objects on a phone → staff uphold → the
reviewer changes the review on the review page → staff 重新公示 → the window closes → staff finalise → the secretary
files a rectification item on a phone and reports it done → the reviewer accepts it."""
import datetime

import pytest
from django.utils import timezone

from branches.models import Sector
from branches.seed import seed_sectors
from campaigns.models import Phase
from campaigns.selectors import targets
from publicity import services as P
from rectification.models import ItemStatus, RectificationItem
from scoring.models import Grade, ScoreSheet, SheetKind
from scoring.services.grading import recompute_campaign
from tests import factories as f
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def set_today(monkeypatch, day):
    moment = datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=P.LOCAL_TZ)
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def graded(transactional_db):
    seed_sectors(Sector)
    tree = f.county()
    staff = f.user("staff", f.STAFF, first_name="组织部小王")
    reviewer = f.user("reviewer_a", f.REVIEWER, tree["town-a"], first_name="甲镇评定人")
    secretary = f.user("sec_vil2", f.SECRETARY, tree["vil-2"], first_name="二村书记")
    campaign = f.campaign(tree["county"], weight_self=0, weight_survey=0, weight_review=1, phase=Phase.REVIEW)
    for org in targets(campaign):
        ScoreSheet.objects.create(campaign=campaign, org=org, kind=SheetKind.REVIEW, status="submitted", total=92,
                                  submitted_by=reviewer, submitted_at=timezone.now())
    recompute_campaign(campaign=campaign, actor=staff)
    return {"tree": tree, "staff": staff, "reviewer": reviewer, "secretary": secretary, "campaign": campaign}


def test_publish_object_regrade_finalise_rectify(live_server, page, phone_page, graded, monkeypatch):
    base, c = live_server.url, graded["campaign"]
    start = P.local_today()  # the real day: session cookies must not look expired to the browser

    # 1. staff publish for the default 2 days
    login(page, base, "staff", "pw-staff")
    page.goto(f"{base}/campaigns/{c.slug}/publicity/")
    page.fill('input[name="starts_on"]', start.isoformat())
    with page.expect_navigation():
        page.click("button:has-text('发布公示')")
    assert "公示中" in page.content()

    # 2. a visitor objects on a phone (no login)
    phone_page.goto(f"{base}/gongshi/{c.slug}/")
    assert "二村党支部" in phone_page.content()
    shot(phone_page, "after_public_phone")
    phone_page.select_option('select[name="org"]', label="二村党支部")
    phone_page.fill('textarea[name="text"]', "二村党支部活动阵地长期闲置，评为先进不符合实际。")
    with phone_page.expect_navigation():
        phone_page.click("button:has-text('提交异议')")
    assert "异议已收到" in phone_page.content()

    # 3. staff uphold it
    page.goto(f"{base}/campaigns/{c.slug}/objections/")
    page.check('input[value="upheld"]')
    page.fill("textarea[name$='-reply']", "经核实情况属实，重新评定。")
    with page.expect_navigation():
        page.click("button:has-text('提交处理结果')")
    assert "已重新开放评定" in page.content()

    # 4. the reviewer changes the review of that org (review page, indicator level: 70 of 100 → 一般)
    reviewer_page = page.context.browser.new_page()
    login(reviewer_page, base, "reviewer_a", "pw-reviewer_a")
    reviewer_page.goto(f"{base}/campaigns/{c.slug}/review/vil-2/?level=indicator")
    inputs = reviewer_page.locator(".g-review input")
    for i, value in enumerate(["10.5", "7", "10.5", "7", "7", "17.5", "10.5"]):
        inputs.nth(i).fill(value)
    with reviewer_page.expect_navigation():
        reviewer_page.click("button:has-text('保存评定')")

    # 5. staff 重新公示: the public page shows the new grade with the note
    page.goto(f"{base}/campaigns/{c.slug}/publicity/")
    with page.expect_navigation():
        page.click("button:has-text('重新公示')")
    phone_page.goto(f"{base}/gongshi/{c.slug}/")
    assert "已根据异议复核更新" in phone_page.content()
    assert Grade.objects.get(campaign=c, org=graded["tree"]["vil-2"]).final_label == "一般"

    # 6. the window closes (two days later); staff finalise
    set_today(monkeypatch, start + datetime.timedelta(days=2))
    page.goto(f"{base}/campaigns/{c.slug}/publicity/")
    with page.expect_navigation():
        page.click("button:has-text('确定定级结果')")
    assert "定级结果已确定" in page.content() and P.results_final(c)

    # 7. the secretary files an item on a phone and reports it done
    login(phone_page, base, "sec_vil2", "pw-sec_vil2")
    phone_page.goto(f"{base}/campaigns/{c.slug}/rectification/vil-2/")
    phone_page.fill('textarea[name="problem"]', "活动阵地闲置")
    phone_page.fill('textarea[name="measures"]', "每月固定主题党日")
    phone_page.fill('input[name="responsible"]', "张三")
    phone_page.fill('input[name="deadline"]', (start + datetime.timedelta(days=60)).isoformat())
    with phone_page.expect_navigation():
        phone_page.click("button:text-is('添加')")
    phone_page.click("text=报告整改进展")
    phone_page.fill("textarea[name$='-text']", "已开展两次主题党日")
    phone_page.check("input[name$='-completed']")
    with phone_page.expect_navigation():
        phone_page.click("form button:has-text('提交')")
    shot(phone_page, "after_rectification_phone")
    assert RectificationItem.objects.get().status == ItemStatus.REPORTED

    # 8. the reviewer accepts it
    reviewer_page.goto(f"{base}/campaigns/{c.slug}/rectification/vil-2/")
    reviewer_page.check('input[value="accept"]')
    with reviewer_page.expect_navigation():
        reviewer_page.click("button:has-text('提交验收结果')")
    assert "已验收" in reviewer_page.content()
    assert RectificationItem.objects.get().status == ItemStatus.ACCEPTED

"""星级管理 (SPEC §8): issued when results are final, valid two years to the exact day, lowered or revoked by
staff with a reason, shown on the org page and the star list."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import CampaignSector
from rectification import stars as S
from rectification.models import StarRating, StarStatus
from rectification.selectors import current_star_rating
from tests import factories as f
from tests.conftest import login
from tests.scoring.after_helpers import TODAY, finalise, fix_today

DAY = datetime.timedelta(days=1)
FINAL_DAY = TODAY + 2 * DAY  # the day after a 2-day window starting TODAY


@pytest.fixture
def star_campaign(tree, staff):
    c = f.campaign(tree["county"], slug="stars2026", sectors=("机关事业单位",))
    CampaignSector.objects.filter(campaign=c).update(scale=f.scale("stars"))
    finalise(c, staff, labels={"agency": "五星", "ag-1": "三星", "ag-2": "一星"})
    return c


@pytest.mark.parametrize("issued,expires", [
    (datetime.date(2026, 5, 13), datetime.date(2028, 5, 13)),
    (datetime.date(2026, 12, 31), datetime.date(2028, 12, 31)),
    (datetime.date(2028, 2, 29), datetime.date(2030, 2, 28)),   # no 29 February in 2030
    (datetime.date(2027, 2, 28), datetime.date(2029, 2, 28)),
])
def test_expiry_is_the_same_calendar_day_two_years_later(issued, expires):
    assert S.expiry_for(issued) == expires


def test_ratings_issued_at_finalisation_expire_on_the_exact_day(star_campaign, tree):
    ratings = {r.org.code: r for r in StarRating.objects.select_related("org")}
    assert set(ratings) == {"agency", "ag-1", "ag-2"}
    r = ratings["ag-1"]
    assert (r.label, r.valid_from, r.expires_on) == ("三星", FINAL_DAY, datetime.date(2028, 5, 13))
    assert r.valid_until == datetime.date(2028, 5, 12)
    assert not r.is_current_on(FINAL_DAY - DAY)
    assert r.is_current_on(FINAL_DAY)
    assert r.is_current_on(datetime.date(2028, 5, 12))            # the last valid day
    assert not r.is_current_on(datetime.date(2028, 5, 13))        # expires on the same day two years later
    assert r.state_on(datetime.date(2028, 5, 13)) == "已过期"
    assert current_star_rating(tree["ag-1"], datetime.date(2028, 5, 12)) == r
    assert current_star_rating(tree["ag-1"], datetime.date(2028, 5, 13)) is None


def test_four_tier_campaigns_issue_no_stars(campaign, tree, staff):
    finalise(campaign, staff)
    assert not StarRating.objects.exists()


def test_lower_and_revoke_need_a_reason_and_are_audited(star_campaign, tree, staff):
    r = StarRating.objects.get(org=tree["agency"])
    with pytest.raises(ValidationError) as e:
        S.lower_star_rating(rating=r, actor=staff, label="五星", reason="", today=FINAL_DAY)
    assert "只能降为低于「五星」的星级" in str(e.value) and "请填写降级理由" in str(e.value)
    S.lower_star_rating(rating=r, actor=staff, label="三星", reason="发生违纪问题", today=FINAL_DAY)
    r.refresh_from_db()
    assert (r.label, r.original_label, r.status, r.changed_by) == ("三星", "五星", StarStatus.LOWERED, staff)
    assert r.is_current_on(FINAL_DAY) and r.state_on(FINAL_DAY) == "有效（已降级）"
    with pytest.raises(ValidationError, match="请填写撤销理由"):
        S.revoke_star_rating(rating=r, actor=staff, reason=" ", today=FINAL_DAY)
    S.revoke_star_rating(rating=r, actor=staff, reason="严重违纪", today=FINAL_DAY)
    r.refresh_from_db()
    assert r.status == StarStatus.REVOKED and not r.is_current_on(FINAL_DAY)
    with pytest.raises(ValidationError, match="已撤销"):
        S.lower_star_rating(rating=r, actor=staff, label="一星", reason="再降", today=FINAL_DAY)
    entries = AuditEntry.objects.filter(action__in=["stars.lowered", "stars.revoked"]).order_by("id")
    assert [(e.action, e.reason) for e in entries] == [("stars.lowered", "发生违纪问题"), ("stars.revoked", "严重违纪")]


def test_expired_rating_cannot_be_changed(star_campaign, tree, staff):
    r = StarRating.objects.get(org=tree["ag-1"])
    with pytest.raises(ValidationError, match="已过期"):
        S.lower_star_rating(rating=r, actor=staff, label="二星", reason="x", today=r.expires_on)


def test_star_pages_roles(client, star_campaign, tree, staff, reviewer_of_township, secretary_of_branch,
                          monkeypatch):
    fix_today(monkeypatch, FINAL_DAY)
    url = reverse("star_list")
    assert client.get(url).status_code == 302
    assert login(client, secretary_of_branch).get(url).status_code == 403
    page = login(client, reviewer_of_township).get(url).content.decode()
    assert "财政局党支部" not in page and "降级/撤销" not in page
    page = login(client, staff).get(url).content.decode()
    assert "财政局党支部" in page and "2028-05-12" in page
    r = StarRating.objects.get(org=tree["ag-1"])
    change, lower = reverse("star_change", args=[r.pk]), reverse("star_lower", args=[r.pk])
    assert login(client, reviewer_of_township).get(change).status_code == 403
    client.force_login(staff)
    page = client.get(change).content.decode()
    assert "降低星级" in page and "撤销星级" in page and lower in page
    bad = client.post(lower, {"lower-label": "", "lower-reason": "违规"})
    assert bad.status_code == 200 and "只能降为低于「三星」的星级" in bad.content.decode()
    assert client.post(lower, {"lower-label": "二星", "lower-reason": "违规"}).status_code == 302
    r.refresh_from_db()
    assert r.label == "二星"


@pytest.mark.parametrize("name,data", [
    ("star_lower", {"lower-label": "二星", "lower-reason": "违规"}),
    ("star_revoke", {"revoke-reason": "严重违纪"}),
])
def test_star_actions_are_staff_only_posts(client, star_campaign, tree, staff, reviewer_of_township,
                                           secretary_of_branch, monkeypatch, name, data):
    fix_today(monkeypatch, FINAL_DAY)
    r = StarRating.objects.get(org=tree["ag-1"])
    url = reverse(name, args=[r.pk])
    response = client.post(url, data)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    for persona in (reviewer_of_township, secretary_of_branch):
        assert login(client, persona).post(url, data).status_code == 403
    login(client, staff)
    assert client.get(url).status_code == 405
    assert client.post(reverse(name, args=[999999]), data).status_code == 404
    r.refresh_from_db()
    assert r.status == StarStatus.VALID and r.changed_by is None
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("star_list")
    r.refresh_from_db()
    assert r.status != StarStatus.VALID and r.changed_by == staff


def test_revoke_needs_a_reason_on_the_page(client, star_campaign, tree, staff, monkeypatch):
    fix_today(monkeypatch, FINAL_DAY)
    r = StarRating.objects.get(org=tree["ag-1"])
    response = login(client, staff).post(reverse("star_revoke", args=[r.pk]), {"revoke-reason": ""})
    assert response.status_code == 200 and "请填写撤销理由" in response.content.decode()
    r.refresh_from_db()
    assert r.changed_by is None


def test_the_star_page_takes_no_post(client, star_campaign, tree, staff):
    r = StarRating.objects.get(org=tree["ag-1"])
    assert login(client, staff).post(reverse("star_change", args=[r.pk]), {"action": "lower"}).status_code == 405


def test_org_page_panel_shows_current_rating_and_history(client, star_campaign, tree, staff, secretary_of_branch,
                                                         monkeypatch):
    fix_today(monkeypatch, FINAL_DAY)
    r = StarRating.objects.get(org=tree["ag-1"])
    S.lower_star_rating(rating=r, actor=staff, label="二星", reason="违规", today=FINAL_DAY)
    page = login(client, staff).get(reverse("org_detail", args=["ag-1"])).content.decode()
    assert "当前星级" in page and "二星" in page and "（原三星）" in page and "违规" in page
    assert "整改提升" in page
    fix_today(monkeypatch, r.expires_on)
    client.force_login(staff)  # two years later the session has expired
    page = client.get(reverse("org_detail", args=["ag-1"])).content.decode()
    assert "当前没有有效星级" in page and "已过期" in page
